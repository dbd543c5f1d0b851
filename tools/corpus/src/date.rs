//! Dates as front matter writes them: `2019-07-02T22:12:03.284Z`.

/// 2015-01-01T00:00:00Z, in seconds since the epoch: the first moment a post may carry.
pub const FIRST_SECOND: u64 = 1_420_070_400;
/// 2026-01-01T00:00:00Z: every post is dated before it, so none is a scheduled post that a
/// build holds back (the corpus must build the same whatever day it is built on).
pub const END_SECOND: u64 = 1_767_225_600;

/// Milliseconds since the epoch as an RFC 3339 UTC timestamp with milliseconds.
pub fn format_ms(ms: u64) -> String {
    let (seconds, millis) = (ms / 1000, ms % 1000);
    let (days, time) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// The proleptic Gregorian date of a day number counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shifted so that eras of 400 years start on March 1st, which puts the leap day last.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_moments() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(FIRST_SECOND * 1000), "2015-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_562_105_523_284), "2019-07-02T22:12:03.284Z");
        assert_eq!(format_ms(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
        assert_eq!(format_ms(END_SECOND * 1000 - 1), "2025-12-31T23:59:59.999Z");
        assert_eq!(format_ms(END_SECOND * 1000), "2026-01-01T00:00:00.000Z");
    }
}
