//! The cryptography of the vault, free of Postgres so it reads (and tests) as
//! plain Rust.
//!
//! - The root key (32 bytes, from `vault.getkey_script`) is never used
//!   directly: [`SecretsKey::derive`] turns it into the key for one purpose,
//!   encrypting `vault.secrets`, with HKDF-SHA256. A later purpose gets its own
//!   `info` string and so an independent key.
//! - Secrets are sealed with XChaCha20-Poly1305: its 24-byte nonce is large
//!   enough to be drawn at random for every write without counting anything.
//! - The associated data is the row's id and name ([`row_aad`]), so a
//!   ciphertext (with its nonce) copied into another row, or a row whose name
//!   was changed behind the vault's back, does not open.
//! - [`Fingerprint`] identifies a root key without revealing it, so that the
//!   vault can tell "another root key" from "an altered row".

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Length of the root key and of every derived key, in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce, in bytes (the `nonce` column).
pub const NONCE_LEN: usize = 24;

/// HKDF salt: names the scheme, so the same root key used by another program
/// with HKDF never yields our key.
const HKDF_SALT: &[u8] = b"supabase_vault root key";
/// HKDF info for the key that seals `vault.secrets` (format version 1).
const SECRETS_KEY_INFO: &[u8] = b"supabase_vault/vault.secrets/xchacha20poly1305/v1";
/// HKDF info for the root key's fingerprint: another output of the same HKDF,
/// independent of the secrets key, so showing it reveals nothing usable.
const FINGERPRINT_INFO: &[u8] = b"supabase_vault/root-key-fingerprint/v1";
/// Length of a root key fingerprint, in bytes (32 hexadecimal characters:
/// never mistaken for a 64-character key).
pub const FINGERPRINT_LEN: usize = 16;
/// First byte of the associated data of format 2 (id and name). Format 1 (the
/// id alone) is exactly 16 bytes, so the two never coincide.
const AAD_V2: u8 = 2;

/// What can go wrong in this module. No variant carries key or plaintext bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum CryptoError {
    #[error("nonce must be {NONCE_LEN} bytes, found {0}")]
    BadNonceLength(usize),
    /// The name context in front of the nonce is malformed.
    #[error("the name context before the nonce is malformed")]
    BadContext,
    /// The tag did not verify: wrong key, wrong id or name, or altered
    /// ciphertext or nonce.
    #[error("authentication failed")]
    Unauthentic,
    #[error("encryption failed")]
    SealFailed,
    #[error("key derivation failed")]
    Derive,
    #[error("the operating system's random number generator failed")]
    Random,
}

pub type CryptoResult<T> = Result<T, CryptoError>;

