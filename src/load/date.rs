//! Dates as people write them in front matter, read into one precise instant.

use std::fmt;

use jiff::civil::{Date, Time};
use jiff::tz::Offset;
use jiff::{Timestamp, ZonedDateTime};

/// A post's date: the instant, and whether the author gave a time of day at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostDate {
    /// The instant, in UTC.
    pub instant: Timestamp,
    /// True when only a calendar date was written (`2023-12-11`).
    pub date_only: bool,
    /// Digits of fractional seconds written (`.284` → 3), so the date is shown as precisely.
    pub fraction_digits: u8,
    /// The offset from UTC it was written in: the author's day is the day shown.
    pub offset: Offset,
}

/// English month names, as `%B` writes them.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl PostDate {
    /// Reads any of the accepted forms; see [`parse`].
    pub fn parse(text: &str) -> Result<PostDate, String> {
        parse(text)
    }

    /// The value for `<time datetime>`: as precise as what was written, in the offset it was
    /// written in (UTC as `Z`).
    pub fn machine(&self) -> String {
        let digits = usize::from(self.fraction_digits);
        if self.date_only {
            self.local().date().to_string()
        } else if self.offset == Offset::UTC {
            format!("{:.*}", digits, self.instant)
        } else {
            format!(
                "{:.*}",
                digits,
                self.instant.display_with_offset(self.offset)
            )
        }
    }

    /// The date for readers, in the offset it was written in, so it never shifts with the
    /// reader's zone nor away from the author's day: "July 2, 2019".
    pub fn human(&self) -> String {
        // Written out rather than through `strftime`, which parses its pattern on every call:
        // every page's dates are formatted on every save of `serve`. The same as
        // `self.strftime("%B %-d, %Y")`, which a test checks over every year.
        // Pushed piece by piece: `format!` with a padded number was most of this, and this
        // is made for every post on every save.
        let date = self.local().date();
        let month = MONTHS[usize::from(date.month().unsigned_abs()).saturating_sub(1) % 12];
        let mut human = String::with_capacity(18);
        human.push_str(month);
        human.push(' ');
        push_digits(&mut human, u16::from(date.day().unsigned_abs()), 1);
        human.push_str(", ");
        // As `{:04}` pads: the sign counts in the width.
        let year = date.year();
        if year < 0 {
            human.push('-');
        }
        push_digits(
            &mut human,
            year.unsigned_abs(),
            if year < 0 { 3 } else { 4 },
        );
        human
    }

    /// The date in the offset it was written in, formatted by a strftime pattern; an invalid
    /// pattern gives the pattern's error message rather than a panic, since templates choose it.
    pub fn strftime(&self, format: &str) -> String {
        jiff::fmt::strtime::format(format, &self.local()).unwrap_or_else(|e| e.to_string())
    }

    /// RFC 3339, as Atom and the sitemap want it.
    pub fn rfc3339(&self) -> String {
        self.instant.to_string()
    }

    /// RFC 2822, as RSS wants it.
    pub fn rfc2822(&self) -> String {
        // jiff's RFC 2822 printer cannot fail for a UTC zoned time.
        jiff::fmt::rfc2822::to_string(&self.utc()).unwrap_or_else(|_| self.instant.to_string())
    }

    /// The calendar year, in the offset it was written in.
    pub fn year(&self) -> i16 {
        self.local().year()
    }

    fn local(&self) -> ZonedDateTime {
        self.instant
            .to_zoned_datetime(jiff::tz::TimeZone::fixed(self.offset))
    }

    fn utc(&self) -> ZonedDateTime {
        self.instant.to_zoned_datetime(jiff::tz::TimeZone::UTC)
    }
}

/// Pushes `n` in decimal, padded with zeros to at least `width` digits (at most 5).
fn push_digits(out: &mut String, n: u16, width: usize) {
    let mut digits = [b'0'; 5];
    let mut left = n;
    let mut start = digits.len();
    while left > 0 || start > digits.len() - width.max(1) {
        start -= 1;
        digits[start] = b'0' + (left % 10) as u8;
        left /= 10;
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

impl fmt::Display for PostDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.machine())
    }
}

/// Reads a date in any form people put in front matter.
///
/// Accepted: RFC 3339 (`2019-07-02T22:12:03.284Z`, `2019-07-02T22:12:03+02:00`), a bare date
/// (`2023-12-11`), a date and time with no zone (`2019-07-02 22:12:03`, read as UTC), Jekyll's
/// `2017-12-27 20:46:24 -0500`, and YAML 1.1 timestamps (`2001-12-14 21:59:43.10 -5`).
pub fn parse(text: &str) -> Result<PostDate, String> {
    let text = text.trim();
    let failure = || {
        format!(
            "`{text}` is not a date; write it like 2019-07-02, 2019-07-02T22:12:03Z or 2019-07-02 22:12:03 -0500"
        )
    };
    if text.len() < 10 || !text.is_char_boundary(10) {
        return Err(failure());
    }
    let (date_part, rest) = text.split_at(10);
    let date: Date = date_part.parse().map_err(|_| failure())?;
    if rest.is_empty() {
        let instant = Offset::UTC
            .to_timestamp(date.to_datetime(Time::midnight()))
            .map_err(|_| failure())?;
        return Ok(PostDate {
            instant,
            date_only: true,
            fraction_digits: 0,
            offset: Offset::UTC,
        });
    }
    let rest = rest
        .strip_prefix(['T', 't', ' ', '\t'])
        .ok_or_else(failure)?
        .trim_start();
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let (time_part, zone_part) = rest.split_at(time_len);
    let time: Time = parse_time(time_part).ok_or_else(failure)?;
    let offset = parse_offset(zone_part.trim()).ok_or_else(failure)?;
    let instant = offset
        .to_timestamp(date.to_datetime(time))
        .map_err(|_| failure())?;
    let fraction_digits = time_part
        .split_once(['.', ','])
        .map_or(0, |(_, digits)| digits.len().min(9) as u8);
    Ok(PostDate {
        instant,
        date_only: false,
        fraction_digits,
        offset,
    })
}

