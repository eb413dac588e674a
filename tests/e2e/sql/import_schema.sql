-- Pins IMPORT FOREIGN SCHEMA with LIMIT TO and EXCEPT.
create schema only_orgs;
import foreign schema clerk limit to (organizations) from server clerk_server into only_orgs;
select foreign_table_name from information_schema.foreign_tables
 where foreign_table_schema = 'only_orgs' order by 1;
create schema no_users;
import foreign schema clerk except (users) from server clerk_server into no_users;
select count(*) filter (where foreign_table_name = 'users') as users_tables,
       count(*) filter (where foreign_table_name = 'organizations') as organizations_tables
  from information_schema.foreign_tables where foreign_table_schema = 'no_users';
drop schema only_orgs cascade;
set client_min_messages = warning;
drop schema no_users cascade;
reset client_min_messages;
