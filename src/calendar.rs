//! Civil dates, simulation weeks and NHS financial years.
//!
//! The engine steps in whole weeks from the scenario's start date. Dates are stored as days
//! since 1970-01-01 (proleptic Gregorian), so no date library is needed and arithmetic is exact.

/// Weeks per year (365.25 / 7): turns annual rates into weekly ones and person-weeks into
/// person-years.
pub const WEEKS_PER_YEAR: f64 = 365.25 / 7.0;

use std::fmt;

/// A calendar date, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// Builds a date from year, month (1–12) and day (1–31); `None` when the date does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let y = parts.next()?;
        let m = parts.next()?;
        let d = parts.next()?;
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// Parses a month, `YYYY-MM`, as its first day (the format `parse` checks, with day 01).
    pub fn parse_month(text: &str) -> Option<Date> {
        Date::parse(&format!("{}-01", text.trim()))
    }

    /// Months from the month of `from` to the month of `self` (negative when `self` is earlier).
    pub fn months_since(self, from: Date) -> i32 {
        let (y, m, _) = self.ymd();
        let (y0, m0, _) = from.ymd();
        (y - y0) * 12 + m as i32 - m0 as i32
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// The date `n` days later (earlier when negative).
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The NHS financial year (April–March) containing this date, named by its first year:
    /// 2019-05-01 is in FY 2019 (2019/20).
    pub fn financial_year(self) -> i32 {
        let (y, m, _) = self.ymd();
        if m >= 4 {
            y
        } else {
            y - 1
        }
    }

    /// Day of the week, 0 = Monday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// Fractional years from `other` to `self` (365.25-day years).
    pub fn years_since(self, other: Date) -> f64 {
        f64::from(self.0 - other.0) / 365.25
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Label of a financial year as boards write it: `FY2019/20`.
pub fn financial_year_label(fy: i32) -> String {
    format!("FY{}/{:02}", fy, (fy + 1).rem_euclid(100))
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

// Howard Hinnant's algorithms (public domain), exact for the proleptic Gregorian calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_as_their_first_day_and_count_across_years() {
        assert_eq!(Date::parse_month("2020-03"), Date::from_ymd(2020, 3, 1));
        for bad in ["2020-13", "2020-3", "20-03", "2020-03-01", "March", ""] {
            assert_eq!(Date::parse_month(bad), None, "{bad}");
        }
        let march = Date::parse_month("2020-03").unwrap();
        assert_eq!(Date::from_ymd(2020, 3, 31).unwrap().months_since(march), 0);
        assert_eq!(Date::from_ymd(2021, 1, 4).unwrap().months_since(march), 10);
        assert_eq!(Date::from_ymd(2020, 2, 24).unwrap().months_since(march), -1);
    }

    #[test]
    fn dates_round_trip_through_days_and_text() {
        for text in ["1970-01-01", "2016-04-04", "2020-02-29", "2027-03-31", "2040-12-31"] {
            let d = Date::parse(text).unwrap();
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert!(Date::parse("2019-02-29").is_none());
        assert!(Date::parse("2019-13-01").is_none());
        assert!(Date::parse("2019-4-1").is_none());
        assert!(Date::parse("next week").is_none());
    }

    #[test]
    fn financial_years_start_in_april() {
        assert_eq!(Date::parse("2019-03-31").unwrap().financial_year(), 2018);
        assert_eq!(Date::parse("2019-04-01").unwrap().financial_year(), 2019);
        assert_eq!(financial_year_label(2019), "FY2019/20");
        assert_eq!(financial_year_label(1999), "FY1999/00");
    }

    #[test]
    fn the_default_start_is_a_monday() {
        assert_eq!(Date::parse("2016-04-04").unwrap().weekday(), 0);
    }
}
