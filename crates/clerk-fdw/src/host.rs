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
    /// Starts `GET url` in the background and returns its handle (a host
    /// with the optional `http-concurrent` import, see `wit/ext`); `None`
    /// when this host cannot, or has enough in flight: the caller then
    /// sends it with [`Host::get`] when it needs the answer.
    fn start_get(&self, url: &str, headers: &[(String, String)]) -> Option<u32> {
        let _ = (url, headers);
        None
    }
    /// The answer to a request [`Host::start_get`] started, as [`Host::get`]
    /// would have returned it.
    fn wait(&self, handle: u32) -> Result<HttpResponse, String> {
        Err(format!("no request with handle {handle} is in flight"))
    }
    /// The answer to a started request is not wanted.
    fn abandon(&self, handle: u32) {
        let _ = handle;
    }
    /// Wall-clock seconds since the Unix epoch.
    fn epoch_secs(&self) -> i64;
    fn sleep_ms(&self, ms: u64);
    /// Adds to the `bytes_in` statistic.
    fn add_bytes_in(&self, bytes: i64);
}
