//! The coverage list's vocabulary: a Backend API operation (the spec's
//! method and path template, relative to `/v1`) and whether the emulator
//! serves it yet. Each resource module lists its own (`OPERATIONS` next to
//! its `routes()`); `crate::resources::OPERATIONS` gathers them.
//!
//! The conformance test (`tests/conformance.rs`) holds this list to the
//! vendored spec: every entry must be an operation of the spec with the same
//! method and path, every `Served` entry must be routed by `app()`, and every
//! `Pending` entry must not be (so the list cannot claim more or less than
//! the router does). Path parameter names are the spec's own.

/// Whether the emulator answers an operation yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Served,
    Pending,
}

/// One operation: method, spec path template, status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub status: Status,
}

pub const fn op(method: &'static str, path: &'static str, status: Status) -> Operation {
    Operation {
        method,
        path,
        status,
    }
}
