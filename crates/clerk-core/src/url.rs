//! The `api_url` server option and URL building with percent-encoding.

use crate::error::{CoreError, CoreResult};

/// Clerk's Backend API base URL, used when the server has no `api_url`.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com/v1";

/// A validated API base URL without trailing slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl(String);

impl ApiUrl {
    /// Validates the `api_url` option (`None` = the default). A trailing
    /// slash is tolerated; a query string or fragment is not.
    pub fn parse(option: Option<&str>) -> CoreResult<ApiUrl> {
        let raw = option.map(str::trim).unwrap_or(DEFAULT_API_URL);
        let invalid = |reason: &str| CoreError::InvalidApiUrl { reason: reason.to_string() };
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or_else(|| invalid("it must start with https:// or http://"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(invalid("it has no host"));
        }
        if raw.contains(['?', '#']) || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it must not contain a query, a fragment or spaces"));
        }
        if host.contains('@') {
            return Err(invalid("it must not contain credentials"));
        }
        Ok(ApiUrl(raw.trim_end_matches('/').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base + path + ?query`, each query key and value percent-encoded.
    /// `path` must already be encoded (see [`encode_component`]).
    pub fn url(&self, path: &str, query: &[(String, String)]) -> String {
        let mut url = String::with_capacity(self.0.len() + path.len() + 16 * query.len());
        url.push_str(&self.0);
        url.push_str(path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode_component(k));
            url.push('=');
            url.push_str(&encode_component(v));
        }
        url
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the
/// result is safe as a path segment or a query key or value (`+` becomes
/// `%2B`, never a space).
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_trailing_slash() {
        assert_eq!(ApiUrl::parse(None).unwrap().as_str(), DEFAULT_API_URL);
        assert_eq!(
            ApiUrl::parse(Some("http://127.0.0.1:8096/v1/")).unwrap().as_str(),
            "http://127.0.0.1:8096/v1"
        );
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in ["api.clerk.com/v1", "ftp://x/v1", "https://", "https://x/v1?a=b", "https://u:p@x/v1"] {
            assert!(ApiUrl::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn builds_encoded_urls() {
        let base = ApiUrl::parse(Some("https://api.clerk.com/v1/")).unwrap();
        let q = vec![
            ("email_address".to_string(), "a+b@c.d".to_string()),
            ("order_by".to_string(), "-created_at".to_string()),
            ("query".to_string(), "x y&z=1/é".to_string()),
        ];
        assert_eq!(
            base.url("/users", &q),
            "https://api.clerk.com/v1/users?email_address=a%2Bb%40c.d&order_by=-created_at&query=x%20y%26z%3D1%2F%C3%A9"
        );
        assert_eq!(base.url("/users", &[]), "https://api.clerk.com/v1/users");
    }
}
