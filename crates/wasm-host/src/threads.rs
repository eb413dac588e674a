//! Helper threads inside a Postgres backend.
//!
//! The backend's signals (cancel, terminate, timeouts) must reach the
//! backend's own thread, where Postgres' handlers expect them; a thread the
//! host starts therefore blocks every signal, and never calls into
//! Postgres.

use std::thread::JoinHandle;

/// Spawns `f` on a thread that blocks all signals.
pub fn spawn_quiet<F, T>(name: &str, f: F) -> std::io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // SAFETY: sigfillset/pthread_sigmask only touch the local sets and this
    // thread's mask; the old mask is restored right after the spawn, and the
    // new thread inherits the fully blocked one.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let spawned = std::thread::Builder::new().name(name.to_owned()).spawn(f);
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        spawned
    }
}
