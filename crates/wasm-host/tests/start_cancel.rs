//! A component whose start function never returns is stopped by a cancel:
//! instantiating runs it as a guest call, with the epoch ticker on. The
//! component is made here (a core module whose start section loops,
//! exported under the contract's routines name so that the host takes it
//! for a 0.2.0 guest and instantiates it).

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasm_encoder::{
    BlockType, CodeSection, Component, ComponentExportKind, ComponentExportSection, ComponentInstanceSection,
    Function, FunctionSection, InstanceSection, Module, ModuleArg, ModuleSection, StartSection, TypeSection,
};
use wasm_host::host::http::{HttpClient, HttpConfig};
use wasm_host::host::{HostState, ReportLevel, Services};
use wasm_host::{runtime, HostError};

struct CancelAfter(Arc<AtomicBool>);

impl Services for CancelAfter {
    fn vault_secret(&mut self, _: &str) -> Option<String> {
        None
    }
    fn vault_secret_by_name(&mut self, _: &str) -> Option<String> {
        None
    }
    fn query_setting(&mut self, _: &str) -> Option<String> {
        None
    }
    fn inc_stats(&mut self, _: &str, _: wasm_host::model::Metric, _: i64) {}
    fn get_metadata(&mut self, _: &str) -> Option<String> {
        None
    }
    fn set_metadata(&mut self, _: &str, _: Option<String>) {}
    fn report(&mut self, _: ReportLevel, _: &str) {}
    fn check_for_interrupts(&mut self) {}
    fn cancel_pending(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

fn looping_start_component() -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    module.section(&funcs);
    module.section(&StartSection { function_index: 0 });
    let mut code = CodeSection::new();
    let mut body = Function::new([]);
    body.instructions().loop_(BlockType::Empty).br(0).end().end();
    code.function(&body);
    module.section(&code);

    let mut component = Component::new();
    component.section(&ModuleSection(&module));
    let mut core = InstanceSection::new();
    core.instantiate(0, std::iter::empty::<(&str, ModuleArg)>());
    component.section(&core);
    let mut instances = ComponentInstanceSection::new();
    instances.export_items(std::iter::empty::<(&str, ComponentExportKind, u32)>());
    component.section(&instances);
    let mut exports = ComponentExportSection::new();
    exports.export("supabase:wrappers/routines@0.2.0", ComponentExportKind::Instance, 0, None);
    component.section(&exports);
    component.finish()
}

#[test]
fn a_start_function_that_never_returns_is_stopped_by_a_cancel() {
    let bytes = looping_start_component();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let http = Arc::new(HttpClient::new(HttpConfig::default()));
        let host = HostState::new(HashMap::new(), http, Box::new(CancelAfter(flag)));
        let r = runtime::instantiate("file:///loop.wasm", &sha256, &bytes, host, None).map(|_| ());
        let _ = tx.send(r);
    });
    std::thread::sleep(Duration::from_millis(300));
    cancel.store(true, Ordering::SeqCst);
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Err(HostError::Cancelled { what })) => assert_eq!(what, "starting the wasm package"),
        Ok(other) => panic!("expected a cancel, got {other:?}"),
        Err(_) => panic!("the start function was not stopped by the cancel"),
    }
}
