-- Pins what a package may reach (issue 8): requests go only to the hosts of
-- the server's own URL options and of its allowed_hosts option, never to a
-- link-local or cloud metadata address unless allowed_hosts lists it, plain
-- http only to loopback unless allow_insecure_http; and a package reads
-- only the Vault secrets the server's (or user mapping's) options name.
-- The probe guest (tests/guests/probe-v2) requests its table's url option.
\getenv probe_url PROBE_V2_URL
\getenv emulator_url EMULATOR_URL
\getenv api_url CLERK_API_URL
\set route :emulator_url '/v1/no/such/route'
create server outbound_probe
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0'
  );
create foreign table to_emulator (http_status integer)
  server outbound_probe options (url :'route');
-- no URL option and no allowed_hosts: no host at all
select show_error('select http_status from to_emulator');
-- a listed host, on any port
alter server outbound_probe options (add allowed_hosts '127.0.0.1');
select http_status from to_emulator;
-- a listed host with a port: that port only (port 1 here; show_error masks
-- loopback ports)
alter server outbound_probe options (set allowed_hosts 'localhost, 127.0.0.1:1');
select show_error('select http_status from to_emulator');
-- a URL option allows its own host and port, nothing else
alter server outbound_probe options (drop allowed_hosts, add api_url :'api_url');
select http_status from to_emulator;
create foreign table to_elsewhere (http_status integer)
  server outbound_probe options (url 'http://localhost:1/x');
select show_error('select http_status from to_elsewhere');
-- cloud metadata, by address or by name: refused before any connection
create foreign table to_metadata (http_status integer)
  server outbound_probe options (url 'http://169.254.169.254/latest/meta-data/');
select show_error('select http_status from to_metadata');
create foreign table to_metadata_name (http_status integer)
  server outbound_probe options (url 'http://metadata.google.internal/computeMetadata/v1/');
select show_error('select http_status from to_metadata_name');
-- a wildcard allows a domain's hosts, but not a metadata host among them
alter server outbound_probe options (add allowed_hosts '*.google.internal');
select show_error('select http_status from to_metadata_name');
alter server outbound_probe options (drop allowed_hosts);
-- plain http to a host that is not loopback would carry the key in clear
-- text: refused even when the host is allowed, unless opted in
alter server outbound_probe options (add allowed_hosts 'api.example.com');
create foreign table to_plain_http (http_status integer)
  server outbound_probe options (url 'http://api.example.com/v1/users');
select show_error('select http_status from to_plain_http');
-- the server options are checked as they are set
select show_error($$alter server outbound_probe options (set api_url 'http://api.example.com/v1')$$);
select show_error($$alter server outbound_probe options (set api_url 'https://169.254.169.254/v1')$$);
select show_error($$alter server outbound_probe options (set allowed_hosts 'api.example.com, not a host:x')$$);
select show_error($$alter server outbound_probe options (add allow_insecure_http 'maybe')$$);
alter server outbound_probe options (set api_url 'http://api.example.com/v1', add allow_insecure_http 'true');
alter server outbound_probe options (drop allow_insecure_http, set api_url :'api_url');
-- Vault: only the secrets the options name
select vault.create_secret('twelve chars', 'probe_secret') is not null as secret_created;
create foreign table probe_vault (vault_len integer) server outbound_probe;
select vault_len from probe_vault;
alter server outbound_probe options (add probe_key_name 'probe_secret');
select vault_len from probe_vault;
alter server outbound_probe options (drop probe_key_name);
create user mapping for current_user server outbound_probe options (probe_key_id 'probe_secret');
select vault_len from probe_vault;
set client_min_messages = warning;
drop server outbound_probe cascade;
reset client_min_messages;
delete from vault.secrets where name = 'probe_secret';
