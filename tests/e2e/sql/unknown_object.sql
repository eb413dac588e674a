-- Pins a table option naming no Clerk object: an ERROR that lists the
-- supported objects, and a missing object option likewise.
create foreign table userz (id text) server clerk_server options (object 'userz');
select id from userz;
drop foreign table userz;
create foreign table no_object (id text) server clerk_server;
select id from no_object;
drop foreign table no_object;
