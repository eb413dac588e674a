-- Removes what setup created (quietly: the cascade lists every table).
set client_min_messages = warning;
drop schema clerk cascade;
drop function show_error(text);
drop server clerk_server cascade;
drop foreign data wrapper wasm_wrapper;
drop extension wrappers;
delete from vault.secrets where name = 'clerk';