/// The key that seals `vault.secrets`, derived from the root key.
///
/// Zeroed on drop; `Debug` is deliberately not derived.
pub struct SecretsKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretsKey {
    /// Derives the secrets key from the 32-byte root key (HKDF-SHA256).
    pub fn derive(root_key: &[u8; KEY_LEN]) -> CryptoResult<Self> {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), root_key);
        let mut okm = Zeroizing::new([0u8; KEY_LEN]);
        hkdf.expand(SECRETS_KEY_INFO, okm.as_mut())
            .map_err(|_| CryptoError::Derive)?;
        Ok(Self(okm))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Seals `plaintext` with associated data `aad` under `nonce`; returns
    /// ciphertext followed by the 16-byte tag.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8], nonce: &[u8]) -> CryptoResult<Vec<u8>> {
        let nonce = checked_nonce(nonce)?;
        self.cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CryptoError::SealFailed)
    }

    /// Opens what [`SecretsKey::seal`] produced; fails unless key, associated
    /// data, nonce and ciphertext are exactly those it was sealed with.
    pub fn open(
        &self,
        ciphertext: &[u8],
        aad: &[u8],
        nonce: &[u8],
    ) -> CryptoResult<Zeroizing<Vec<u8>>> {
        let nonce = checked_nonce(nonce)?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unauthentic)
    }

    /// Seals a row's value. `name_and_nonce` is the third argument of
    /// `vault._crypto_aead_encrypt` (see [`split_name_and_nonce`]).
    pub fn seal_row(
        &self,
        plaintext: &[u8],
        secret_id: &[u8; 16],
        name_and_nonce: &[u8],
    ) -> CryptoResult<Vec<u8>> {
        let (context, nonce) = split_name_and_nonce(name_and_nonce)?;
        self.seal(plaintext, &row_aad(secret_id, context), nonce)
    }

    /// Opens a row's value; the reverse of [`SecretsKey::seal_row`].
    ///
    /// A row sealed before names were bound (format 1: the id alone) still
    /// opens when the caller passes a name context: format 2 is tried first,
    /// then format 1. This never lets a format-2 row open with the wrong name:
    /// its tag covers the name, and the format-1 attempt uses other
    /// associated data, which fails just the same.
    pub fn open_row(
        &self,
        ciphertext: &[u8],
        secret_id: &[u8; 16],
        name_and_nonce: &[u8],
    ) -> CryptoResult<(Zeroizing<Vec<u8>>, AadFormat)> {
        let (context, nonce) = split_name_and_nonce(name_and_nonce)?;
        match self.open(ciphertext, &row_aad(secret_id, context), nonce) {
            Ok(plaintext) if context.is_some() => Ok((plaintext, AadFormat::IdAndName)),
            Ok(plaintext) => Ok((plaintext, AadFormat::IdOnly)),
            Err(CryptoError::Unauthentic) if context.is_some() => self
                .open(ciphertext, &row_aad(secret_id, None), nonce)
                .map(|plaintext| (plaintext, AadFormat::IdOnly)),
            Err(e) => Err(e),
        }
    }
}

/// Which associated data a row turned out to be sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AadFormat {
    /// Format 1, before names were bound: the id alone.
    IdOnly,
    /// Format 2: the id and the name.
    IdAndName,
}

/// Splits the third argument of `vault._crypto_aead_encrypt`/`_decrypt`
/// into the name context and the nonce.
///
/// - Exactly [`NONCE_LEN`] bytes: the nonce alone (what the SQL of earlier
///   builds passes); the associated data is then the id alone (format 1).
/// - Otherwise a name context, then the nonce. The context is `0x00` for a
///   NULL name, or `0x01`, the name's length in bytes (4 bytes, big endian)
///   and the name in UTF-8: in SQL, `'\x00'` or `'\x01' ||
///   int4send(octet_length(convert_to(name, 'UTF8'))) || convert_to(name,
///   'UTF8')`. The length makes the split exact whatever the nonce's length,
///   so a nonce of the wrong length is reported as such.
///
/// The name travels in this argument so that `vault.decrypted_secrets` keeps
/// calling `_crypto_aead_decrypt(text, uuid, bytea)`, the function a reader
/// role is granted EXECUTE on.
pub fn split_name_and_nonce(arg: &[u8]) -> CryptoResult<(Option<&[u8]>, &[u8])> {
    if arg.len() == NONCE_LEN {
        return Ok((None, arg));
    }
    match arg.first() {
        Some(0) => Ok((Some(&arg[..1]), &arg[1..])),
        Some(1) => {
            let len: [u8; 4] = arg
                .get(1..5)
                .and_then(|b| b.try_into().ok())
                .ok_or(CryptoError::BadContext)?;
            let end = usize::try_from(u32::from_be_bytes(len))
                .ok()
                .and_then(|len| len.checked_add(5))
                .filter(|end| *end <= arg.len())
                .ok_or(CryptoError::BadContext)?;
            if std::str::from_utf8(&arg[5..end]).is_err() {
                return Err(CryptoError::BadContext);
            }
            Ok((Some(&arg[..end]), &arg[end..]))
        }
        // Neither a nonce nor a context: a bare nonce of the wrong length.
        _ => Err(CryptoError::BadNonceLength(arg.len())),
    }
}

