//! Dates and times without a calendar crate: ISO 8601 parsing and Deribit expiry codes.

/// Seconds since 1970-01-01T00:00:00Z.
pub type Timestamp = f64;

pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;
/// Crypto expiries settle at 08:00 UTC.
pub const EXPIRY_HOUR_UTC: i64 = 8;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// The last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(i) % 10) as u8));
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1970..=2200).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return None;
        }
        Some(Date { year, month, day })
    }
    /// The settlement instant: 08:00 UTC on this date.
    pub fn expiry_timestamp(self) -> Timestamp {
        (days_from_civil(self.year, self.month, self.day) * 86_400 + EXPIRY_HOUR_UTC * 3600) as f64
    }
    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        // written by hand: called per position per report, where `format!` showed in profiles
        let mut out = String::with_capacity(10);
        push_digits(&mut out, self.year.unsigned_abs(), 4);
        out.push('-');
        push_digits(&mut out, self.month, 2);
        out.push('-');
        push_digits(&mut out, self.day, 2);
        out
    }
    /// Deribit code `27DEC26`.
    pub fn deribit_code(self) -> String {
        let month = MONTHS
            .get(self.month as usize - 1)
            .copied()
            .unwrap_or("???");
        let mut out = String::with_capacity(7);
        push_digits(&mut out, self.day, if self.day < 10 { 1 } else { 2 });
        out.push_str(month);
        push_digits(&mut out, self.year.unsigned_abs() % 100, 2);
        out
    }
    /// Parse `27DEC26` / `5JAN27` (case-insensitive).
    pub fn parse_deribit(code: &str) -> Option<Date> {
        let upper = crate::error::ascii_case(code, true);
        let b = upper.as_bytes();
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=2).contains(&digits) || b.len() != digits + 5 {
            return None;
        }
        let day = b[..digits]
            .iter()
            .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        // three ASCII letters, then two digits
        let month = MONTHS
            .iter()
            .position(|m| m.as_bytes() == &b[digits..digits + 3])? as u32
            + 1;
        let year = 2000 + two_digits([b[digits + 3], b[digits + 4]], false)? as i32;
        Date::new(year, month, day)
    }
    /// Parse `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        // a year other than four digits ("+999", "-999") is outside Date::new's range anyway
        let year = bytes[..4].iter().try_fold(0, |y, &d| {
            d.is_ascii_digit().then(|| y * 10 + i32::from(d - b'0'))
        })?;
        let month = two_digits([bytes[5], bytes[6]], true)?;
        let day = two_digits([bytes[8], bytes[9]], true)?;
        Date::new(year, month, day)
    }
}

/// Two digits; with `plus`, also `+` and one digit, as `u32` parsing reads two bytes (`07`, `+7`).
fn two_digits([a, b]: [u8; 2], plus: bool) -> Option<u32> {
    let tens = match a {
        b'0'..=b'9' => u32::from(a - b'0'),
        b'+' if plus => 0,
        _ => return None,
    };
    b.is_ascii_digit().then(|| tens * 10 + u32::from(b - b'0'))
}

