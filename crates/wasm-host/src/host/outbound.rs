//! Where a guest's HTTP requests may go: the outbound policy of a server.
//!
//! A package runs with the server's credentials; without a policy it could
//! send them (or anything it read) to any host the database can reach,
//! cloud metadata endpoints included. The policy is built from the
//! server's own options only (never from a user mapping or a table, which
//! roles other than the server's owner may write):
//!
//! - the host and port of every option whose value is an `http(s)://` URL
//!   (`api_url`, ...), except `fdw_package_url`, which the host fetches
//!   itself; a server without any such option gets the default API host
//!   of a package it knows by `fdw_package_name` (Clerk's `api.clerk.com`,
//!   where Clerk's guests go when `api_url` is not set);
//! - the entries of `allowed_hosts` (`'a.example, b.example:8443,
//!   *.example.org'`): a host (any port), a host and port, or `*.` and a
//!   domain (its subdomains);
//! - link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
//!   fd00:ec2::254, 100.100.100.200, `metadata.google.internal`, ...) only
//!   when `allowed_hosts` lists them by name or address (a URL option or a
//!   `*.` entry is not enough), also when a listed or derived *name*
//!   resolves to one (checked on the resolved addresses, see `http`);
//! - `http://` only to loopback (127.0.0.0/8, ::1, `localhost`) unless
//!   `allow_insecure_http 'true'`: plain http elsewhere would carry the
//!   API key in clear text.
//!
//! Every redirect hop is checked like the first request.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::{HostError, HostResult};

/// The server option listing further hosts.
pub const ALLOWED_HOSTS: &str = "allowed_hosts";
/// The server option allowing `http://` to hosts that are not loopback.
pub const ALLOW_INSECURE_HTTP: &str = "allow_insecure_http";

/// Options that are the host's business, never a guest's destination.
const NOT_A_DESTINATION: [&str; 1] = ["fdw_package_url"];

/// Default API hosts of packages known by name, for servers that give no
/// URL option (the package then uses its built-in default).
const PACKAGE_DEFAULT_HOSTS: [(&str, &str, u16); 1] = [("supabase:clerk-fdw", "api.clerk.com", 443)];

/// Cloud metadata services reached by name.
const METADATA_NAMES: [&str; 5] = [
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct HostRule {
    /// Lower case, IPv6 without brackets; for a wildcard the domain after `*.`.
    host: String,
    wildcard: bool,
    /// `None`: any port.
    port: Option<u16>,
    /// Listed in `allowed_hosts`.
    explicit: bool,
    /// The option it comes from, for messages.
    source: String,
}

impl HostRule {
    /// Listed by name (or address) in `allowed_hosts`, not by a wildcard:
    /// only such an entry opens a metadata address.
    fn unlocks_metadata(&self) -> bool {
        self.explicit && !self.wildcard
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        let host_ok = if self.wildcard {
            host.strip_suffix(self.host.as_str())
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            host == self.host
        };
        host_ok && self.port.is_none_or(|p| p == port)
    }

    fn describe(&self) -> String {
        let host = if self.wildcard {
            format!("*.{}", self.host)
        } else if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(p) => format!("{host}:{p} (from {})", self.source),
            None => format!("{host} (from {})", self.source),
        }
    }
}

/// Where a server's guest may send requests. The default allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OutboundPolicy {
    rules: Vec<HostRule>,
    allow_insecure_http: bool,
}

/// A URL taken apart as far as the policy needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// Lower case, IPv6 without brackets, no trailing dot.
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Target {
    /// `None` for anything that is not an absolute `http(s)://` URL with a host.
    pub fn parse(url: &str) -> Option<Target> {
        let uri: ureq::http::Uri = url.trim().parse().ok()?;
        let scheme = match uri.scheme_str()?.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return None,
        };
        let host = normalize_host(uri.host()?);
        if host.is_empty() {
            return None;
        }
        let port = uri.port_u16().unwrap_or(match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        });
        Some(Target { scheme, host, port })
    }

    /// `host:port` as written in a URL (brackets around IPv6).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

fn normalize_host(host: &str) -> String {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.trim_end_matches('.').to_ascii_lowercase()
}

fn invalid(name: &str, reason: String, hint: &str) -> HostError {
    HostError::InvalidOption {
        name: name.to_owned(),
        reason,
        hint: hint.to_owned(),
    }
}