/// The associated data of a row: format 1 is the id alone; format 2 is
/// `0x02`, the id, then the name context from [`split_name_and_nonce`].
pub fn row_aad(secret_id: &[u8; 16], context: Option<&[u8]>) -> Vec<u8> {
    match context {
        None => secret_id.to_vec(),
        Some(context) => {
            let mut aad = Vec::with_capacity(1 + 16 + context.len());
            aad.push(AAD_V2);
            aad.extend_from_slice(secret_id);
            aad.extend_from_slice(context);
            aad
        }
    }
}

/// The name context of [`split_name_and_nonce`] for `name` (the encoding the
/// SQL computes; used by the tests).
pub fn name_context(name: Option<&str>) -> Vec<u8> {
    match name {
        None => vec![0],
        Some(name) => {
            let mut context = vec![1];
            let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
            context.extend_from_slice(&len.to_be_bytes());
            context.extend_from_slice(name.as_bytes());
            context
        }
    }
}

/// Identifies a root key without revealing it: HKDF-SHA256 of the root key
/// with its own `info`, 16 bytes. Recorded where secrets are stored
/// (`vault.root_key_fingerprint`, `$PGDATA/supabase_vault_root.fingerprint`)
/// and shown in errors; not key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; FINGERPRINT_LEN]);

impl Fingerprint {
    pub fn derive(root_key: &[u8; KEY_LEN]) -> CryptoResult<Self> {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), root_key);
        let mut okm = [0u8; FINGERPRINT_LEN];
        hkdf.expand(FINGERPRINT_INFO, &mut okm)
            .map_err(|_| CryptoError::Derive)?;
        Ok(Self(okm))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Parses 32 hexadecimal characters (surrounding whitespace ignored).
    pub fn parse_hex(text: &[u8]) -> Option<Self> {
        let text = text.trim_ascii();
        let mut bytes = [0u8; FINGERPRINT_LEN];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

fn checked_nonce(nonce: &[u8]) -> CryptoResult<XNonce> {
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| CryptoError::BadNonceLength(nonce.len()))?;
    Ok(XNonce::from(nonce))
}

/// A fresh random nonce from the operating system.
pub fn random_nonce() -> CryptoResult<[u8; NONCE_LEN]> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
    Ok(nonce)
}

/// Why a getkey script's output is not a root key. Never carries the output.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum RootKeyFormatError {
    #[error("its first output line is empty")]
    Empty,
    #[error("its first output line has {0} characters, expected {expected}", expected = KEY_LEN * 2)]
    WrongLength(usize),
    #[error("its first output line is not hexadecimal")]
    NotHex,
}

