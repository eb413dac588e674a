//! The cryptography of the vault, free of Postgres so it reads (and tests) as
//! plain Rust.
//!
//! - The root key (32 bytes, from `vault.getkey_script`) is never used
//!   directly: [`SecretsKey::derive`] turns it into the key for one purpose,
//!   encrypting `vault.secrets`, with HKDF-SHA256. A later purpose gets its own
//!   `info` string and so an independent key.
//! - Secrets are sealed with XChaCha20-Poly1305: its 24-byte nonce is large
//!   enough to be drawn at random for every write without counting anything.
//! - The associated data is the row's id, so a ciphertext (with its nonce)
//!   copied into another row does not open there.

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

/// What can go wrong in this module. No variant carries key or plaintext bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum CryptoError {
    #[error("nonce must be {NONCE_LEN} bytes, found {0}")]
    BadNonceLength(usize),
    /// The tag did not verify: wrong key, wrong id, or altered ciphertext or nonce.
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

    /// Seals `plaintext` for the row `secret_id` under `nonce`; returns
    /// ciphertext followed by the 16-byte tag.
    pub fn seal(
        &self,
        plaintext: &[u8],
        secret_id: &[u8; 16],
        nonce: &[u8],
    ) -> CryptoResult<Vec<u8>> {
        let nonce = checked_nonce(nonce)?;
        self.cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: secret_id,
                },
            )
            .map_err(|_| CryptoError::SealFailed)
    }

    /// Opens what [`SecretsKey::seal`] produced; fails unless key, id, nonce and
    /// ciphertext are exactly those it was sealed with.
    pub fn open(
        &self,
        ciphertext: &[u8],
        secret_id: &[u8; 16],
        nonce: &[u8],
    ) -> CryptoResult<Zeroizing<Vec<u8>>> {
        let nonce = checked_nonce(nonce)?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: secret_id,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unauthentic)
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
