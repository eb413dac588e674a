//! Calendar arithmetic without a clock: RFC 3339 timestamps (some Clerk
//! fields and user-declared columns carry them as strings) and HTTP-dates
//! (`Retry-After`). The guest has no `std::time`; "now" always comes from
//! the host.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`). `None` for an invalid month or day.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an RFC 3339 date-time (`2024-05-01T12:00:00.123Z`,
/// `...+02:00`) or a bare date (`2024-05-01`, midnight UTC) into
/// microseconds since the Unix epoch.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let days = days_from_civil(i64::from(digits(y)?), digits(m)?, digits(d)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return days.checked_mul(86_400_000_000);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let hh = digits(rest.get(0..2)?)?;
    if rest.get(2..3)? != ":" {
        return None;
    }
    let mm = digits(rest.get(3..5)?)?;
    if rest.get(5..6)? != ":" {
        return None;
    }
    let ss = digits(rest.get(6..8)?)?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &rest[8..];
    let mut micros: i64 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let kept = &frac[..n.min(6)];
        micros = i64::from(digits(kept)?) * 10_i64.pow(6 - kept.len() as u32);
        rest = &frac[n..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let oh = i64::from(digits(rest.get(1..3)?)?);
            let om = i64::from(digits(rest.get(4..6)?)?);
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days
        .checked_mul(86_400)?
        .checked_add(i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss))?
        .checked_sub(offset_secs)?;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// Parses an HTTP-date in its preferred IMF-fixdate form
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) into seconds since the Unix epoch.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day = digits(it.next()?)?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = digits(it.next()?)?;
    let mut hms = it.next()?.split(':');
    let (h, m, sec) = (digits(hms.next()?)?, digits(hms.next()?)?, digits(hms.next()?)?);
    if it.next()? != "GMT" || it.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day)?;
    Some(days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec))
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`): (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31, 1..=12).
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

/// Microseconds since the epoch as RFC 3339 in UTC with milliseconds
/// (`2024-05-01T12:00:00.000Z`), the form Clerk's write bodies take.
pub fn micros_to_rfc3339(us: i64) -> String {
    let ms = us.div_euclid(1000);
    let secs = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(parse_rfc3339_micros("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339_micros("1970-01-02"), Some(86_400_000_000));
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:00.1234567Z"), Some(123_456));
        assert_eq!(parse_rfc3339_micros("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_micros("yesterday"), None);
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:00"), None);
    }

    #[test]
    fn http_date() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse_http_date("120"), None);
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_never_panics(s in ".{0,40}") {
            let _ = parse_rfc3339_micros(&s);
            let _ = parse_http_date(&s);
        }
    }
}
