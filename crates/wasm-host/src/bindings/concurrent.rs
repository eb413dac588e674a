//! The optional host import `clerk:wrappers-ext/http-concurrent@0.1.0`
//! (`wit/ext/http-concurrent.wit`), added to the 0.2.0 linker: a component
//! that imports it (our guest's fast flavour) links on our host; one that
//! does not is unaffected.

use super::v2::supabase::wrappers::http as wit_http;
use crate::host::http::{Method, Request};
use crate::host::{concurrent, HostState};

wasmtime::component::bindgen!({
    path: ["../../wit/v2", "../../wit/ext"],
    world: "clerk:wrappers-ext/http-concurrent-import",
    imports: { default: trappable },
    with: {
        "supabase:wrappers/http@0.2.0": crate::bindings::v2::supabase::wrappers::http,
    },
});

/// The import's fully qualified name.
pub const HTTP_CONCURRENT_IMPORT: &str = "clerk:wrappers-ext/http-concurrent@0.1.0";

impl clerk::wrappers_ext::http_concurrent::Host for HostState {
    fn start(&mut self, req: wit_http::Request) -> wasmtime::Result<Option<u32>> {
        let method = match req.method {
            wit_http::Method::Get => Method::Get,
            wit_http::Method::Post => Method::Post,
            wit_http::Method::Put => Method::Put,
            wit_http::Method::Patch => Method::Patch,
            wit_http::Method::Delete => Method::Delete,
        };
        Ok(concurrent::start(self, Request { method, url: req.url, headers: req.headers, body: req.body }))
    }

    fn wait(&mut self, handle: u32) -> wasmtime::Result<wit_http::HttpResult> {
        Ok(concurrent::wait(self, handle).map(|r| wit_http::Response {
            url: r.url,
            status_code: r.status_code,
            headers: r.headers,
            body: r.body,
        }))
    }

    fn abandon(&mut self, handle: u32) -> wasmtime::Result<()> {
        concurrent::abandon(self, handle);
        Ok(())
    }
}
