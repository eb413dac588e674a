//! Running the getkey program with a deadline.
//!
//! The postmaster runs it while loading preload libraries, so a program that
//! hangs would hang server start. [`run`] gives it `timeout` for writing its
//! output, closing it and exiting; past that, its whole process group (the
//! program and anything it started) is killed with SIGKILL and reaped.
//!
//! No helper thread: the postmaster forks every backend afterwards and must
//! stay single-threaded. Standard output is read with `poll(2)` between
//! checks of the child's status. The child is always reaped here, never left
//! for the postmaster's SIGCHLD handler (which would take an unknown child
//! killed by a signal for a crashed backend).
//!
//! Free of Postgres, so the unit tests run real programs.

use std::ffi::{c_int, c_short, c_ulong};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// More output than this is refused (a key is one 64-character line).
pub const MAX_OUTPUT: usize = 64 * 1024;

/// Why the program gave no usable output. Never carries the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunError {
    NotStarted(ErrorKind),
    /// Not finished (output closed and exited) within the timeout; killed.
    TimedOut,
    /// Printed more than [`MAX_OUTPUT`] bytes; killed.
    TooMuchOutput,
    /// Reading its output or waiting for it failed; killed.
    Io(ErrorKind),
}

/// A program that finished in time: its exit status and standard output
/// (zeroed on drop).
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Zeroizing<Vec<u8>>,
}

/// Shows the output's length only: it is the key.
impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished")
            .field("status", &self.status)
            .field("stdout_len", &self.stdout.len())
            .finish()
    }
}

/// Runs `command` (stdin from /dev/null, stdout captured, stderr as the
/// caller set it) in a process group of its own, for at most `timeout`.
pub fn run(mut command: Command, timeout: Duration) -> Result<Finished, RunError> {
    let deadline = Instant::now() + timeout;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| RunError::NotStarted(e.kind()))?;
    let result = match child.stdout.take() {
        Some(stdout) => collect(&mut child, stdout, deadline),
        None => Err(RunError::Io(ErrorKind::Other)),
    };
    if result.is_err() {
        kill_group(&mut child);
    }
    result
}

fn collect(
    child: &mut Child,
    mut stdout: ChildStdout,
    deadline: Instant,
) -> Result<Finished, RunError> {
    // Allocated once at the cap, so the key never sits in a freed buffer
    // left behind by a reallocation.
    let mut output = Zeroizing::new(Vec::with_capacity(MAX_OUTPUT));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    let mut eof = false;
    let mut status = None;
    loop {
        if status.is_none() {
            status = child.try_wait().map_err(|e| RunError::Io(e.kind()))?;
        }
        if let (true, Some(status)) = (eof, status) {
            return Ok(Finished {
                status,
                stdout: output,
            });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(RunError::TimedOut);
        }
        if eof {
            // Output closed, not exited yet.
            std::thread::sleep(left.min(Duration::from_millis(5)));
            continue;
        }
        if !readable(&stdout, left.min(Duration::from_millis(50)))? {
            continue;
        }
        match stdout.read(chunk.as_mut()) {
            Ok(0) => eof = true,
            Ok(n) => {
                if output.len() + n > MAX_OUTPUT {
                    return Err(RunError::TooMuchOutput);
                }
                output.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(RunError::Io(e.kind())),
        }
    }
}

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

const POLLIN: c_short = 0x001;
const SIGKILL: c_int = 9;

// From the C library every Postgres backend links; declared here rather than
// through the `libc` crate to keep this crate's dependencies as they are.
unsafe extern "C" {
    fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
}

/// Waits up to `wait` for `stdout` to have data or be closed.
fn readable(stdout: &ChildStdout, wait: Duration) -> Result<bool, RunError> {
    let mut fd = PollFd {
        fd: stdout.as_raw_fd(),
        events: POLLIN,
        revents: 0,
    };
    // Rounded up, so a sub-millisecond rest does not spin.
    let millis = c_int::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX);
    // SAFETY: one valid pollfd, nfds = 1; poll only writes its `revents`.
    let ready = unsafe { poll(&mut fd, 1, millis) };
    if ready < 0 {
        let error = std::io::Error::last_os_error();
        return match error.kind() {
            ErrorKind::Interrupted => Ok(false),
            kind => Err(RunError::Io(kind)),
        };
    }
    // POLLIN, POLLHUP or POLLERR: a read will not block.
    Ok(ready > 0 && fd.revents != 0)
}

/// Kills the child's process group (the child is its leader, see
/// `process_group(0)`), then the child itself, and reaps it.
fn kill_group(child: &mut Child) {
    if let Ok(pid) = c_int::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group
        // only; it touches no memory. ESRCH (already gone) is fine.
        unsafe {
            kill(-pid, SIGKILL);
        }
    }
    let _ = child.kill();
    // After SIGKILL this returns as soon as the kernel has ended the child.
    let _ = child.wait();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("/bin/sh");
        command.arg("-c").arg(script).stderr(Stdio::null());
        command
    }

    #[test]
    fn output_and_status_of_a_quick_program() {
        let done = run(sh("echo abc; exit 3"), Duration::from_secs(10)).unwrap();
        assert_eq!(done.stdout.as_slice(), b"abc\n");
        assert_eq!(done.status.code(), Some(3));
    }

    #[test]
    fn a_hanging_program_is_killed_at_the_deadline() {
        let started = Instant::now();
        let err = run(sh("sleep 30"), Duration::from_millis(300)).unwrap_err();
        assert_eq!(err, RunError::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_child_holding_the_output_open_is_killed_too() {
        let dir = std::env::temp_dir().join(format!("vault-script-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("pid");
        // The shell exits at once; its background child keeps stdout open.
        let script = format!("echo key; sleep 30 & echo $! > {}", pid_file.display());
        let started = Instant::now();
        let err = run(sh(&script), Duration::from_millis(500)).unwrap_err();
        assert_eq!(err, RunError::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        // the background `sleep` is gone (killed with the group; a zombie
        // waiting for an init that does not reap counts as gone)
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
                Err(_) => true,
                Ok(stat) => stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')),
            }
        });
        assert!(gone, "the background child survived");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn too_much_output_is_refused() {
        let err = run(sh("yes"), Duration::from_secs(10)).unwrap_err();
        assert_eq!(err, RunError::TooMuchOutput);
    }

    #[test]
    fn a_missing_program_is_not_started() {
        let err = run(Command::new("/nonexistent/getkey"), Duration::from_secs(1)).unwrap_err();
        assert_eq!(err, RunError::NotStarted(ErrorKind::NotFound));
    }
}
