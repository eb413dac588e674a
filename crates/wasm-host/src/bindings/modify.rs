//! The optional `clerk:wrappers-ext/modify@0.1.0` export (`wit/ext/modify.wit`):
//! a write statement refused while it is planned. Looked up after the
//! component is instantiated through its `supabase:wrappers` world, like
//! the other extensions (see `ext`); 0.2.0 guests only.

wasmtime::component::bindgen!({
    path: ["../../wit/v2", "../../wit/ext"],
    world: "clerk:wrappers-ext/modify-export",
    with: {
        "supabase:wrappers/types@0.2.0": crate::bindings::v2::supabase::wrappers::types,
    },
});

/// The export's fully qualified name.
pub const MODIFY_EXPORT: &str = "clerk:wrappers-ext/modify@0.1.0";

pub use exports::clerk::wrappers_ext::modify::{Guest as Modify, GuestIndices as ModifyIndices, Operation};
