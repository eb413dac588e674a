//! Server options: `api_url` and the API key (`api_key`, or `api_key_id`
//! naming a vault secret by id or name).

use clerk_core::{ApiUrl, CoreError, CoreResult};

/// Read access to one options map and to the vault, so that option
/// handling is testable without a host.
pub trait OptionLookup {
    fn option(&self, key: &str) -> Option<String>;
    /// A vault secret by id, else by name.
    fn vault_secret(&self, id_or_name: &str) -> Option<String>;
}

pub fn api_url(opts: &dyn OptionLookup) -> CoreResult<ApiUrl> {
    let raw = opts.option("api_url").filter(|s| !s.trim().is_empty());
    ApiUrl::parse(raw.as_deref())
}

/// The API key. A missing or empty key is an error (Supabase's guest
/// silently sends `Bearer ` and gets a 401 later). Error messages never
/// contain the key.
pub fn api_key(opts: &dyn OptionLookup) -> CoreResult<String> {
    if let Some(key) = opts.option("api_key") {
        return if key.trim().is_empty() {
            Err(CoreError::EmptyApiKey { option: "api_key" })
        } else {
            Ok(key.trim().to_string())
        };
    }
    let id = opts
        .option("api_key_id")
        .filter(|s| !s.trim().is_empty())
        .ok_or(CoreError::MissingApiKey)?;
    match opts.vault_secret(id.trim()) {
        None => Err(CoreError::SecretNotFound { id: id.trim().to_string() }),
        Some(key) if key.trim().is_empty() => Err(CoreError::EmptyApiKey { option: "api_key_id" }),
        Some(key) => Ok(key.trim().to_string()),
    }
}

/// Requests a list scan may have in flight (the fast flavour; the portable
/// one sends one at a time whatever this says).
pub const MAX_CONCURRENCY: usize = 16;

/// Requests in flight for a production key when no option says otherwise.
pub const PRODUCTION_CONCURRENCY: usize = 8;

/// How many page requests a scan keeps in flight: server option
/// `max_concurrent_requests` (1 to [`MAX_CONCURRENCY`]), else by the key's
/// instance: a production key (`sk_live_`, 1000 requests per 10 s) 8, a
/// development key (`sk_test_`, 100 per 10 s) and anything else 1 (the next
/// page is still fetched while the current one is read). At 100 ms per
/// request 8 in flight is about 80 requests per second, under the
/// production limit (6 took 5.0 s for 100k users in the benchmark's S2,
/// where 8 take 4.0 s); the scanner also never starts a request beyond the
/// sequential one when its last 10 s held 900.
pub fn concurrency(opts: &dyn OptionLookup, api_key: &str) -> CoreResult<usize> {
    match opts.option("max_concurrent_requests") {
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
            .ok_or(CoreError::InvalidOption {
                option: "max_concurrent_requests",
                value: raw,
                expected: "a whole number from 1 to 16",
            }),
        None if api_key.starts_with("sk_live_") => Ok(PRODUCTION_CONCURRENCY),
        None => Ok(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Opts(HashMap<&'static str, &'static str>, Option<&'static str>);

    impl OptionLookup for Opts {
        fn option(&self, key: &str) -> Option<String> {
            self.0.get(key).map(|s| s.to_string())
        }
        fn vault_secret(&self, _: &str) -> Option<String> {
            self.1.map(str::to_string)
        }
    }

    fn opts(pairs: &[(&'static str, &'static str)], vault: Option<&'static str>) -> Opts {
        Opts(pairs.iter().copied().collect(), vault)
    }

    #[test]
    fn api_key_option_wins() {
        let o = opts(&[("api_key", "sk_test_abc"), ("api_key_id", "x")], Some("sk_test_vault"));
        assert_eq!(api_key(&o).unwrap(), "sk_test_abc");
    }

    #[test]
    fn api_key_id_reads_the_vault() {
        let o = opts(&[("api_key_id", "clerk")], Some("sk_test_vault"));
        assert_eq!(api_key(&o).unwrap(), "sk_test_vault");
    }

    #[test]
    fn missing_secret_is_an_error_with_a_hint_not_an_empty_key() {
        let o = opts(&[("api_key_id", "clerk")], None);
        let e = api_key(&o).unwrap_err();
        assert_eq!(e, CoreError::SecretNotFound { id: "clerk".into() });
        let text = clerk_core::fdw_error(&e);
        assert!(text.starts_with("vault secret \"clerk\" named by server option \"api_key_id\" was not found\nHINT: "));
        let o = opts(&[("api_key_id", "clerk")], Some(""));
        assert!(matches!(api_key(&o), Err(CoreError::EmptyApiKey { .. })));
    }

    #[test]
    fn no_key_options_at_all() {
        let e = api_key(&opts(&[], None)).unwrap_err();
        assert_eq!(e, CoreError::MissingApiKey);
        assert!(clerk_core::fdw_error(&e).contains("HINT: set api_key"));
        assert!(matches!(api_key(&opts(&[("api_key", " ")], None)), Err(CoreError::EmptyApiKey { .. })));
    }

    #[test]
    fn concurrency_by_key_and_option() {
        assert_eq!(concurrency(&opts(&[], None), "sk_live_x").unwrap(), 8);
        assert_eq!(concurrency(&opts(&[], None), "sk_test_x").unwrap(), 1);
        assert_eq!(concurrency(&opts(&[("max_concurrent_requests", " 3 ")], None), "sk_test_x").unwrap(), 3);
        for bad in ["0", "17", "-1", "many", ""] {
            let e = concurrency(&opts(&[("max_concurrent_requests", bad)], None), "sk_live_x").unwrap_err();
            assert!(matches!(e, CoreError::InvalidOption { .. }), "{bad}: {e:?}");
            assert_eq!(e.sqlstate(), Some("HV024"));
        }
    }

    #[test]
    fn api_url_default_and_custom() {
        assert_eq!(api_url(&opts(&[], None)).unwrap().as_str(), "https://api.clerk.com/v1");
        let o = opts(&[("api_url", "http://127.0.0.1:3000/v1/")], None);
        assert_eq!(api_url(&o).unwrap().as_str(), "http://127.0.0.1:3000/v1");
        assert!(api_url(&opts(&[("api_url", "localhost")], None)).is_err());
    }
}
