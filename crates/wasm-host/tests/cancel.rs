//! The host's own waits (a package download, a compile) stop on a cancel.
//! A process of its own: the cancel check is process-wide.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasm_host::{cancel, HostError};

static CANCELLED: AtomicBool = AtomicBool::new(false);
/// The tests share the flag: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

#[test]
fn a_cancel_ends_the_wait_and_the_work_is_dropped() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    cancel::set_check(cancelled);
    // nothing pending: the value comes back
    assert_eq!(cancel::run("adding", || 40 + 2).unwrap(), 42);
    // a cancel while waiting: the wait ends, long before the work would
    let started = Instant::now();
    let waiter = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(200));
        CANCELLED.store(true, Ordering::SeqCst);
    });
    let r = cancel::run("downloading the wasm package", || {
        std::thread::sleep(Duration::from_secs(30));
        7
    });
    waiter.join().unwrap();
    match r {
        Err(HostError::Cancelled { what }) => assert_eq!(what, "downloading the wasm package"),
        other => panic!("expected a cancel, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20), "the wait did not end on the cancel");
    CANCELLED.store(false, Ordering::SeqCst);
}

#[test]
fn a_cancelled_download_is_a_cancel_not_a_failure() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    cancel::set_check(cancelled);
    // a server that accepts and never answers
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow.wasm", listener.local_addr().unwrap());
    let _hold = std::thread::spawn(move || {
        let conns: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(60));
        drop(conns);
    });
    let flip = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(300));
        CANCELLED.store(true, Ordering::SeqCst);
    });
    let dir = std::env::temp_dir().join(format!("wasm-host-cancel-{}", std::process::id()));
    let r = wasm_host::package::load(&url, Some(&"ab".repeat(32)), &dir);
    flip.join().unwrap();
    CANCELLED.store(false, Ordering::SeqCst);
    assert!(matches!(r, Err(HostError::Cancelled { .. })), "{:?}", r.err());
    assert_eq!(
        r.err().map(|e| e.kind()),
        Some(wasm_host::ErrorKind::Code(wasm_host::error::Sqlstate::parse("57014").unwrap()))
    );
}