/// Parses a getkey script's output: the first line, surrounding whitespace
/// ignored, must be exactly 64 hexadecimal characters.
pub fn parse_root_key(output: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, RootKeyFormatError> {
    let first_line = output.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = first_line.trim_ascii();
    if first_line.is_empty() {
        return Err(RootKeyFormatError::Empty);
    }
    if first_line.len() != KEY_LEN * 2 {
        return Err(RootKeyFormatError::WrongLength(first_line.len()));
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    hex::decode_to_slice(first_line, key.as_mut()).map_err(|_| RootKeyFormatError::NotHex)?;
    Ok(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ROOT_HEX: &[u8] = b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const ID_A: [u8; 16] = [1; 16];
    const ID_B: [u8; 16] = [2; 16];

    fn key() -> SecretsKey {
        SecretsKey::derive(&parse_root_key(ROOT_HEX).unwrap()).unwrap()
    }

    #[test]
    fn seal_then_open_roundtrips() {
        let nonce = random_nonce().unwrap();
        let ct = key().seal(b"sk_test_123", &ID_A, &nonce).unwrap();
        assert_eq!(ct.len(), b"sk_test_123".len() + 16);
        assert_eq!(
            key().open(&ct, &ID_A, &nonce).unwrap().as_slice(),
            b"sk_test_123"
        );
    }

    #[test]
    fn ciphertext_moved_to_another_id_does_not_open() {
        let nonce = random_nonce().unwrap();
        let ct = key().seal(b"x", &ID_A, &nonce).unwrap();
        assert_eq!(
            key().open(&ct, &ID_B, &nonce).unwrap_err(),
            CryptoError::Unauthentic
        );
    }

    #[test]
    fn any_flipped_bit_is_detected() {
        let nonce = random_nonce().unwrap();
        let ct = key().seal(b"secret", &ID_A, &nonce).unwrap();
        for i in 0..ct.len() * 8 {
            let mut bad = ct.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert!(key().open(&bad, &ID_A, &nonce).is_err());
        }
        let mut bad_nonce = nonce;
        bad_nonce[0] ^= 1;
        assert!(key().open(&ct, &ID_A, &bad_nonce).is_err());
    }

    #[test]
    fn another_root_key_does_not_open() {
        let nonce = random_nonce().unwrap();
        let ct = key().seal(b"x", &ID_A, &nonce).unwrap();
        let other = SecretsKey::derive(&[7u8; KEY_LEN]).unwrap();
        assert!(other.open(&ct, &ID_A, &nonce).is_err());
    }

    #[test]
    fn derived_key_is_not_the_root_key() {
        let root = parse_root_key(ROOT_HEX).unwrap();
        assert_ne!(*key().0, *root);
    }

    #[test]
    fn wrong_nonce_length_is_an_error_not_a_panic() {
        assert_eq!(
            key().seal(b"x", &ID_A, &[0; 12]).unwrap_err(),
            CryptoError::BadNonceLength(12)
        );
        assert_eq!(
            key().open(b"x", &ID_A, &[]).unwrap_err(),
            CryptoError::BadNonceLength(0)
        );
    }

    fn arg(name: Option<&str>, nonce: &[u8]) -> Vec<u8> {
        let mut arg = name_context(name);
        arg.extend_from_slice(nonce);
        arg
    }

    #[test]
    fn row_roundtrips_with_its_name() {
        let nonce = random_nonce().unwrap();
        for name in [Some("clerk"), Some(""), None, Some("clé ✓")] {
            let ct = key().seal_row(b"v", &ID_A, &arg(name, &nonce)).unwrap();
            let (pt, format) = key().open_row(&ct, &ID_A, &arg(name, &nonce)).unwrap();
            assert_eq!((pt.as_slice(), format), (&b"v"[..], AadFormat::IdAndName));
        }
    }

    #[test]
    fn another_name_does_not_open() {
        let nonce = random_nonce().unwrap();
        let ct = key()
            .seal_row(b"v", &ID_A, &arg(Some("a"), &nonce))
            .unwrap();
        for other in [Some("b"), Some("a "), Some(""), None] {
            assert_eq!(
                key().open_row(&ct, &ID_A, &arg(other, &nonce)).unwrap_err(),
                CryptoError::Unauthentic,
                "{other:?}"
            );
        }
        // nor under another id, nor as a format-1 row (nonce alone)
        assert!(key().open_row(&ct, &ID_B, &arg(Some("a"), &nonce)).is_err());
        assert!(key().open_row(&ct, &ID_A, &nonce).is_err());
        // a NULL name and an empty one are different names
        let ct = key().seal_row(b"v", &ID_A, &arg(None, &nonce)).unwrap();
        assert!(key().open_row(&ct, &ID_A, &arg(Some(""), &nonce)).is_err());
    }

    #[test]
    fn format_1_rows_still_open() {
        // sealed by an earlier build: the id alone, the nonce alone
        let nonce = random_nonce().unwrap();
        let ct = key().seal(b"old", &ID_A, &nonce).unwrap();
        assert_eq!(key().seal_row(b"old", &ID_A, &nonce).unwrap(), ct);
        let (pt, format) = key().open_row(&ct, &ID_A, &arg(Some("n"), &nonce)).unwrap();
        assert_eq!((pt.as_slice(), format), (&b"old"[..], AadFormat::IdOnly));
        assert!(key().open_row(&ct, &ID_B, &arg(Some("n"), &nonce)).is_err());
    }

    #[test]
    fn name_and_nonce_split() {
        let nonce = [9u8; NONCE_LEN];
        assert_eq!(split_name_and_nonce(&nonce).unwrap(), (None, &nonce[..]));
        let a = arg(Some("ab"), &nonce);
        assert_eq!(
            split_name_and_nonce(&a).unwrap(),
            (Some(&a[..7]), &nonce[..])
        );
        // a short nonce after a valid context is reported as such
        let short = arg(Some("tampered"), &[0]);
        assert_eq!(
            key()
                .open_row(b"xxxxxxxxxxxxxxxxxxxx", &ID_A, &short)
                .unwrap_err(),
            CryptoError::BadNonceLength(1)
        );
        // a length running past the end, a cut length, bad UTF-8
        assert_eq!(
            split_name_and_nonce(&[1, 0, 0, 1, 0, b'x']).unwrap_err(),
            CryptoError::BadContext
        );
        assert_eq!(
            split_name_and_nonce(&[1, 0]).unwrap_err(),
            CryptoError::BadContext
        );
        assert_eq!(
            split_name_and_nonce(&[1, 0, 0, 0, 1, 0xff]).unwrap_err(),
            CryptoError::BadContext
        );
        assert_eq!(
            split_name_and_nonce(&[7; 3]).unwrap_err(),
            CryptoError::BadNonceLength(3)
        );
        assert_eq!(
            split_name_and_nonce(&[]).unwrap_err(),
            CryptoError::BadNonceLength(0)
        );
    }

    #[test]
    fn fingerprint_identifies_the_root_key_without_being_it() {
        let root = parse_root_key(ROOT_HEX).unwrap();
        let fp = Fingerprint::derive(&root).unwrap();
        assert_eq!(fp, Fingerprint::derive(&root).unwrap());
        assert_ne!(fp, Fingerprint::derive(&[7u8; KEY_LEN]).unwrap());
        assert!(!root.windows(4).any(|w| fp.0.windows(4).any(|f| f == w)));
        assert!(!key().0.starts_with(&fp.0));
        let text = fp.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(
            Fingerprint::parse_hex(format!(" {text}\n").as_bytes()),
            Some(fp)
        );
        assert_eq!(Fingerprint::parse_hex(&ROOT_HEX[..31]), None);
        assert_eq!(Fingerprint::parse_hex(ROOT_HEX), None);
        assert_eq!(Fingerprint::from_slice(&fp.0), Some(fp));
        assert_eq!(Fingerprint::from_slice(&[0; 15]), None);
    }

    #[test]
    fn root_key_parsing() {
        let mut with_newline = ROOT_HEX.to_vec();
        with_newline.extend_from_slice(b"\r\nignored second line\n");
        assert!(parse_root_key(&with_newline).is_ok());
        assert_eq!(parse_root_key(b"").unwrap_err(), RootKeyFormatError::Empty);
        assert_eq!(
            parse_root_key(b"\nabc").unwrap_err(),
            RootKeyFormatError::Empty
        );
        assert_eq!(
            parse_root_key(b"abcd").unwrap_err(),
            RootKeyFormatError::WrongLength(4)
        );
        let not_hex = [b'z'; 64];
        assert_eq!(
            parse_root_key(&not_hex).unwrap_err(),
            RootKeyFormatError::NotHex
        );
        let error_text = parse_root_key(&not_hex).unwrap_err().to_string();
        assert!(
            !error_text.contains("zz"),
            "errors must not echo the script's output"
        );
    }
}
