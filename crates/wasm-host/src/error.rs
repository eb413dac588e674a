//! The host's errors, each with its SQLSTATE class and hint; the Postgres
//! extension turns them into an ERROR in one place.

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("required option `{0}` is not specified")]
    MissingOption(&'static str),

    /// The reason never quotes the value of an option that may be secret.
    #[error("invalid value for option `{name}`: {reason}")]
    InvalidOption { name: String, reason: String, hint: String },

    #[error("{message}")]
    Package { message: String, hint: String },

    #[error("checksum mismatch for wasm package {url}: expected {expected}, got {actual}")]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },

    #[error("invalid WebAssembly component {url}: {reason}")]
    InvalidComponent { url: String, reason: String },

    #[error("host version {host} does not match the guest's requirement \"{requirement}\"")]
    VersionMismatch { host: String, requirement: String },

    #[error("wasm guest trapped: {0}")]
    Trap(String),

    /// An `err(...)` returned by the guest, or a `report-error` call.
    #[error("{message}")]
    Guest {
        message: String,
        hint: Option<String>,
        /// The SQLSTATE the guest asked for (see [`HostError::guest`]).
        sqlstate: Option<Sqlstate>,
    },

    #[error("{message}")]
    Conversion { message: String, hint: Option<String> },

    /// The guest wanted more memory than its server allows (53200).
    #[error("the wasm package ran out of memory: it may use at most {limit_mb} MiB")]
    OutOfMemory { limit_mb: u64 },

    /// A cancel (query cancel, statement_timeout) stopped the host while
    /// it waited: the extension raises Postgres' own cancel error.
    #[error("canceling statement while {what}")]
    Cancelled { what: String },

    /// A feature the package (or the host for it) does not offer, such as
    /// RETURNING from a guest without the `returning` export (0A000).
    #[error("{message}")]
    Unsupported { message: String, hint: String },
}

pub type HostResult<T> = Result<T, HostError>;

/// A five-character SQLSTATE (`[0-9A-Z]{5}`, not of the success, warning
/// or no-data classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sqlstate([u8; 5]);

impl Sqlstate {
    pub fn parse(code: &str) -> Option<Sqlstate> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        let valid = bytes.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            && !matches!(&bytes[..2], b"00" | b"01" | b"02");
        valid.then_some(Sqlstate(bytes))
    }

    pub fn as_bytes(&self) -> [u8; 5] {
        self.0
    }
}

/// Which SQLSTATE an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// HV00J
    OptionNameNotFound,
    /// HV00D
    InvalidOption,
    /// HV004
    InvalidDataType,
    /// HV000
    FdwError,
    /// The code a guest gave.
    Code(Sqlstate),
}

impl HostError {
    /// A guest message, with the conventions that a last line
    /// `SQLSTATE: XXXXX` gives the ERROR's code and a line `HINT: ...`
    /// before it (or at the end) becomes the ERROR's hint. A malformed
    /// code stays part of the text.
    pub fn guest(msg: &str) -> Self {
        let (msg, sqlstate) = match msg.rsplit_once("\nSQLSTATE: ") {
            Some((rest, code)) => match Sqlstate::parse(code.trim_end()) {
                Some(code) => (rest, Some(code)),
                None => (msg, None),
            },
            None => (msg, None),
        };
        match msg.split_once("\nHINT: ") {
            Some((message, hint)) => HostError::Guest {
                message: message.to_owned(),
                hint: Some(hint.trim().to_owned()),
                sqlstate,
            },
            None => HostError::Guest {
                message: msg.to_owned(),
                hint: None,
                sqlstate,
            },
        }
    }

    pub fn conversion(message: impl Into<String>) -> Self {
        HostError::Conversion {
            message: message.into(),
            hint: None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            HostError::MissingOption(_) => ErrorKind::OptionNameNotFound,
            HostError::InvalidOption { .. } => ErrorKind::InvalidOption,
            HostError::Conversion { .. } => ErrorKind::InvalidDataType,
            HostError::Guest { sqlstate: Some(code), .. } => ErrorKind::Code(*code),
            HostError::Unsupported { .. } => ErrorKind::Code(Sqlstate(*b"0A000")),
            HostError::Cancelled { .. } => ErrorKind::Code(Sqlstate(*b"57014")),
            HostError::OutOfMemory { .. } => ErrorKind::Code(Sqlstate(*b"53200")),
            _ => ErrorKind::FdwError,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            HostError::MissingOption(name) => Some(match *name {
                "fdw_package_checksum" => "remote packages need the sha256 of the .wasm file: add fdw_package_checksum '<64 hex digits>' to the server options".to_owned(),
                _ => format!("add {name} '...' to the server's OPTIONS"),
            }),
            HostError::InvalidOption { hint, .. }
            | HostError::Package { hint, .. }
            | HostError::Unsupported { hint, .. } => {
                Some(hint.clone())
            }
            HostError::ChecksumMismatch { .. } => Some(
                "check fdw_package_checksum against the package's published sha256 (sha256sum clerk_fdw.wasm)"
                    .to_owned(),
            ),
            HostError::InvalidComponent { .. } => Some(
                "fdw_package_url must point at a WebAssembly component built for supabase:wrappers 0.1.0 or 0.2.0"
                    .to_owned(),
            ),
            HostError::VersionMismatch { .. } => {
                Some("use a build of the wasm package made for this host version".to_owned())
            }
            HostError::Guest { hint, .. } | HostError::Conversion { hint, .. } => hint.clone(),
            HostError::OutOfMemory { limit_mb } => Some(format!(
                "raise the server option wasm_memory_limit_mb (now {limit_mb}, at most 4096), or ask for fewer rows or columns"
            )),
            HostError::Trap(_) | HostError::Cancelled { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_hint_line_is_split_off() {
        match HostError::guest("object \"userz\" is not supported\nHINT: supported objects: users") {
            HostError::Guest { message, hint, sqlstate } => {
                assert_eq!(message, "object \"userz\" is not supported");
                assert_eq!(hint.as_deref(), Some("supported objects: users"));
                assert_eq!(sqlstate, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_guest_sqlstate_line_is_split_off_and_checked() {
        let e = HostError::guest("a scan of \"t\" needs a condition\nHINT: add one\nSQLSTATE: HV002");
        assert_eq!(e.kind(), ErrorKind::Code(Sqlstate(*b"HV002")));
        assert_eq!(e.to_string(), "a scan of \"t\" needs a condition");
        assert_eq!(e.hint().as_deref(), Some("add one"));
        let e = HostError::guest("no hint\nSQLSTATE: 42501");
        assert_eq!(e.kind(), ErrorKind::Code(Sqlstate(*b"42501")));
        assert_eq!(e.hint(), None);
        // Not a code: the text stays whole and the class is generic.
        for bad in ["x\nSQLSTATE: hv002", "x\nSQLSTATE: 00000", "x\nSQLSTATE: HV0020", "x\nSQLSTATE: "] {
            let e = HostError::guest(bad);
            assert_eq!(e.kind(), ErrorKind::FdwError, "{bad}");
            assert_eq!(e.to_string(), bad);
        }
    }
}
