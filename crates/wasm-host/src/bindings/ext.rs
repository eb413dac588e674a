//! `clerk:wrappers-ext@0.1.0` (`wit/ext`): optional guest exports beyond
//! the contract. A component is always instantiated through its
//! `supabase:wrappers` world; these exports are looked up afterwards and
//! only used when present with the expected type.
//!
//! Only 0.2.0 guests can have them: the interfaces use the 0.2.0 `context`
//! and `row` resources, which map to the same host resources as `v2`'s.

wasmtime::component::bindgen!({
    path: ["../../wit/v2", "../../wit/ext"],
    world: "clerk:wrappers-ext/explain-export",
    with: {
        "supabase:wrappers/types@0.2.0": crate::bindings::v2::supabase::wrappers::types,
    },
});

/// The `returning` export's bindings (a module of their own: each world
/// generates its own `exports` tree).
mod returning_world {
    wasmtime::component::bindgen!({
        path: ["../../wit/v2", "../../wit/ext"],
        world: "clerk:wrappers-ext/returning-export",
        with: {
            "supabase:wrappers/types@0.2.0": crate::bindings::v2::supabase::wrappers::types,
        },
    });
}

/// The exports' fully qualified names.
pub const EXPLAIN_EXPORT: &str = "clerk:wrappers-ext/explain@0.1.0";
pub const RETURNING_EXPORT: &str = "clerk:wrappers-ext/returning@0.1.0";

pub use exports::clerk::wrappers_ext::explain::{Guest as Explain, GuestIndices as ExplainIndices};
pub use returning_world::exports::clerk::wrappers_ext::returning::{
    Guest as Returning, GuestIndices as ReturningIndices,
};
