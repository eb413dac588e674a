//! Shared by the tests that run the components `scripts/build.sh` puts in
//! `target/` (`explain_export.rs`, `returning_export.rs`).

#![allow(dead_code, clippy::unwrap_used)] // not every test file uses all; a failed unwrap is a failed test

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasm_host::host::http::{HttpClient, HttpConfig};
use wasm_host::host::HostState;
use wasm_host::runtime::{self, GuestInstance};

pub use wasm_host::host::NoDatabase;

/// The built component `target/<name>`, or `None` (test skipped). They run
/// only with `WASM_HOST_COMPONENT_TESTS=1`, which `scripts/test.sh` sets
/// after `scripts/build.sh` (before it, `target/` may hold none or stale
/// ones); then a missing component is a failure, never a skip.
pub fn component(name: &str) -> Option<Vec<u8>> {
    if std::env::var_os("WASM_HOST_COMPONENT_TESTS").is_none() {
        eprintln!("skipped: set WASM_HOST_COMPONENT_TESTS=1 after scripts/build.sh (scripts/test.sh does)");
        return None;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => panic!("{} is not built ({e}): run scripts/build.sh first", path.display()),
    }
}

/// `bytes` instantiated with these server options `api_url` and `api_key`,
/// its host version checked and `init` called. The compiled code goes
/// through the host's on-disk cache (as a backend's does, in the data
/// directory) in the target directory: each test runs on a thread of its
/// own, and without it every one compiled the component again with a debug
/// build of Cranelift.
pub fn instance(bytes: &[u8], api_url: &str, key: &str) -> GuestInstance {
    let opts: HashMap<String, String> =
        [("api_url".to_string(), api_url.to_string()), ("api_key".to_string(), key.to_string())].into();
    let http = Arc::new(HttpClient::new(HttpConfig::default()));
    let host = HostState::new(opts, http, Box::new(NoDatabase));
    let sha256 = hex::encode(Sha256::digest(bytes));
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm-host-component-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let mut guest = runtime::instantiate("file:///test.wasm", &sha256, bytes, host, Some(&cache)).unwrap();
    guest.check_host_version().unwrap();
    guest.init().unwrap();
    guest
}
