//! Response bodies read into memory mapped for each body alone, outside
//! the allocator.
//!
//! Requests run on helper threads (see [`super::http`]), and glibc's malloc
//! gives each thread an arena of its own that keeps what it freed: a body
//! of a megabyte or two, read on a helper thread into a `Vec`, stayed
//! resident in that thread's arena after the body was handed over. With
//! several pages in flight (`http-concurrent`) a backend held about 25 MiB
//! more at its peak than with one request at a time, and never gave it
//! back. A mapping is returned to the system when the body is dropped, and
//! the `String` the guest is handed ([`MappedBody::to_string_lossy`]) is
//! made on the thread that takes the answer, the backend's.
//!
//! Mapping and unmapping two hundred bodies of a megabyte or so cost a
//! scan of 100k users a seventh of its CPU (page faults and zeroing), so a
//! dropped body's mapping is kept for the next body (one at a time), and
//! [`release_spare`] unmaps it when a scan ends.

use std::io::{self, Read};
use std::sync::{Mutex, MutexGuard};

/// Smallest mapping: one page holds most small answers (errors, a count).
const MIN_CAPACITY: usize = 4096;
/// Most mapped up front for an announced size (a body larger than that
/// grows as it comes): a `Content-Length` is the server's word only.
const MAX_UP_FRONT: usize = 16 * 1024 * 1024;

/// The mapping of the last dropped body (address, bytes mapped), for the
/// next body. One is enough: a scan drops a page's body just before it
/// starts the next request, and each more would stay resident at the peak.
static SPARE: Mutex<Option<(usize, usize)>> = Mutex::new(None);

fn spare_slot() -> MutexGuard<'static, Option<(usize, usize)>> {
    // an (address, length) pair stays consistent whatever panicked
    SPARE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Unmaps the mapping kept for reuse (the end of a scan: an idle backend
/// holds none).
pub fn release_spare() {
    if let Some((addr, cap)) = spare_slot().take() {
        // SAFETY: a mapping a dropped MappedBody owned and handed over
        // whole; it was taken out of the slot, so nothing else can use it.
        unsafe {
            libc::munmap(addr as *mut libc::c_void, cap);
        }
    }
}

/// A growable byte buffer in an anonymous private mapping of its own.
pub struct MappedBody {
    ptr: *mut u8,
    /// Bytes mapped (a multiple of the page size; 0: nothing mapped).
    cap: usize,
    /// Bytes written.
    len: usize,
}

// SAFETY: the mapping is owned by this value alone (never shared or
// aliased), so moving it to another thread moves sole access with it.
unsafe impl Send for MappedBody {}

impl Default for MappedBody {
    fn default() -> Self {
        MappedBody {
            ptr: std::ptr::null_mut(),
            cap: 0,
            len: 0,
        }
    }
}

impl std::fmt::Debug for MappedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedBody")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .finish()
    }
}

