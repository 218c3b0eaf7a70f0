//! UTC timestamps from the system clock, without a date crate.

use placesim::calendar::Date;
use std::time::{SystemTime, UNIX_EPOCH};

/// Date and time of day (UTC) of `t`.
fn parts(t: SystemTime) -> ((i32, u32, u32), (u64, u64, u64)) {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let epoch = Date::from_ymd(1970, 1, 1).expect("1970-01-01 exists");
    let date = epoch.add_days(i32::try_from(secs / 86_400).unwrap_or(i32::MAX)).ymd();
    let s = secs % 86_400;
    (date, (s / 3600, s / 60 % 60, s % 60))
}

/// `2024-05-01T12:34:56Z`.
pub fn iso8601(t: SystemTime) -> String {
    let ((y, mo, d), (h, mi, s)) = parts(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20240501-123456`, for default output folder names.
pub fn stamp(t: SystemTime) -> String {
    let ((y, mo, d), (h, mi, s)) = parts(t);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc() {
        // 2016-04-04T09:30:05Z
        let t = UNIX_EPOCH + Duration::from_secs(1_459_762_205);
        assert_eq!(iso8601(t), "2016-04-04T09:30:05Z");
        assert_eq!(stamp(t), "20160404-093005");
    }
}
