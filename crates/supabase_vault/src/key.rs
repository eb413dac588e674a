//! Loading the root key at postmaster start, and handing the derived secrets
//! key to the SQL functions.
//!
//! Like pgsodium (which upstream Supabase Vault sits on), the key never enters
//! the database: when the library is in `shared_preload_libraries`, the
//! postmaster runs the program named by `vault.getkey_script` once, reads a
//! 64-hex-character root key from the first line of its output, derives the
//! secrets key and keeps only that, in process memory. Backends are forked
//! from the postmaster and inherit it; nothing is re-read per session.
//!
//! A failure does not stop the server (the rest of the cluster should not go
//! down with the vault): it is logged as a WARNING at startup and every
//! function that needs the key raises "vault root key is not loaded" with the
//! reason and a hint.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::GucSetting;
use zeroize::Zeroizing;

use crate::crypto::{parse_root_key, SecretsKey};
use crate::error::{KeyLoadFailure, VaultError, VaultResult};

/// Set once, in the postmaster, while preload libraries are loaded.
static KEY_STATE: OnceLock<Result<SecretsKey, KeyLoadFailure>> = OnceLock::new();

/// `vault.getkey_script`; its boot value is computed at startup (see [`define_guc`]).
static GETKEY_SCRIPT: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// File name of the default getkey script, in `<sharedir>/extension/`.
pub const DEFAULT_SCRIPT_NAME: &str = "supabase_vault_getkey";

/// Called from `_PG_init`. Does nothing unless the library is being preloaded:
/// a PGC_POSTMASTER setting may only be defined then, and only the postmaster
/// can hand the key to every backend.
pub fn init() {
    // SAFETY: a plain bool global of the server, written only by the
    // single-threaded postmaster before and after it loads preload libraries.
    let preloading = unsafe { pg_sys::process_shared_preload_libraries_in_progress };
    if !preloading {
        return;
    }
    define_guc();
    let state = load_secrets_key();
    if let Err(failure) = &state {
        warning!("supabase_vault: vault root key is not loaded: {failure}");
    }
    // `init` runs once per process image; a second call keeps the first result.
    let _ = KEY_STATE.set(state);
}

/// The key for sealing and opening `vault.secrets`, or the reason it is missing.
pub fn secrets_key() -> VaultResult<&'static SecretsKey> {
    match KEY_STATE.get() {
        None => Err(VaultError::KeyNotLoaded(KeyLoadFailure::NotPreloaded)),
        Some(Err(failure)) => Err(VaultError::KeyNotLoaded(failure.clone())),
        Some(Ok(key)) => Ok(key),
    }
}

fn define_guc() {
    let default = default_script_path();
    // Postgres keeps the boot value pointer for the life of the process
    // (pg_settings.boot_val, RESET), so it is leaked on purpose: one small
    // string, once per server start.
    let boot_value: &'static CStr = Box::leak(default.into_boxed_c_str());
    // SAFETY: called from _PG_init while preloading, as Postgres requires for
    // a PGC_POSTMASTER variable. Name and descriptions are 'static C strings;
    // the value pointer points into a static that lives as long as the
    // library; the boot value is leaked above so it outlives the server.
    unsafe {
        pg_sys::DefineCustomStringVariable(
            c"vault.getkey_script".as_ptr(),
            c"Program that prints the vault root key (64 hex characters) on its first output line.".as_ptr(),
            c"Run once by the postmaster at startup, with PGDATA set to the data directory. Only read when supabase_vault is in shared_preload_libraries.".as_ptr(),
            GETKEY_SCRIPT.as_ptr(),
            boot_value.as_ptr(),
            pg_sys::GucContext::PGC_POSTMASTER,
            pg_sys::GUC_SUPERUSER_ONLY as i32,
            None,
            None,
            None,
        );
        pg_sys::MarkGUCPrefixReserved(c"vault".as_ptr());
    }
}

/// `<sharedir>/extension/supabase_vault_getkey`, where the install puts the
/// default script.
fn default_script_path() -> CString {
    let mut share_dir = [0 as std::ffi::c_char; pg_sys::MAXPGPATH as usize];
    // SAFETY: my_exec_path is a NUL-terminated MAXPGPATH buffer the postmaster
    // filled before loading libraries; get_share_path writes at most
    // MAXPGPATH bytes, NUL included, into `share_dir`, which is that size.
    let share_dir = unsafe {
        pg_sys::get_share_path(
            (&raw const pg_sys::my_exec_path).cast(),
            share_dir.as_mut_ptr(),
        );
        CStr::from_ptr(share_dir.as_ptr())
    };
    let mut path = PathBuf::from(OsStr::from_bytes(share_dir.to_bytes()));
    path.push("extension");
    path.push(DEFAULT_SCRIPT_NAME);
    // A path from the server's own NUL-terminated buffers has no inner NUL;
    // should it ever, fall back to an empty setting, reported as NoScript.
    CString::new(path.into_os_string().into_vec()).unwrap_or_default()
}

fn data_directory() -> Option<PathBuf> {
    // SAFETY: DataDir is set by the postmaster (from -D / PGDATA /
    // data_directory) before preload libraries are loaded; it is either NULL
    // or a NUL-terminated string that is never freed.
    let data_dir = unsafe { pg_sys::DataDir };
    if data_dir.is_null() {
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated, see above.
    let bytes = unsafe { CStr::from_ptr(data_dir) }.to_bytes();
    Some(PathBuf::from(OsStr::from_bytes(bytes)))
}

fn load_secrets_key() -> Result<SecretsKey, KeyLoadFailure> {
    let script = GETKEY_SCRIPT
        .get()
        .filter(|s| !s.is_empty())
        .ok_or(KeyLoadFailure::NoScript)?;
    let script = PathBuf::from(OsStr::from_bytes(script.as_bytes()));
    let root_key = run_getkey_script(&script, data_directory().as_deref())?;
    SecretsKey::derive(&root_key).map_err(KeyLoadFailure::Unusable)
}

/// Runs the getkey program and parses its output. Its stderr goes to the
/// server's stderr (the log); its stdout is wiped once parsed.
fn run_getkey_script(
    script: &Path,
    data_dir: Option<&Path>,
) -> Result<Zeroizing<[u8; 32]>, KeyLoadFailure> {
    let mut command = Command::new(script);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(dir) = data_dir {
        // The postmaster's own PGDATA may be a config directory (Debian's
        // pg_ctlcluster passes /etc/postgresql/...); the script wants the data
        // directory.
        command.env("PGDATA", dir);
    }
    let output = command
        .output()
        .map_err(|e| KeyLoadFailure::NotStarted(e.kind().to_string()))?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(KeyLoadFailure::Failed(match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was terminated by a signal".to_owned(),
        }));
    }
    parse_root_key(&stdout).map_err(KeyLoadFailure::BadOutput)
}