impl MappedBody {
    /// Everything `reader` yields, with room for `size_hint` bytes (a
    /// `Content-Length`) mapped up front, up to [`MAX_UP_FRONT`].
    pub fn read_from(reader: &mut dyn Read, size_hint: Option<usize>) -> io::Result<MappedBody> {
        let mut body = MappedBody::default();
        // one more byte than announced: the end is then read without a remap
        body.reserve(size_hint.unwrap_or(0).min(MAX_UP_FRONT).saturating_add(1))?;
        loop {
            if body.len == body.cap {
                body.reserve(body.cap.max(MIN_CAPACITY))?;
            }
            let spare = body.spare();
            match reader.read(spare) {
                Ok(0) => return Ok(body),
                Ok(n) => body.len = body.len.saturating_add(n.min(body.cap - body.len)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_bytes(&self) -> &[u8] {
        if self.cap == 0 {
            return &[];
        }
        // SAFETY: `ptr` maps `cap` readable bytes owned by `self`, of which
        // the first `len` (<= cap) were written (the rest are the mapping's
        // zeros); the borrow keeps `self` alive and unmodified.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The body as text, invalid UTF-8 replaced (as the `http` interface
    /// always did), allocated on the calling thread. A valid body (the
    /// rule) is checked by `from_utf8`'s word-at-a-time loop, several times
    /// faster than the replacing one: 7% of a scan's CPU before.
    pub fn to_string_lossy(&self) -> String {
        match std::str::from_utf8(self.as_bytes()) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(self.as_bytes()).into_owned(),
        }
    }

    /// The unwritten rest of the mapping.
    fn spare(&mut self) -> &mut [u8] {
        if self.cap == 0 {
            return &mut [];
        }
        // SAFETY: bytes `len..cap` lie inside the mapping, which `self`
        // owns exclusively (`&mut self`); anonymous mappings are zeroed and
        // a reused one holds an earlier body's bytes, so the bytes are
        // initialized.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(self.len), self.cap - self.len) }
    }

    /// Makes room for at least `additional` more bytes.
    fn reserve(&mut self, additional: usize) -> io::Result<()> {
        let wanted = self.len.checked_add(additional).ok_or_else(too_large)?;
        if wanted <= self.cap {
            return Ok(());
        }
        let page = page_size();
        let new_cap = wanted
            .max(MIN_CAPACITY)
            .checked_next_multiple_of(page)
            .ok_or_else(too_large)?;
        if self.cap == 0 {
            if let Some((addr, cap)) = spare_slot().take() {
                // a dropped body's mapping: its pages are in memory already
                // (and hold that body's bytes, which are overwritten); one
                // too small grows below (bodies differ by a few bytes)
                self.ptr = addr as *mut u8;
                self.cap = cap;
                if cap >= new_cap {
                    return Ok(());
                }
            }
        }
        let ptr = if self.cap == 0 {
            // SAFETY: a fresh anonymous private mapping; no existing memory
            // is touched. Its pages are faulted in at once (MAP_POPULATE):
            // the body is about to fill them, and one call costs less than
            // a fault per page.
            unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    new_cap,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                    -1,
                    0,
                )
            }
        } else {
            // SAFETY: `ptr`/`cap` are exactly the mapping made here before;
            // it may move, and no reference into it outlives `&mut self`.
            unsafe { libc::mremap(self.ptr.cast(), self.cap, new_cap, libc::MREMAP_MAYMOVE) }
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        self.ptr = ptr.cast();
        self.cap = new_cap;
        Ok(())
    }
}

impl Drop for MappedBody {
    fn drop(&mut self) {
        if self.cap > 0 {
            let mut spare = spare_slot();
            if spare.is_none() && self.cap <= MAX_UP_FRONT {
                // handed over whole: nothing refers to it any more
                *spare = Some((self.ptr as usize, self.cap));
                return;
            }
            drop(spare);
            // SAFETY: `ptr`/`cap` are the mapping this value owns; nothing
            // refers to it any more.
            unsafe {
                libc::munmap(self.ptr.cast(), self.cap);
            }
        }
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a system constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| s.is_power_of_two())
        .unwrap_or(4096)
}

fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, "response body too large")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `data` in pieces of at most `step` bytes.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// A dropped body's mapping serves the next body, which shows only
    /// its own bytes (whether or not another test took it first).
    #[test]
    fn a_reused_mapping_shows_only_the_new_body() {
        let old = vec![b'x'; 100_000];
        let first = MappedBody::read_from(&mut Trickle { data: &old, step: 7000 }, Some(old.len())).unwrap();
        assert_eq!(first.as_bytes(), &old[..]);
        drop(first);
        let new = b"{\"id\": \"user_1\"}";
        for hint in [None, Some(new.len()), Some(200_000)] {
            let second = MappedBody::read_from(&mut Trickle { data: new, step: 5 }, hint).unwrap();
            assert_eq!(second.as_bytes(), new);
            assert_eq!(second.to_string_lossy(), "{\"id\": \"user_1\"}");
        }
        release_spare();
    }

    #[test]
    fn reads_everything_with_or_without_a_size_hint() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for hint in [
            None,
            Some(0),
            Some(10),
            Some(data.len()),
            Some(data.len() * 2),
        ] {
            for step in [1000, 65_536, 1 << 20] {
                let body = MappedBody::read_from(&mut Trickle { data: &data, step }, hint).unwrap();
                assert_eq!(body.as_bytes(), &data[..], "hint {hint:?}, step {step}");
                assert_eq!(body.len(), data.len());
            }
        }
    }

    #[test]
    fn an_empty_body_and_text() {
        let body = MappedBody::read_from(&mut io::empty(), None).unwrap();
        assert!(body.is_empty());
        assert_eq!(body.to_string_lossy(), "");
        let body = MappedBody::read_from(&mut &b"caf\xc3\xa9 \xff"[..], Some(7)).unwrap();
        assert_eq!(body.to_string_lossy(), "café \u{fffd}");
        assert!(MappedBody::default().as_bytes().is_empty());
    }

    #[test]
    fn a_body_moves_to_another_thread() {
        let body = MappedBody::read_from(&mut &b"{\"total_count\":3}"[..], None).unwrap();
        let text = std::thread::spawn(move || body.to_string_lossy())
            .join()
            .unwrap();
        assert_eq!(text, "{\"total_count\":3}");
    }
}
