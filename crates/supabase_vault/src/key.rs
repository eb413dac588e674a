//! Loading the root key at postmaster start, and handing the derived secrets
//! key to the SQL functions.
//!
//! Like pgsodium (which upstream Supabase Vault sits on), the key never enters
//! the database: when the library is in `shared_preload_libraries`, the
//! postmaster runs the program named by `vault.getkey_script` once, reads a
//! 64-hex-character root key from the first line of its output, derives the
//! secrets key and the root key's fingerprint and keeps only those, in
//! process memory. Backends are forked
//! from the postmaster and inherit it; nothing is re-read per session.
//!
//! The program gets `vault.getkey_timeout` to finish (see [`crate::script`]).
//! A key whose fingerprint differs from the one recorded in
//! `$PGDATA/supabase_vault_root.fingerprint` is not loaded: the secrets on
//! this server were encrypted under another key (see
//! [`crate::fingerprint_file`]).
//!
//! A failure does not stop the server (the rest of the cluster should not go
//! down with the vault): it is logged as a WARNING at startup and every
//! function that needs the key raises "vault root key is not loaded" (or
//! "vault root key changed") with the reason and a hint.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use zeroize::Zeroizing;

use crate::crypto::{parse_root_key, Fingerprint, SecretsKey};
use crate::error::{KeyLoadFailure, VaultError, VaultResult};
use crate::fingerprint_file;
use crate::script::{self, RunError};

/// The root key as the vault keeps it: the derived secrets key, and the root
/// key's fingerprint. The root key itself is wiped once both are derived.
pub struct LoadedKey {
    pub secrets: SecretsKey,
    pub fingerprint: Fingerprint,
}

/// Set once, in the postmaster, while preload libraries are loaded.
static KEY_STATE: OnceLock<Result<LoadedKey, KeyLoadFailure>> = OnceLock::new();

/// `vault.getkey_script`; its boot value is computed at startup (see [`define_guc`]).
static GETKEY_SCRIPT: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `vault.getkey_timeout`, in seconds.
static GETKEY_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(DEFAULT_TIMEOUT_SECS);
const DEFAULT_TIMEOUT_SECS: i32 = 30;

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
    let state = load_key();
    if let Err(failure) = &state {
        warning!("supabase_vault: {}: {failure}", failure.headline());
    }
    // `init` runs once per process image; a second call keeps the first result.
    let _ = KEY_STATE.set(state);
}

/// The key for sealing and opening `vault.secrets`, or the reason it is missing.
pub fn loaded_key() -> VaultResult<&'static LoadedKey> {
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
    }
    GucRegistry::define_int_guc(
        c"vault.getkey_timeout",
        c"How long the vault.getkey_script program may take at server start.",
        c"Past this, the program and every process it started are killed, and the vault root key is not loaded.",
        &GETKEY_TIMEOUT,
        1,
        3600,
        GucContext::Postmaster,
        GucFlags::UNIT_S,
    );
    // SAFETY: a plain call with a 'static C string, from _PG_init, after this
    // library defined its variables.
    unsafe {
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

/// The data directory (the postmaster's, inherited by every backend).
pub fn data_directory() -> Option<PathBuf> {
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

fn load_key() -> Result<LoadedKey, KeyLoadFailure> {
    let script = GETKEY_SCRIPT
        .get()
        .filter(|s| !s.is_empty())
        .ok_or(KeyLoadFailure::NoScript)?;
    let script = PathBuf::from(OsStr::from_bytes(script.as_bytes()));
    let data_dir = data_directory();
    // What this server's secrets were encrypted under, if any were.
    let recorded = match &data_dir {
        Some(dir) => fingerprint_file::read(dir).map_err(KeyLoadFailure::FingerprintFile)?,
        None => None,
    };
    let timeout_secs = GETKEY_TIMEOUT.get().max(1);
    let root_key = run_getkey_script(&script, data_dir.as_deref(), timeout_secs, recorded)?;
    let secrets = SecretsKey::derive(&root_key).map_err(KeyLoadFailure::Unusable)?;
    let fingerprint = Fingerprint::derive(&root_key).map_err(KeyLoadFailure::Unusable)?;
    if let Some(recorded) = recorded {
        if recorded != fingerprint {
            return Err(KeyLoadFailure::KeyChanged {
                loaded: fingerprint,
                recorded,
            });
        }
    }
    Ok(LoadedKey {
        secrets,
        fingerprint,
    })
}

/// Runs the getkey program (bounded by `timeout_secs`) and parses its output.
/// Its stderr goes to the server's stderr (the log); its stdout is wiped once
/// parsed.
fn run_getkey_script(
    script: &Path,
    data_dir: Option<&Path>,
    timeout_secs: i32,
    recorded: Option<Fingerprint>,
) -> Result<Zeroizing<[u8; 32]>, KeyLoadFailure> {
    let mut command = Command::new(script);
    command.stderr(Stdio::inherit());
    if let Some(dir) = data_dir {
        // The postmaster's own PGDATA may be a config directory (Debian's
        // pg_ctlcluster passes /etc/postgresql/...); the script wants the data
        // directory.
        command.env("PGDATA", dir);
    }
    let timeout = Duration::from_secs(u64::try_from(timeout_secs).unwrap_or(1));
    let failed = |status: String| KeyLoadFailure::Failed { status, recorded };
    let output = script::run(command, timeout).map_err(|e| match e {
        RunError::NotStarted(kind) => KeyLoadFailure::NotStarted(kind.to_string()),
        RunError::TimedOut => KeyLoadFailure::TimedOut(timeout_secs),
        RunError::TooMuchOutput => failed(format!(
            "printed more than {} bytes and was killed",
            script::MAX_OUTPUT
        )),
        RunError::Io(kind) => failed(format!("could not be read from ({kind}) and was killed")),
    })?;
    if !output.status.success() {
        return Err(failed(match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was terminated by a signal".to_owned(),
        }));
    }
    parse_root_key(&output.stdout).map_err(KeyLoadFailure::BadOutput)
}
