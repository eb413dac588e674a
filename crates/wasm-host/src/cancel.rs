//! Whether the running query was cancelled, for the host's own waits that
//! happen before a guest instance (and its `Services`) exists: downloading
//! a package and compiling it. The Postgres extension registers the check
//! once ([`set_check`]); without one (plain `cargo test`) nothing is ever
//! cancelled.

use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{HostError, HostResult};

static CHECK: OnceLock<fn() -> bool> = OnceLock::new();

/// How often a cancellable wait looks at the check.
pub const POLL: Duration = Duration::from_millis(50);

/// Registers the check: it must only read flags (it is called often, from
/// the backend's thread).
pub fn set_check(check: fn() -> bool) {
    let _ = CHECK.set(check);
}

/// Whether a cancel (query cancel, statement_timeout, termination) is
/// pending.
pub fn requested() -> bool {
    CHECK.get().is_some_and(|check| check())
}

/// Runs `f` on a quiet thread ([`crate::threads::spawn_quiet`]) and waits
/// for it, giving up with [`HostError::Cancelled`] as soon as a cancel is
/// [`requested`]; the thread then finishes on its own and its result is
/// dropped. When no thread can be started, `f` runs here.
pub fn run<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> HostResult<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    let task = std::sync::Arc::new(std::sync::Mutex::new(Some(f)));
    let worker = std::sync::Arc::clone(&task);
    let spawned = crate::threads::spawn_quiet("wasm-host-wait", move || {
        let f = worker.lock().ok().and_then(|mut f| f.take());
        if let Some(f) = f {
            let _ = tx.send(f());
        }
    });
    if spawned.is_err() {
        let f = task.lock().ok().and_then(|mut f| f.take());
        return match f {
            Some(f) => Ok(f()),
            None => Err(HostError::Trap(format!("{what}: the worker thread stopped"))),
        };
    }
    loop {
        match rx.recv_timeout(POLL) {
            Ok(value) => return Ok(value),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if requested() => {
                return Err(HostError::Cancelled { what: what.to_owned() });
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(HostError::Trap(format!("{what}: the worker thread stopped")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_returns_the_value_when_nothing_is_cancelled() {
        assert_eq!(run("adding", || 2 + 2).unwrap(), 4);
    }
}
