//! EXPLAIN support, version-neutral: the lines of the optional
//! `clerk:wrappers-ext/explain` export (`wit/ext/README.md`) made safe to
//! print, and the log of the HTTP requests a scan actually made (for
//! EXPLAIN ANALYZE).

use std::time::Duration;

/// Label of a line that has none of its own.
pub const DEFAULT_LABEL: &str = "Wasm Explain";
/// Lines shown at most; the rest are summed up in one more line.
pub const MAX_LINES: usize = 50;
/// Characters shown at most per line.
pub const MAX_LINE_CHARS: usize = 1000;
/// Longest label taken from a line (`Label: text`).
const MAX_LABEL_CHARS: usize = 64;
/// Requests the log keeps one by one (all are counted and timed).
pub const LOGGED_REQUESTS: usize = 100;

/// One guest line made printable: control characters become spaces, the
/// line is cut at [`MAX_LINE_CHARS`], and `mask` (the host's secret
/// masking) has been applied by the caller.
pub fn clean_line(line: &str) -> String {
    let mut out: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_LINE_CHARS)
        .collect();
    if line.chars().count() > MAX_LINE_CHARS {
        out.push_str("...");
    }
    out
}

/// At most [`MAX_LINES`] lines, cleaned; a longer list ends with a line
/// saying how many were left out.
pub fn clean_lines(lines: Vec<String>, mask: impl Fn(&str) -> String) -> Vec<String> {
    let total = lines.len();
    let mut out: Vec<String> = lines.iter().take(MAX_LINES).map(|l| clean_line(&mask(l))).collect();
    if total > MAX_LINES {
        out.push(format!("{DEFAULT_LABEL}: ... and {} more lines", total - MAX_LINES));
    }
    out
}

/// `("Clerk Request", "GET /users")` for `"Clerk Request: GET /users"`; a
/// line without a usable label goes under [`DEFAULT_LABEL`].
pub fn split_label(line: &str) -> (&str, &str) {
    match line.split_once(": ") {
        Some((label, text))
            if !label.trim().is_empty()
                && label.chars().count() <= MAX_LABEL_CHARS
                && label == label.trim() =>
        {
            (label, text)
        }
        _ => (DEFAULT_LABEL, line),
    }
}

/// One HTTP request a guest made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: &'static str,
    /// Path and query, without scheme, host and port; secrets masked.
    pub target: String,
    /// `None` when no response came (a transport error).
    pub status: Option<u16>,
}

/// The requests a scan made, for EXPLAIN ANALYZE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestLog {
    /// The first [`LOGGED_REQUESTS`] requests.
    pub requests: Vec<LoggedRequest>,
    /// Every request, including those not kept.
    pub count: u64,
    /// Their summed wall-clock time (retries and waits of the host's HTTP
    /// client included).
    pub total: Duration,
}

impl RequestLog {
    pub fn record(&mut self, request: LoggedRequest, elapsed: Duration) {
        if self.requests.len() < LOGGED_REQUESTS {
            self.requests.push(request);
        }
        self.count = self.count.saturating_add(1);
        self.total = self.total.saturating_add(elapsed);
    }
}

/// `/v1/users?limit=10` of `https://api.clerk.com/v1/users?limit=10`: the
/// part of a URL after its authority (credentials, host and port dropped).
pub fn url_target(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes().get(i) == Some(&b'/') => rest[i..].to_owned(),
        Some(i) => format!("/{}", &rest[i..]),
        None => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_split_at_the_first_colon_space() {
        assert_eq!(split_label("Clerk Request: GET /a?b=c: d"), ("Clerk Request", "GET /a?b=c: d"));
        assert_eq!(split_label("no label here"), (DEFAULT_LABEL, "no label here"));
        assert_eq!(split_label(": empty label"), (DEFAULT_LABEL, ": empty label"));
        assert_eq!(split_label(" padded: x"), (DEFAULT_LABEL, " padded: x"));
        let long = format!("{}: x", "L".repeat(65));
        assert_eq!(split_label(&long).0, DEFAULT_LABEL);
    }

    #[test]
    fn lines_are_cleaned_capped_and_masked() {
        assert_eq!(clean_line("a\nb\tc\0d"), "a b c d");
        let long = "x".repeat(MAX_LINE_CHARS + 5);
        assert_eq!(clean_line(&long).len(), MAX_LINE_CHARS + 3);
        let many: Vec<String> = (0..MAX_LINES + 7).map(|i| format!("L: sk_secret {i}")).collect();
        let out = clean_lines(many, |l| l.replace("sk_secret", "<redacted>"));
        assert_eq!(out.len(), MAX_LINES + 1);
        assert_eq!(out[0], "L: <redacted> 0");
        assert_eq!(out[MAX_LINES], "Wasm Explain: ... and 7 more lines");
    }

    #[test]
    fn url_targets_drop_scheme_credentials_host_and_port() {
        assert_eq!(url_target("https://api.clerk.com/v1/users?limit=10"), "/v1/users?limit=10");
        assert_eq!(url_target("http://u:p@127.0.0.1:9/x"), "/x");
        assert_eq!(url_target("http://h?q=1"), "/?q=1");
        assert_eq!(url_target("http://h"), "/");
        assert_eq!(url_target("not a url"), "not a url");
    }

    #[test]
    fn the_log_counts_everything_and_keeps_the_first_requests() {
        let mut log = RequestLog::default();
        for i in 0..LOGGED_REQUESTS + 3 {
            let r = LoggedRequest { method: "GET", target: format!("/p{i}"), status: Some(200) };
            log.record(r, Duration::from_millis(2));
        }
        assert_eq!(log.count, (LOGGED_REQUESTS + 3) as u64);
        assert_eq!(log.requests.len(), LOGGED_REQUESTS);
        assert_eq!(log.total, Duration::from_millis(2 * (LOGGED_REQUESTS as u64 + 3)));
    }
}
