//! Norwegian time (Europe/Oslo): UTC+1, and UTC+2 in summer by the EU rule Norway has followed
//! since 1996. Timestamps are stored in UTC; people read and filter them in Norwegian time, so the
//! pages show them through this and the audit log's day filters start their days by it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

/// The wall-clock time in Norway at `at`: UTC+1, or UTC+2 from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October.
pub fn oslo_time(at: DateTime<Utc>) -> NaiveDateTime {
    let year = at.year();
    let switch = |month: u32| last_sunday(year, month).and_hms_opt(1, 0, 0).map(|t| t.and_utc()).unwrap_or(at);
    let summer = at >= switch(3) && at < switch(10);
    (at + Duration::hours(if summer { 2 } else { 1 })).naive_utc()
}

/// The calendar day in Norway at `at`.
pub fn oslo_date(at: DateTime<Utc>) -> NaiveDate {
    oslo_time(at).date()
}

/// The UTC moment at which a calendar day begins in Norway (for filtering stored timestamps by day).
pub fn oslo_day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // The switches happen at 02:00 and 03:00 local time, never near midnight, so the offset at
    // midnight read as UTC+1 is the offset of that midnight.
    let guess = (midnight - Duration::hours(1)).and_utc();
    let offset = oslo_time(guess) - guess.naive_utc();
    (midnight - offset).and_utc()
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .unwrap_or_default();
    let last = first_of_next.pred_opt().unwrap_or(first_of_next);
    let back = last.weekday().num_days_from_sunday();
    last - Duration::days(back.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn norwegian_time_switches_on_the_last_sundays_of_march_and_october() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let local = |s: &str| oslo_time(utc(s)).format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(local("2026-03-29T00:59:00Z"), "2026-03-29 01:59");
        assert_eq!(local("2026-03-29T01:00:00Z"), "2026-03-29 03:00");
        assert_eq!(local("2026-10-25T00:59:00Z"), "2026-10-25 02:59");
        assert_eq!(local("2026-10-25T01:00:00Z"), "2026-10-25 02:00");
        assert_eq!(local("2026-06-20T22:30:00Z"), "2026-06-21 00:30");
        assert_eq!(local("2026-12-31T23:30:00Z"), "2027-01-01 00:30");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(oslo_day_start(day(2026, 6, 21)), utc("2026-06-20T22:00:00Z"));
        assert_eq!(oslo_day_start(day(2026, 1, 1)), utc("2025-12-31T23:00:00Z"));
        assert_eq!(oslo_day_start(day(2026, 3, 29)), utc("2026-03-28T23:00:00Z"));
        assert_eq!(oslo_day_start(day(2026, 3, 30)), utc("2026-03-29T22:00:00Z"));
        assert_eq!(oslo_day_start(day(2026, 10, 25)), utc("2026-10-24T22:00:00Z"));
        assert_eq!(oslo_day_start(day(2026, 10, 26)), utc("2026-10-25T23:00:00Z"));
    }
}
