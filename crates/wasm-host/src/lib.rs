//! The wasmtime side of the `wrappers` extension, kept free of Postgres so
//! that it is tested with plain `cargo test`.
//!
//! `model` holds version-neutral values, `host/*` implements each WIT
//! interface (one file per interface), `bindings/{v1,v2}` are the generated
//! bindings with their conversions, `package` loads and verifies packages,
//! `runtime` owns the engine, the compiled-component cache and guest
//! instances. What needs a database (vault, stats, settings, reports) is
//! reached through [`host::Services`].

pub mod bindings;
pub mod cancel;
pub mod error;
pub mod explain;
pub mod host;
pub mod model;
pub mod package;
pub mod runtime;
pub mod threads;

pub use error::{ErrorKind, HostError, HostResult};
