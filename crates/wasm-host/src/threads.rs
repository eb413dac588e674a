//! Helper threads inside a Postgres backend.
//!
//! The backend's signals (cancel, terminate, timeouts) must reach the
//! backend's own thread, where Postgres' handlers expect them; a thread the
//! host starts therefore blocks every signal, and never calls into
//! Postgres.
//!
//! glibc gives every thread that allocates an arena of its own, which keeps
//! a few hundred kilobytes resident after the thread is gone: with pages
//! fetched ahead a backend had six, 1.4 MiB in all. The first helper thread
//! caps the process at two arenas (Postgres' own and one its helpers share;
//! Postgres starts no threads, so nothing else is affected).

use std::sync::Once;
use std::thread::JoinHandle;

/// Set once: glibc's `M_ARENA_MAX` for this process.
static CAP_ARENAS: Once = Once::new();

/// Spawns `f` on a thread that blocks all signals.
pub fn spawn_quiet<F, T>(name: &str, f: F) -> std::io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    CAP_ARENAS.call_once(|| {
        // the backend's arena, and one that every helper thread shares
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only sets an allocator parameter; it takes effect
        // for threads that have no arena yet, before any helper exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    });
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
