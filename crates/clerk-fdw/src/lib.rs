//! Clerk foreign data wrapper: the Wasm guest component.
//!
//! A thin adapter from the `supabase:wrappers@0.2.0` WIT bindings to
//! [`clerk_core`]: the planner, pager, decoder and error mapping live there;
//! this crate converts WIT values, keeps per-instance state and calls the
//! host's `http`, `time`, `stats` and `utils` imports. It imports nothing
//! else (no WASI), so it runs unchanged on Supabase's host. Besides
//! `routines` it exports the optional `clerk:wrappers-ext/explain@0.1.0`
//! (the requests a scan makes, for EXPLAIN) and
//! `clerk:wrappers-ext/returning@0.1.0` (the row a write was answered with,
//! for RETURNING), `count@0.1.0` (`count(*)` in one request) and
//! `modify@0.1.0` (a write refused while it is planned), which other hosts
//! ignore.
//!
//! Build (what the repository's scripts call):
//!
//! ```text
//! cargo build -p clerk-fdw --target wasm32-unknown-unknown --profile wasm
//! cargo run -q -p componentize -- \
//!     target/wasm32-unknown-unknown/wasm/clerk_fdw.wasm <out>/clerk_fdw.wasm
//! ```

pub mod config;
pub mod convert;
pub mod host;
pub mod scan;

// The contract's world plus our optional `clerk:wrappers-ext` exports
// (wit/ext): the imports are exactly `supabase:wrappers`'s. This is the
// portable flavour, `clerk_fdw.wasm`.
#[cfg(not(feature = "concurrent"))]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/v2", "../../wit/ext"],
        world: "clerk:wrappers-ext/wrappers",
        generate_all,
    });
}

// The fast flavour, `clerk_fdw_fast.wasm` (feature `concurrent`): the same
// plus our host's optional `clerk:wrappers-ext/http-concurrent` import, so
// that a list scan keeps its next pages in flight. It loads only on a host
// that has the import (ours).
#[cfg(feature = "concurrent")]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/v2", "../../wit/ext"],
        world: "clerk:wrappers-ext/wrappers-concurrent",
        generate_all,
    });
}

mod guest;

/// Name under which statistics are recorded in `wrappers_fdw_stats`.
pub const FDW_NAME: &str = "clerk_fdw";

/// Every Supabase host reports a 0.1.x version; asking for more would make
/// the guest refuse to load there.
pub const HOST_VERSION_REQUIREMENT: &str = "^0.1.0";