/// `true`/`false` and their usual spellings; `None` otherwise.
fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn is_url(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    v.starts_with("http://") || v.starts_with("https://")
}

/// One `allowed_hosts` entry: `host`, `host:port`, `[v6]:port`, `*.domain`
/// or a URL (its host and port).
fn parse_entry(entry: &str) -> Option<HostRule> {
    let rule = |host: String, wildcard: bool, port: Option<u16>| HostRule {
        host,
        wildcard,
        port,
        explicit: true,
        source: ALLOWED_HOSTS.to_owned(),
    };
    if entry.contains("://") {
        let t = Target::parse(entry)?;
        return Some(rule(t.host, false, Some(t.port)));
    }
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        match after {
            "" => (h, None),
            p => (h, Some(p.strip_prefix(':')?.parse::<u16>().ok()?)),
        }
    } else if entry.matches(':').count() > 1 {
        // a bare IPv6 address
        (entry, None)
    } else {
        match entry.split_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
            None => (entry, None),
        }
    };
    let (host, wildcard) = match host.strip_prefix("*.") {
        Some(domain) => (domain, true),
        None => (host, false),
    };
    let host = normalize_host(host);
    let valid_name = !host.is_empty()
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let valid = if wildcard { valid_name } else { valid_name || host.parse::<IpAddr>().is_ok() };
    valid.then(|| rule(host, wildcard, port))
}

