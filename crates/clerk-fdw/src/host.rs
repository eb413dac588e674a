//! The few host services the scan logic needs, behind a trait so that the
//! logic runs natively in tests with a fake host.

pub use clerk_core::catalog::Method;

/// An HTTP response, as the host's `http` interface returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub trait Host {
    /// `GET url` with these headers. `Err` is a transport failure.
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String>;
    /// A write (`POST`, `PATCH`, `PUT`, `DELETE`) with a JSON body. Never
    /// retried. Hosts that only read need not implement it.
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: &str,
    ) -> Result<HttpResponse, String> {
        let _ = (url, headers, body);
        Err(format!("this host cannot send {method:?} requests"))
    }
    /// Wall-clock seconds since the Unix epoch.
    fn epoch_secs(&self) -> i64;
    fn sleep_ms(&self, ms: u64);
    /// Adds to the `bytes_in` statistic.
    fn add_bytes_in(&self, bytes: i64);
}
