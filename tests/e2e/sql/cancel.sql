-- Pins that a query cancel stops the host's own waits, not only guest code:
-- here a package download from a server that accepts and never answers.
-- statement_timeout and pg_cancel_backend end the query with Postgres' own
-- error (57014), and the backend goes on.
-- A server on a free port that accepts and never answers (until 10 s pass
-- without a connection): the parent prints the port and exits, the child
-- holds the connections.
\set stalled_port `python3 -c 'import os,socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); print(s.getsockname()[1], flush=True); os.fork() and os._exit(0); n=os.open(os.devnull, os.O_RDWR); [os.dup2(n, fd) for fd in (0, 1, 2)]; s.settimeout(10); held=[s.accept() for _ in range(8)]'`
\set stalled_url 'http://127.0.0.1:' :stalled_port '/stalled.wasm'
create server stalled_server foreign data wrapper wasm_wrapper options (
  fdw_package_url :'stalled_url',
  fdw_package_name 'supabase:clerk-fdw',
  fdw_package_version '0.1.0',
  fdw_package_checksum 'abababababababababababababababababababababababababababababababab',
  api_key 'sk_test_unused'
);
create foreign table stalled (id text) server stalled_server options (object 'users');
set statement_timeout = '1s';
select count(*) from stalled;
reset statement_timeout;
-- another session cancels it
\! (sleep 1; psql -X -q -At -d clerk_e2e -c "select pg_cancel_backend(pid) from pg_stat_activity where query like '%from stalled%' and pid <> pg_backend_pid() and state = 'active'") >/dev/null 2>&1 &
select count(*) from stalled where id = 'x';
-- the backend goes on
select 1 as still_here;
drop server stalled_server cascade;