fn parse_time(text: &str) -> Option<Time> {
    let text = text.replace(',', ".");
    // YAML allows one-digit hours (`1:02:03`); jiff wants two.
    let padded = if text.find(':') == Some(1) {
        format!("0{text}")
    } else {
        text
    };
    if padded.len() == 5 {
        return format!("{padded}:00").parse().ok();
    }
    padded.parse().ok()
}

/// `Z`, nothing (UTC), `+02:00`, `-0500`, `+02` or YAML's `-5`.
fn parse_offset(text: &str) -> Option<Offset> {
    if text.is_empty() || text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return Some(Offset::UTC);
    }
    let (sign, digits) = match text.as_bytes()[0] {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pushed_digits_are_what_padded_formatting_makes(n in any::<u16>(), width in 1usize..=5) {
            let mut pushed = String::from("x");
            push_digits(&mut pushed, n, width);
            prop_assert_eq!(pushed, format!("x{n:0width$}"));
        }

        /// `human` writes the date out itself; it must say what the pattern it replaced says,
        /// for every year jiff can hold and every offset.
        #[test]
        fn human_dates_are_what_strftime_makes(
            year in -9999i16..=9999,
            month in 1i8..=12,
            day in 1i8..=28,
            hours in -12i8..=14,
        ) {
            let offset = Offset::from_hours(hours).unwrap();
            let at = Date::new(year, month, day).unwrap()
                .to_zoned_datetime(jiff::tz::TimeZone::fixed(offset));
            // The first and last days jiff holds cannot be shifted to every offset.
            prop_assume!(at.is_ok());
            let date = PostDate {
                instant: at.unwrap().timestamp(),
                date_only: true,
                fraction_digits: 0,
                offset,
            };
            prop_assert_eq!(date.human(), date.strftime("%B %-d, %Y"));
        }
    }

    fn iso(text: &str) -> String {
        parse(text).unwrap().machine()
    }

    #[test]
    fn every_accepted_form() {
        assert_eq!(iso("2019-07-02T22:12:03.284Z"), "2019-07-02T22:12:03.284Z");
        assert_eq!(
            iso("2019-07-02T22:12:03+02:00"),
            "2019-07-02T22:12:03+02:00"
        );
        assert_eq!(iso("2023-12-11"), "2023-12-11");
        assert_eq!(iso("2019-07-02 22:12:03"), "2019-07-02T22:12:03Z");
        assert_eq!(
            iso("2017-12-27 20:46:24 -0500"),
            "2017-12-27T20:46:24-05:00"
        );
        assert_eq!(
            iso("2001-12-14 21:59:43.10 -5"),
            "2001-12-14T21:59:43.10-05:00"
        );
        assert_eq!(
            iso("2001-12-14t21:59:43.10-05:00"),
            "2001-12-14T21:59:43.10-05:00"
        );
        // The instant is the same however the offset is written; feeds and sorting use it.
        let instant = |text: &str| parse(text).unwrap().rfc3339();
        assert_eq!(instant("2019-07-02T22:12:03+02:00"), "2019-07-02T20:12:03Z");
        assert_eq!(instant("2017-12-27 20:46:24 -0500"), "2017-12-28T01:46:24Z");
        assert_eq!(
            instant("2001-12-14 21:59:43.10 -5"),
            "2001-12-15T02:59:43.1Z"
        );
        assert_eq!(iso("1979-05-27T07:32:00"), "1979-05-27T07:32:00Z");
        assert_eq!(iso("2020-01-01 09:30"), "2020-01-01T09:30:00Z");
    }

    #[test]
    fn human_date_is_the_authors_day() {
        assert_eq!(
            parse("2019-07-02T22:12:03.284Z").unwrap().human(),
            "July 2, 2019"
        );
        // Late in the evening in New York is the next day in UTC; the author wrote July 2.
        let evening = parse("2019-07-02T23:30:00-05:00").unwrap();
        assert_eq!(evening.human(), "July 2, 2019");
        assert_eq!(evening.year(), 2019);
        assert_eq!(parse("2019-12-31T23:30:00-05:00").unwrap().year(), 2019);
    }

    #[test]
    fn feed_formats() {
        let d = parse("2019-07-02T22:12:03.284Z").unwrap();
        assert_eq!(d.rfc2822(), "Tue, 2 Jul 2019 22:12:03 +0000");
        assert_eq!(d.rfc3339(), "2019-07-02T22:12:03.284Z");
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "yes",
            "",
            "2019-13-01",
            "2019-07-02X10:00",
            "2019-07-02 25:00:00",
            "é2019-07-02",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
