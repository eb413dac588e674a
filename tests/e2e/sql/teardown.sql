-- Removes what setup created.
drop schema clerk cascade;
drop function show_error(text);
drop server clerk_server cascade;
drop foreign data wrapper wasm_wrapper;
drop extension wrappers;
delete from vault.secrets where name = 'clerk';
