//! `$PGDATA/supabase_vault_root.fingerprint`: which root key this server's
//! secrets are encrypted under, where the postmaster and the getkey script can
//! see it before any database is open.
//!
//! - Written (once, never overwritten) by the first `vault.create_secret` or
//!   `vault.update_secret` that encrypts a value on this server, after the
//!   database's own record (`vault.root_key_fingerprint`) accepted the key.
//! - Read by the postmaster after the getkey program printed a key: a key
//!   with another fingerprint is not loaded ("vault root key changed").
//! - Read by the default getkey script: while it exists, a missing key file is
//!   an error, never a reason to make a new key.
//!
//! It holds a fingerprint ([`Fingerprint`]), not the key.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::crypto::Fingerprint;

/// File name, in the data directory.
pub const FILE_NAME: &str = "supabase_vault_root.fingerprint";

const HEADER: &str = "# supabase_vault: fingerprint (not the key) of the root key this server's \
vault secrets are encrypted under.\n# Keep it while those secrets exist: the vault refuses any \
other root key, and the default getkey script will not create a new key while it is here.\n";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Why the file could not be used. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("{FILE_NAME} in the data directory could not be read: {0}")]
    Unreadable(String),
    #[error("{FILE_NAME} in the data directory does not hold a fingerprint")]
    Malformed,
    #[error("{FILE_NAME} could not be written in the data directory: {0}")]
    Unwritable(String),
}

/// The recorded fingerprint, `None` when there is no file.
pub fn read(data_dir: &Path) -> Result<Option<Fingerprint>, FileError> {
    let text = match std::fs::read(path(data_dir)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::Unreadable(e.kind().to_string())),
    };
    text.split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.is_empty() && !line.starts_with(b"#"))
        .and_then(Fingerprint::parse_hex)
        .map(Some)
        .ok_or(FileError::Malformed)
}

/// Makes sure the file records `fingerprint`: creates it if missing (never
/// replacing one that appears meanwhile); returns what an existing file
/// records, for the caller to compare.
pub fn ensure(data_dir: &Path, fingerprint: Fingerprint) -> Result<Fingerprint, FileError> {
    if let Some(recorded) = read(data_dir)? {
        return Ok(recorded);
    }
    let target = path(data_dir);
    let tmp = data_dir.join(format!("{FILE_NAME}.tmp.{}", std::process::id()));
    let unwritable = |e: std::io::Error| FileError::Unwritable(e.kind().to_string());
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(format!("{HEADER}{fingerprint}\n").as_bytes())?;
        file.sync_all()?;
        // link(2) never replaces: a concurrent first write wins, and is read below.
        match std::fs::hard_link(&tmp, &target) {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    written.map_err(unwritable)?;
    read(data_dir)?.ok_or(FileError::Malformed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vault-fp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn created_once_and_never_replaced() {
        let d = dir("once");
        assert_eq!(read(&d).unwrap(), None);
        let a = Fingerprint([1; 16]);
        assert_eq!(ensure(&d, a).unwrap(), a);
        let mode = std::fs::metadata(path(&d)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // a second key does not replace the record; the caller sees the first
        assert_eq!(ensure(&d, Fingerprint([2; 16])).unwrap(), a);
        assert_eq!(read(&d).unwrap(), Some(a));
        let text = std::fs::read_to_string(path(&d)).unwrap();
        assert!(text.starts_with("# supabase_vault"));
        assert!(text.ends_with(&format!("{a}\n")));
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_damaged_file_is_an_error() {
        let d = dir("damaged");
        std::fs::write(path(&d), "# only a comment\n").unwrap();
        assert_eq!(read(&d).unwrap_err(), FileError::Malformed);
        std::fs::write(path(&d), "not hex\n").unwrap();
        assert_eq!(read(&d).unwrap_err(), FileError::Malformed);
        assert_eq!(
            ensure(&d, Fingerprint([1; 16])).unwrap_err(),
            FileError::Malformed
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
