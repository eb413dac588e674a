//! Locating a guest package and proving it is the one the server names.
//!
//! `file://PATH` reads a local file (the checksum is checked when given);
//! `http(s)://` downloads once with timeouts and a size cap, verifies the
//! mandatory sha256 and keeps the bytes in a content-addressed cache, which
//! is re-verified on every use (a tampered or stale cache file is refetched,
//! never trusted). Nothing here touches Postgres.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{HostError, HostResult};

/// Largest package accepted, downloaded or local.
const MAX_PACKAGE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Http(String),
}

impl Source {
    pub fn parse(url: &str) -> HostResult<Source> {
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(invalid_url(url, "the path is empty"));
            }
            Ok(Source::File(PathBuf::from(path)))
        } else if url.starts_with("http://") || url.starts_with("https://") {
            Ok(Source::Http(url.to_owned()))
        } else {
            Err(HostError::InvalidOption {
                name: "fdw_package_url".into(),
                reason: format!("unsupported URL scheme in \"{url}\""),
                hint: "use a file:///absolute/path.wasm, http:// or https:// URL".into(),
            })
        }
    }
}

fn invalid_url(url: &str, why: &str) -> HostError {
    HostError::InvalidOption {
        name: "fdw_package_url".into(),
        reason: format!("\"{url}\": {why}"),
        hint: "use a file:///absolute/path.wasm, http:// or https:// URL".into(),
    }
}

/// Accepts `<64 hex>` or `sha256:<64 hex>`, any case; returns lower-case hex.
pub fn normalize_checksum(raw: &str) -> HostResult<String> {
    let hex = raw.trim();
    let hex = hex.strip_prefix("sha256:").unwrap_or(hex);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(HostError::InvalidOption {
            name: "fdw_package_checksum".into(),
            reason: "expected a sha256 as 64 hexadecimal digits".into(),
            hint: "compute it with: sha256sum clerk_fdw.wasm".into(),
        })
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The package's bytes and their sha256.
pub struct Package {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

pub fn load(
    url: &str,
    checksum: Option<&str>,
    cache_dir: &Path,
) -> HostResult<Package> {
    let expected = checksum.map(normalize_checksum).transpose()?;
    match Source::parse(url)? {
        Source::File(path) => {
            let bytes = read_limited(&path).map_err(|e| HostError::Package {
                message: format!("cannot read wasm package {url}: {e}"),
                hint: "fdw_package_url must name a file readable by the database server's OS user"
                    .into(),
            })?;
            let sha256 = sha256_hex(&bytes);
            if let Some(expected) = expected {
                if expected != sha256 {
                    return Err(HostError::ChecksumMismatch {
                        url: url.to_owned(),
                        expected,
                        actual: sha256,
                    });
                }
            }
            Ok(Package { bytes, sha256 })
        }
        Source::Http(u) => {
            let expected = expected.ok_or(HostError::MissingOption("fdw_package_checksum"))?;
            let cached = cache_dir.join(format!("{expected}.wasm"));
            if let Ok(bytes) = read_limited(&cached) {
                if sha256_hex(&bytes) == expected {
                    return Ok(Package {
                        bytes,
                        sha256: expected,
                    });
                }
                // a damaged or tampered cache entry is never used
                let _ = std::fs::remove_file(&cached);
            }
            // a cancel stops the wait (the download thread ends on its own,
            // within its timeout)
            let from = u.clone();
            let bytes = crate::cancel::run("downloading the wasm package", move || download(&from))??;
            let sha256 = sha256_hex(&bytes);
            if sha256 != expected {
                return Err(HostError::ChecksumMismatch {
                    url: u,
                    expected,
                    actual: sha256,
                });
            }
            // the cache is an optimisation: failing to write it is not an error
            let _ = write_atomically(cache_dir, &cached, &bytes);
            Ok(Package { bytes, sha256 })
        }
    }
}

fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_PACKAGE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_PACKAGE_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

fn download(url: &str) -> HostResult<Vec<u8>> {
    let agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(300)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let fail = |why: String| HostError::Package {
        message: format!("failed to download wasm package {url}: {why}"),
        hint: "check fdw_package_url and that the database server can reach it".into(),
    };
    let mut resp = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(fail(format!("server answered {}", resp.status())));
    }
    let mut bytes = Vec::new();
    resp.body_mut()
        .with_config()
        .limit(MAX_PACKAGE_BYTES)
        .reader()
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

/// Writes through a temporary file and a rename, so that a reader sees the
/// whole file or none.
pub(crate) fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("package");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_accept_prefix_and_upper_case() {
        let h = "AB".repeat(32);
        assert_eq!(normalize_checksum(&h).unwrap(), "ab".repeat(32));
        assert_eq!(
            normalize_checksum(&format!("sha256:{h}")).unwrap(),
            "ab".repeat(32)
        );
        assert!(normalize_checksum("abc").is_err());
    }

    #[test]
    fn unsupported_schemes_are_rejected() {
        assert!(Source::parse("warg://x").is_err());
        assert!(Source::parse("file://").is_err());
        assert_eq!(
            Source::parse("file:///a/b.wasm").unwrap(),
            Source::File(PathBuf::from("/a/b.wasm"))
        );
    }

    #[test]
    fn a_file_with_the_wrong_checksum_is_refused() {
        let dir = std::env::temp_dir().join(format!("pkgtest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("x.wasm");
        std::fs::write(&f, b"abc").unwrap();
        let url = format!("file://{}", f.display());
        let ok = load(&url, Some(&sha256_hex(b"abc")), &dir).unwrap();
        assert_eq!(ok.bytes, b"abc");
        let err = load(&url, Some(&"0".repeat(64)), &dir).err().unwrap();
        assert!(matches!(err, HostError::ChecksumMismatch { .. }));
    }
}
