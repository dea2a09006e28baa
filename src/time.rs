//! Instants, dates and durations as the language defines them.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// A span of time as the model writes it: a whole number of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Duration {
    pub count: u32,
    pub unit: DurationUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

pub type Instant = DateTime<Utc>;

/// An instant written in a model: RFC 3339 with `Z` or an offset, seconds
/// optional.
pub fn parse_model_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z").ok())
        .or_else(|| {
            let t = text.strip_suffix('Z').unwrap_or(text);
            let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
                .ok()?;
            Some(Utc.from_utc_datetime(&naive).fixed_offset())
        })
}

/// Midnight UTC at the start of a date.
pub fn start_of_day(date: NaiveDate) -> Instant {
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

/// An instant as found in data or on the command line: RFC 3339 (fractions
/// allowed), a date alone (midnight UTC), or date and time without an
/// offset (UTC).
pub fn parse_instant(text: &str) -> Option<Instant> {
    let text = crate::text::trim(text);
    if let Some(t) = parse_utc_seconds(text).or_else(|| parse_common(text)) {
        return Some(t);
    }
    // chrono's formats would also take `2026-1-5` or `+2026-01-05`.
    if !has_rfc3339_shape(text.as_bytes()) {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(start_of_day(d));
    }
    // RFC 3339 allows a space between date and time; people also omit the offset.
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&n));
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

/// Whether `text` starts as RFC 3339 does: `YYYY-MM-DD`, then nothing or
/// a `T` (or a space) and `HH:MM`.
fn has_rfc3339_shape(text: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .is_some_and(|ds| ds.iter().all(u8::is_ascii_digit))
    };
    let date = digits(0..4)
        && text.get(4) == Some(&b'-')
        && digits(5..7)
        && text.get(7) == Some(&b'-')
        && digits(8..10);
    let time = match text.get(10) {
        None => true,
        Some(b'T' | b't' | b' ') => digits(11..13) && text.get(13) == Some(&b':') && digits(14..16),
        Some(_) => false,
    };
    date && time
}

/// `2026-10-01T09:30:00Z`, the form event feeds write nearly always, read
/// without chrono's general parser (a third of the cost of an event).
/// Anything else, a leap second included, is left to chrono.
fn parse_utc_seconds(text: &str) -> Option<Instant> {
    let &[y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2, b'Z'] =
        text.as_bytes()
    else {
        return None;
    };
    let year = i32::try_from(digits(&[y1, y2, y3, y4])?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(&[mo1, mo2])?, digits(&[d1, d2])?)?;
    let time = chrono::NaiveTime::from_hms_opt(
        digits(&[h1, h2])?,
        digits(&[mi1, mi2])?,
        digits(&[s1, s2])?,
    )?;
    Some(Utc.from_utc_datetime(&date.and_time(time)))
}