/// Parse an ISO 8601 instant: `2026-11-24T08:00:00Z`, `2024-06-17T10:22:20.501Z`, `…+02:00`,
/// `2026-11-24 08:00` or a bare date (00:00 UTC). Returns seconds since the epoch.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let date = Date::parse_iso(text.get(0..10)?)?;
    let mut seconds = (days_from_civil(date.year, date.month, date.day) * 86_400) as f64;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(seconds);
    }
    // `T`, `t` or a space between the date and the clock
    let rest = match rest.as_bytes()[0] {
        b'T' | b't' | b' ' => &rest[1..],
        _ => return None,
    };
    // split off the zone: `Z`, or the last sign and `hh:mm`/`hhmm`
    let b = rest.as_bytes();
    let (clock, zone_offset) = if let [.., b'Z' | b'z'] = b {
        (&rest[..b.len() - 1], 0.0)
    } else if let Some(pos) = b.iter().rposition(|&c| c == b'+' || c == b'-') {
        let digits: Vec<u8> = b[pos + 1..]
            .iter()
            .copied()
            .filter(|&c| c != b':')
            .collect();
        let [h1, h2, m1, m2] = digits[..] else {
            return None;
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let two = |a: u8, b: u8| f64::from((a - b'0') * 10 + (b - b'0'));
        let (hours, minutes) = (two(h1, h2), two(m1, m2));
        if hours > 23.0 || minutes > 59.0 {
            return None;
        }
        let sign = if b[pos] == b'-' { -1.0 } else { 1.0 };
        (&rest[..pos], sign * (hours * 3600.0 + minutes * 60.0))
    } else {
        (rest, 0.0)
    };
    let mut parts = clock.split(':');
    let hours = whole(parts.next()?)?;
    let minutes = whole(parts.next()?)?;
    let secs: f64 = match parts.next() {
        Some(s) if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit() || c == b'.') => {
            s.parse().ok()?
        }
        Some(_) => return None,
        None => 0.0,
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || !(0.0..61.0).contains(&secs) {
        return None;
    }
    seconds += f64::from(hours * 3600 + minutes * 60) + secs - zone_offset;
    Some(seconds)
}

/// A whole number as `u32` parses it (an optional `+`, then digits), for an hour or a minute:
/// any value above 99 stands for every larger one, all of them out of range.
fn whole(text: &str) -> Option<u32> {
    let digits = text.strip_prefix('+').unwrap_or(text).as_bytes();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0, |n, &d| (n * 10 + u32::from(d - b'0')).min(100)),
    )
}

/// Format a timestamp as `YYYY-MM-DDTHH:MM:SS(.mmm)Z`.
pub fn format_instant(ts: Timestamp) -> String {
    let days = (ts / 86_400.0).floor() as i64;
    let secs_of_day = ts - (days * 86_400) as f64;
    // civil_from_days
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let whole = secs_of_day.floor();
    let millis = ((secs_of_day - whole) * 1000.0).round() as i64;
    let whole = whole as i64;
    let (h, m, s) = (whole / 3600, (whole % 3600) / 60, whole % 60);
    if millis > 0 && millis < 1000 {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
    }
}

/// Year fraction between two instants (SPEC §1: seconds / (365 × 86400)).
pub fn year_fraction(from: Timestamp, to: Timestamp) -> f64 {
    (to - from) / SECONDS_PER_YEAR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deribit_codes() {
        assert_eq!(
            Date::parse_deribit("27DEC26"),
            Some(Date {
                year: 2026,
                month: 12,
                day: 27
            })
        );
        assert_eq!(
            Date::parse_deribit("5jan27"),
            Some(Date {
                year: 2027,
                month: 1,
                day: 5
            })
        );
        assert_eq!(Date::parse_deribit("31FEB26"), None);
        assert_eq!(Date::parse_deribit("127DEC26"), None);
        assert_eq!(Date::parse_deribit("27DEC2026"), None);
        assert_eq!(
            Date {
                year: 2027,
                month: 1,
                day: 5
            }
            .deribit_code(),
            "5JAN27"
        );
    }

    #[test]
    fn instants() {
        let t = parse_instant("2024-06-17T10:22:20.501Z").unwrap();
        assert_eq!(format_instant(t), "2024-06-17T10:22:20.501Z");
        assert_eq!(parse_instant("1970-01-01"), Some(0.0));
        assert_eq!(parse_instant("1970-01-01T02:00:00+02:00"), Some(0.0));
        assert_eq!(
            parse_instant("2026-11-24T08:00:00Z")
                .map(format_instant)
                .as_deref(),
            Some("2026-11-24T08:00:00Z")
        );
        assert_eq!(parse_instant("2026-13-24"), None);
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_instant("2026-11-24T25:00Z"), None);
        // the fixture's time to expiry: 2024-06-28 08:00 is 10 d 21 h 37 m 39.499 s after valuation
        let expiry = Date::new(2024, 6, 28).unwrap().expiry_timestamp();
        assert!(
            (expiry - t - (10.0 * 86400.0 + 21.0 * 3600.0 + 37.0 * 60.0 + 39.499)).abs() < 1e-6
        );
    }
}
