//! `time`: clock, parsing and a sleep that query cancel can interrupt.
//!
//! Units follow Supabase's host (guests depend on them): parse results and
//! the argument of `epoch-ms-to-rfc3339` are microseconds since the epoch.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

pub fn epoch_secs() -> i64 {
    Utc::now().timestamp()
}

pub fn parse_from_rfc3339(s: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_micros())
        .map_err(|e| format!("invalid RFC 3339 time \"{s}\": {e}"))
}

/// strftime-style format; an offset in the format is honoured, a format
/// without one is read as UTC (Supabase's host rejects those).
pub fn parse_from_str(s: &str, fmt: &str) -> Result<i64, String> {
    match DateTime::parse_from_str(s, fmt) {
        Ok(t) => Ok(t.timestamp_micros()),
        Err(with_offset) => NaiveDateTime::parse_from_str(s, fmt)
            .map(|t| t.and_utc().timestamp_micros())
            .map_err(|_| format!("cannot parse \"{s}\" with format \"{fmt}\": {with_offset}")),
    }
}

pub fn epoch_ms_to_rfc3339(micros: i64) -> Result<String, String> {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        .ok_or_else(|| "invalid microseconds since Unix Epoch".to_owned())
}

/// Sleeps in slices of at most 100 ms and stops early when `cancelled`
/// says so (the caller then raises the cancel).
pub fn sleep(millis: u64, cancelled: &dyn Fn() -> bool) {
    let mut left = millis;
    while left > 0 && !cancelled() {
        let slice = left.min(100);
        std::thread::sleep(std::time::Duration::from_millis(slice));
        left -= slice;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_in_microseconds() {
        let us = parse_from_rfc3339("2024-01-02T03:04:05.000006Z").unwrap();
        assert_eq!(us, 1_704_164_645_000_006);
        assert_eq!(
            epoch_ms_to_rfc3339(us).unwrap(),
            "2024-01-02T03:04:05.000006+00:00"
        );
    }

    #[test]
    fn parse_from_str_reads_offsetless_formats_as_utc() {
        assert_eq!(
            parse_from_str("2024-01-02 03:04:05", "%Y-%m-%d %H:%M:%S").unwrap(),
            1_704_164_645_000_000
        );
        assert!(parse_from_str("nope", "%Y").is_err());
    }
}