/// The number written in ASCII digits.
fn digits(ds: &[u8]) -> Option<u32> {
    ds.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// The other forms feeds write often, read without chrono's general
/// parser either: a date alone (`2026-10-01`, midnight UTC) and
/// `2026-10-01T09:30:00` with an optional fraction of up to nine digits
/// and `Z` or a `±HH:MM` offset. Anything else, a leap second included,
/// is left to chrono, which reads these forms the same way.
fn parse_common(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    let (&[y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2], rest) = bytes.split_first_chunk()? else {
        return None;
    };
    let year = i32::try_from(digits(&[y1, y2, y3, y4])?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(&[mo1, mo2])?, digits(&[d1, d2])?)?;
    if rest.is_empty() {
        return Some(start_of_day(date));
    }
    let (&[b'T', h1, h2, b':', mi1, mi2, b':', s1, s2], mut rest) = rest.split_first_chunk()?
    else {
        return None;
    };
    let mut nanos = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        let (written, after) = fraction.split_at(count);
        nanos = digits(written)? * 10u32.pow(u32::try_from(9 - count).ok()?);
        rest = after;
    }
    let offset_seconds = match rest {
        b"Z" => 0,
        &[sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (hours, minutes) = (digits(&[oh1, oh2])?, digits(&[om1, om2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return None,
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(
        digits(&[h1, h2])?,
        digits(&[mi1, mi2])?,
        digits(&[s1, s2])?,
        nanos,
    )?;
    let local = date.and_time(time);
    let utc = match offset_seconds {
        0 => local,
        _ => local.checked_sub_signed(chrono::Duration::try_seconds(offset_seconds)?)?,
    };
    Some(Utc.from_utc_datetime(&utc))
}

/// `at - duration`, with months and years as calendar units clamped to the
/// end of the month. `None` only when the result leaves chrono's range.
pub fn sub_duration(at: Instant, d: Duration, times: u32) -> Option<Instant> {
    let n = d.count.checked_mul(times)?;
    match d.unit {
        DurationUnit::Hours => at.checked_sub_signed(chrono::Duration::try_hours(n.into())?),
        DurationUnit::Days => at.checked_sub_signed(chrono::Duration::try_days(n.into())?),
        DurationUnit::Weeks => at.checked_sub_signed(chrono::Duration::try_weeks(n.into())?),
        DurationUnit::Months => at.checked_sub_months(Months::new(n)),
        DurationUnit::Years => at.checked_sub_months(Months::new(n.checked_mul(12)?)),
    }
}

/// How many whole periods of `d` fit between `from` and `to` (`to >= from`):
/// the largest k with `to - k*d >= from`.
pub fn whole_periods(from: Instant, to: Instant, d: Duration) -> u32 {
    if to < from {
        return 0;
    }
    let fixed_seconds = match d.unit {
        DurationUnit::Hours => Some(3600i64),
        DurationUnit::Days => Some(86_400),
        DurationUnit::Weeks => Some(604_800),
        DurationUnit::Months | DurationUnit::Years => None,
    };
    if let Some(unit) = fixed_seconds {
        let period = unit * i64::from(d.count);
        let elapsed = (to - from).num_microseconds().unwrap_or(i64::MAX);
        let k = elapsed / (period * 1_000_000);
        return u32::try_from(k).unwrap_or(u32::MAX);
    }
    // Calendar units: estimate from the month difference, then correct.
    let months_per = match d.unit {
        DurationUnit::Years => 12 * d.count,
        _ => d.count,
    };
    let month_index = |t: Instant| i64::from(t.year()) * 12 + i64::from(t.month());
    let month_diff = month_index(to) - month_index(from);
    let mut k = u32::try_from((month_diff / i64::from(months_per)).max(0) + 1).unwrap_or(u32::MAX);
    while k > 0 {
        match sub_duration(to, d, k) {
            Some(start) if start >= from => return k,
            _ => k -= 1,
        }
    }
    0
}

/// The length of `d` ending at `at`, in seconds (calendar units vary).
pub fn seconds_before(at: Instant, d: Duration) -> f64 {
    match sub_duration(at, d, 1) {
        Some(start) => (at - start).num_milliseconds() as f64 / 1000.0,
        None => f64::INFINITY,
    }
}

pub fn format_duration(d: Duration) -> String {
    let unit = match d.unit {
        DurationUnit::Hours => "h",
        DurationUnit::Days => "d",
        DurationUnit::Weeks => "w",
        DurationUnit::Months => "mo",
        DurationUnit::Years => "y",
    };
    format!("{}{}", d.count, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_cut_reads_instants_as_chrono_does() {
        for common in [
            "2026-10-01T09:30:00Z",
            "2026-10-01",
            "2026-10-01T09:30:00.123Z",
            "2026-10-01T09:30:00+02:00",
            "2026-10-01T09:30:00-05:00",
        ] {
            assert!(parse_common(common).is_some(), "{common}");
        }
        for text in [
            "2026-10-01T09:30:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2024-02-29T12:00:00Z",
            "2026-02-29T12:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-32T00:00:00Z",
            "2026-10-01T24:00:00Z",
            "2026-10-01T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2026-10-01t09:30:00z",
            "2026-1a-01T09:30:00Z",
            "+026-10-01T09:30:00Z",
            "2026-10-01",
            "2024-02-29",
            "2026-02-29",
            "2026-10-01T09:30:00.5Z",
            "2026-10-01T09:30:00.123456789Z",
            "2026-10-01T09:30:00.1234567891Z",
            "2026-10-01T09:30:00.Z",
            "2026-10-01T09:30:00+02:00",
            "2026-10-01T00:30:00.25+02:00",
            "0000-01-01T00:30:00+02:00",
            "2026-10-01T09:30:00-11:30",
            "2026-10-01T09:30:00+24:00",
            "2026-10-01T09:30:00+02:60",
            "2026-10-01T09:30:00+0200",
            "2016-12-31T23:59:60.5Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .or_else(|| {
                    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
                    Some(start_of_day(date))
                });
            for short_cut in [parse_utc_seconds, parse_common] {
                if let Some(t) = short_cut(text) {
                    assert_eq!(Some(t), chrono, "{text}");
                }
            }
        }
    }

    #[test]
    fn only_rfc3339_dates_and_instants_are_read() {
        for text in [
            "2026-01-05",
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00:00.25+02:00",
            "2026-01-05 10:00:00",
            "2026-01-05T10:00",
            " 2026-01-05 ",
        ] {
            assert!(parse_instant(text).is_some(), "{text}");
        }
        for text in [
            "2026-1-5",
            "+2026-01-05",
            "26-01-05",
            "2026-01-05T1:00:00Z",
            "2026/01/05",
            "2026-01-05x",
            "05.01.2026",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }
}
