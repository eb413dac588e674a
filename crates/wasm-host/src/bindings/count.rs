//! The optional `clerk:wrappers-ext/count@0.1.0` export (`wit/ext/aggregate.wit`):
//! `count(*)` of a scan answered by the guest. Looked up after the
//! component is instantiated through its `supabase:wrappers` world, like
//! the other extensions (see `ext`); 0.2.0 guests only.

wasmtime::component::bindgen!({
    path: ["../../wit/v2", "../../wit/ext"],
    world: "clerk:wrappers-ext/count-export",
    with: {
        "supabase:wrappers/types@0.2.0": crate::bindings::v2::supabase::wrappers::types,
    },
});

/// The export's fully qualified name.
pub const COUNT_EXPORT: &str = "clerk:wrappers-ext/count@0.1.0";

pub use exports::clerk::wrappers_ext::count::{Guest as Count, GuestIndices as CountIndices};