impl OutboundPolicy {
    /// The policy of a server with these options (its own, not merged with
    /// a user mapping's). Errors name the option and never quote a value
    /// that could be a secret.
    pub fn from_server_options(opts: &HashMap<String, String>) -> HostResult<OutboundPolicy> {
        let mut names: Vec<&String> = opts.keys().collect();
        names.sort();
        let mut rules = Vec::new();
        let mut allow_insecure_http = false;
        for name in names {
            let value = opts.get(name).map(String::as_str).unwrap_or_default();
            if name == ALLOW_INSECURE_HTTP {
                allow_insecure_http = parse_bool(value).ok_or_else(|| {
                    invalid(
                        name,
                        "expected 'true' or 'false'".into(),
                        "set allow_insecure_http to 'true' only where plain http cannot be read by others",
                    )
                })?;
            } else if name == ALLOWED_HOSTS {
                for entry in value.split([',', ' ', '\t', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
                    let rule = parse_entry(entry).ok_or_else(|| {
                        invalid(
                            name,
                            format!("\"{entry}\" is not a host name, address or host:port"),
                            "list hosts separated by commas, e.g. 'api.example.com, *.example.org, 10.0.0.5:8443'",
                        )
                    })?;
                    rules.push(rule);
                }
            } else if !NOT_A_DESTINATION.contains(&name.as_str()) && is_url(value) {
                // an unparsable URL allows nothing: a guest cannot use it either
                if let Some(t) = Target::parse(value) {
                    rules.push(HostRule {
                        host: t.host,
                        wildcard: false,
                        port: Some(t.port),
                        explicit: false,
                        source: name.clone(),
                    });
                }
            }
        }
        if !rules.iter().any(|r| !r.explicit) {
            let package = opts.get("fdw_package_name").map(|n| n.trim());
            for (name, host, port) in PACKAGE_DEFAULT_HOSTS {
                if package == Some(name) {
                    rules.push(HostRule {
                        host: host.to_owned(),
                        wildcard: false,
                        port: Some(port),
                        explicit: false,
                        source: "the package's default api url".to_owned(),
                    });
                }
            }
        }
        Ok(OutboundPolicy { rules, allow_insecure_http })
    }

    /// What `CREATE SERVER` can refuse already: a URL option with plain
    /// http to a host that is not loopback (without the opt-in), or naming
    /// a metadata address that `allowed_hosts` does not list.
    pub fn check_server_urls(&self, opts: &HashMap<String, String>) -> HostResult<()> {
        let mut names: Vec<&String> = opts.keys().collect();
        names.sort();
        for name in names {
            let value = opts.get(name).map(String::as_str).unwrap_or_default();
            if NOT_A_DESTINATION.contains(&name.as_str()) || name == ALLOWED_HOSTS || !is_url(value) {
                continue;
            }
            let Some(t) = Target::parse(value) else { continue };
            if is_blocked(&t) && !self.rules.iter().any(|r| r.unlocks_metadata() && r.matches(&t.host, t.port)) {
                return Err(invalid(
                    name,
                    format!("\"{}\" is a link-local or cloud metadata address", t.host),
                    "list it in the server option allowed_hosts if the package must really reach it",
                ));
            }
            if t.scheme == Scheme::Http && !self.allow_insecure_http && !is_loopback(&t) {
                return Err(invalid(
                    name,
                    format!("plain http to \"{}\" would send the API key in clear text", t.host),
                    "use https, or set the server option allow_insecure_http 'true' if nobody else can read that network",
                ));
            }
        }
        Ok(())
    }

    /// Whether a guest may send a request to `url`; the error names the
    /// host and the option to change.
    pub fn check(&self, url: &str) -> Result<(), String> {
        let Some(t) = Target::parse(url) else {
            return Err(format!(
                "outbound request refused: \"{}\" is not an http or https URL with a host",
                crate::host::http::strip_query(url)
            ));
        };
        let authority = t.authority();
        let blocked = is_blocked(&t);
        let matching: Vec<&HostRule> = self.rules.iter().filter(|r| r.matches(&t.host, t.port)).collect();
        if matching.is_empty() {
            return Err(self.not_allowed(&authority));
        }
        if blocked && !matching.iter().any(|r| r.unlocks_metadata()) {
            return Err(format!(
                "outbound request to \"{authority}\" refused: link-local and cloud metadata addresses \
                 are reached only when the server option {ALLOWED_HOSTS} lists them by name or address"
            ));
        }
        if t.scheme == Scheme::Http && !self.allow_insecure_http && !is_loopback(&t) {
            return Err(format!(
                "outbound request to \"http://{authority}\" refused: plain http to a host that is not \
                 loopback would send credentials in clear text; use https, or set the server option \
                 {ALLOW_INSECURE_HTTP} 'true'"
            ));
        }
        Ok(())
    }

    /// After `host` was resolved: a name that resolves to a link-local or
    /// metadata address is refused unless `allowed_hosts` lists the name.
    pub fn check_resolved(&self, host: &str, port: u16, addrs: &[SocketAddr]) -> Result<(), String> {
        let host = normalize_host(host);
        if host.parse::<IpAddr>().is_ok() {
            return Ok(()); // an address literal: checked by `check`
        }
        let Some(bad) = addrs.iter().map(SocketAddr::ip).find(|ip| is_blocked_ip(*ip)) else {
            return Ok(());
        };
        if self.rules.iter().any(|r| r.unlocks_metadata() && r.matches(&host, port)) {
            return Ok(());
        }
        Err(format!(
            "outbound request to \"{host}:{port}\" refused: the name resolves to {bad}, a link-local or \
             cloud metadata address, reached only when the server option {ALLOWED_HOSTS} lists the name"
        ))
    }

    fn not_allowed(&self, authority: &str) -> String {
        if self.rules.is_empty() {
            format!(
                "outbound request to \"{authority}\" refused: this server allows no host; give it an \
                 api_url or list the host in the server option {ALLOWED_HOSTS}"
            )
        } else {
            let allowed: Vec<String> = self.rules.iter().map(HostRule::describe).collect();
            format!(
                "outbound request to \"{authority}\" refused: this server allows only {}; list the host \
                 in the server option {ALLOWED_HOSTS} to allow it",
                allowed.join(", ")
            )
        }
    }
}

fn is_loopback(t: &Target) -> bool {
    match t.ip() {
        Some(ip) => is_loopback_ip(ip),
        None => t.host == "localhost" || t.host.ends_with(".localhost"),
    }
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// A link-local or cloud metadata host (by address or well-known name).
fn is_blocked(t: &Target) -> bool {
    match t.ip() {
        Some(ip) => is_blocked_ip(ip),
        None => METADATA_NAMES.contains(&t.host.as_str()),
    }
}

fn is_blocked_ip(ip: IpAddr) -> bool {
    const ALIBABA_METADATA: Ipv4Addr = Ipv4Addr::new(100, 100, 100, 200);
    const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    let v4 = |v4: Ipv4Addr| v4.is_link_local() || v4 == ALIBABA_METADATA;
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => {
            (a.segments()[0] & 0xffc0) == 0xfe80 || a == AWS_METADATA_V6 || a.to_ipv4_mapped().is_some_and(v4)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn policy(pairs: &[(&str, &str)]) -> OutboundPolicy {
        let opts = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        OutboundPolicy::from_server_options(&opts).unwrap()
    }

    #[test]
    fn url_options_allow_their_host_and_port_only() {
        let p = policy(&[
            ("api_url", "https://API.clerk.com/v1"),
            ("fdw_package_url", "https://packages.example/x.wasm"),
        ]);
        assert!(p.check("https://api.clerk.com/v1/users?limit=1").is_ok());
        assert!(p.check("https://api.clerk.com:443/v1/users").is_ok());
        let e = p.check("https://api.clerk.com:8443/v1").unwrap_err();
        assert!(e.contains("\"api.clerk.com:8443\"") && e.contains("allowed_hosts"), "{e}");
        assert!(e.contains("api.clerk.com:443 (from api_url)"), "{e}");
        // the package's own download location is no destination
        assert!(p.check("https://packages.example/x.wasm").is_err());
    }

    #[test]
    fn every_url_valued_option_counts() {
        let p = policy(&[("base_url", "https://one.example"), ("token_endpoint", "https://two.example:9443/t")]);
        assert!(p.check("https://one.example/a").is_ok());
        assert!(p.check("https://two.example:9443/x").is_ok());
        assert!(p.check("https://two.example/x").is_err());
    }

    #[test]
    fn a_server_without_url_options_allows_nothing_unless_the_package_is_known() {
        let e = policy(&[("fdw_package_name", "acme:thing")]).check("https://a.example/").unwrap_err();
        assert!(e.contains("allows no host") && e.contains("allowed_hosts"), "{e}");
        let clerk = policy(&[("fdw_package_name", "supabase:clerk-fdw")]);
        assert!(clerk.check("https://api.clerk.com/v1/users").is_ok());
        assert!(clerk.check("https://evil.example/").is_err());
        // an api_url replaces the package's default
        let clerk = policy(&[("fdw_package_name", "supabase:clerk-fdw"), ("api_url", "http://127.0.0.1:3000/v1")]);
        assert!(clerk.check("https://api.clerk.com/v1/users").is_err());
        assert!(clerk.check("http://127.0.0.1:3000/v1/users").is_ok());
    }

    #[test]
    fn allowed_hosts_entries() {
        let p = policy(&[("allowed_hosts", "a.example, b.example:8443 *.wild.example,[::1]:8080,10.0.0.5,https://c.example/x")]);
        assert!(p.check("https://a.example:1234/").is_ok());
        assert!(p.check("https://b.example:8443/").is_ok());
        assert!(p.check("https://b.example/").is_err());
        assert!(p.check("https://x.wild.example/").is_ok());
        assert!(p.check("https://x.y.wild.example/").is_ok());
        assert!(p.check("https://wild.example/").is_err());
        assert!(p.check("https://evilwild.example/").is_err());
        assert!(p.check("http://[::1]:8080/").is_ok());
        assert!(p.check("https://10.0.0.5/").is_ok());
        assert!(p.check("https://c.example/").is_ok());
        assert!(p.check("https://c.example:8443/").is_err());
        for bad in ["a b:c", "a.example:99999", "*.", "a..b", "x/y", "*.10.0.0.1:1:"] {
            let opts = [("allowed_hosts".to_string(), bad.to_string())].into();
            let e = OutboundPolicy::from_server_options(&opts).unwrap_err().to_string();
            assert!(e.contains("allowed_hosts"), "{bad}: {e}");
        }
    }

    #[test]
    fn metadata_and_link_local_addresses_need_an_explicit_entry() {
        let derived = policy(&[("api_url", "http://169.254.169.254/latest"), ("allow_insecure_http", "true")]);
        let e = derived.check("http://169.254.169.254/latest/meta-data").unwrap_err();
        assert!(e.contains("metadata") && e.contains("allowed_hosts"), "{e}");
        let listed = policy(&[("allowed_hosts", "169.254.169.254"), ("allow_insecure_http", "true")]);
        assert!(listed.check("http://169.254.169.254/latest/meta-data").is_ok());
        let any = policy(&[("allowed_hosts", "*.internal, metadata.google.internal:80")]);
        assert!(any.check("https://metadata.google.internal:80/").is_ok());
        // a wildcard allows the domain's hosts, not a metadata one among them
        let e = any.check("https://metadata.google.internal:443/").unwrap_err();
        assert!(e.contains("by name or address"), "{e}");
        assert!(any.check("https://other.google.internal/").is_ok());
        let wide = policy(&[("api_url", "https://metadata.google.internal/")]);
        assert!(wide.check("https://metadata.google.internal/").is_err());
        for url in [
            "https://169.254.0.1/",
            "https://[fe80::1]/",
            "https://[fd00:ec2::254]/",
            "https://100.100.100.200/",
            "https://[::ffff:169.254.169.254]/",
            "https://metadata/",
            "https://metadata.google.internal./",
        ] {
            let t = Target::parse(url).unwrap();
            assert!(is_blocked(&t), "{url}");
        }
        assert!(!is_blocked(&Target::parse("https://10.1.2.3/").unwrap()));
    }

    #[test]
    fn a_name_resolving_to_a_metadata_address_is_refused_unless_listed() {
        let p = policy(&[("api_url", "https://api.example.com/v1"), ("allowed_hosts", "listed.example")]);
        let meta: SocketAddr = "169.254.169.254:443".parse().unwrap();
        let normal: SocketAddr = "93.184.216.34:443".parse().unwrap();
        assert!(p.check_resolved("api.example.com", 443, &[normal]).is_ok());
        let e = p.check_resolved("api.example.com", 443, &[normal, meta]).unwrap_err();
        assert!(e.contains("169.254.169.254") && e.contains("allowed_hosts"), "{e}");
        assert!(p.check_resolved("listed.example", 443, &[meta]).is_ok());
        let wild = policy(&[("allowed_hosts", "*.example")]);
        assert!(wild.check_resolved("any.example", 443, &[meta]).is_err());
        // address literals were checked before resolution
        assert!(p.check_resolved("169.254.169.254", 443, &[meta]).is_ok());
    }

    #[test]
    fn plain_http_only_to_loopback_without_the_opt_in() {
        let p = policy(&[("allowed_hosts", "api.example.com, 127.0.0.1, 127.0.0.9, localhost, ::1")]);
        let e = p.check("http://api.example.com/v1").unwrap_err();
        assert!(e.contains("allow_insecure_http") && e.contains("clear text"), "{e}");
        assert!(p.check("https://api.example.com/v1").is_ok());
        for url in ["http://127.0.0.1:1/", "http://127.0.0.9/", "http://localhost/", "http://[::1]/"] {
            assert!(p.check(url).is_ok(), "{url}");
        }
        let opted = policy(&[("allowed_hosts", "api.example.com"), ("allow_insecure_http", "true")]);
        assert!(opted.check("http://api.example.com/v1").is_ok());
        let opts = [("allow_insecure_http".to_string(), "maybe".to_string())].into();
        assert!(OutboundPolicy::from_server_options(&opts).is_err());
    }

    #[test]
    fn create_server_refuses_plain_http_and_metadata_urls() {
        let opts: HashMap<String, String> = [("api_url".to_string(), "http://api.example.com/v1".to_string())].into();
        let p = OutboundPolicy::from_server_options(&opts).unwrap();
        let e = p.check_server_urls(&opts).unwrap_err();
        assert!(matches!(&e, HostError::InvalidOption { name, hint, .. } if name == "api_url" && hint.contains("allow_insecure_http")), "{e:?}");
        let mut ok = opts.clone();
        ok.insert("allow_insecure_http".into(), "true".into());
        let p = OutboundPolicy::from_server_options(&ok).unwrap();
        assert!(p.check_server_urls(&ok).is_ok());
        let local: HashMap<String, String> = [("api_url".to_string(), "http://127.0.0.1:3000/v1".to_string())].into();
        assert!(OutboundPolicy::from_server_options(&local).unwrap().check_server_urls(&local).is_ok());
        let meta: HashMap<String, String> = [("api_url".to_string(), "https://169.254.169.254/".to_string())].into();
        let e = OutboundPolicy::from_server_options(&meta).unwrap().check_server_urls(&meta).unwrap_err();
        assert!(e.to_string().contains("metadata"), "{e}");
        // the package url is fetched by the host and may be plain http
        let pkg: HashMap<String, String> = [("fdw_package_url".to_string(), "http://packages.example/x.wasm".to_string())].into();
        assert!(OutboundPolicy::from_server_options(&pkg).unwrap().check_server_urls(&pkg).is_ok());
    }

    #[test]
    fn not_a_url_is_refused() {
        let p = policy(&[("allowed_hosts", "a.example")]);
        assert!(p.check("ftp://a.example/").is_err());
        assert!(p.check("a.example/x").is_err());
        assert!(p.check("").is_err());
    }
}
