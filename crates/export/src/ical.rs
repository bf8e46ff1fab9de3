//! iCalendar (RFC 5545) feeds through the `icalendar` crate: dated activities as all-day events
//! (`DTSTART;VALUE=DATE`, `DTEND` the day after the last, as the RFC counts), in a calendar that
//! names Europe/Oslo as its time zone (`X-WR-TIMEZONE`). Every event's UID is given by the caller
//! and stays the same across edits, so a calendar client updates an event instead of adding a copy;
//! `DTSTAMP` is the event's last change, so the same data always gives the same bytes.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// The time zone the feeds name.
pub const TIME_ZONE: &str = "Europe/Oslo";

/// One all-day event, first and last day included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllDayEvent {
    /// Stable unique id.
    pub uid: String,
    /// The title.
    pub summary: String,
    /// Further text (kind, responsible, deadline).
    pub description: String,
    /// Categories (e.g. the kind).
    pub categories: Vec<String>,
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
    /// Last change.
    pub changed: DateTime<Utc>,
}

/// A calendar named `name` with `events`, as the text of an `.ics` file (CRLF line ends, long lines
/// folded by the crate).
pub fn calendar(name: &str, events: &[AllDayEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(name).timezone(TIME_ZONE);
    for e in events {
        let mut event = Event::new();
        event
            .uid(&e.uid)
            .summary(&e.summary)
            .description(&e.description)
            .timestamp(e.changed)
            .starts(e.first)
            .ends(e.last + Duration::days(1));
        if !e.categories.is_empty() {
            event.add_property("CATEGORIES", e.categories.join(","));
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_the_parser() {
        let changed = DateTime::parse_from_rfc3339("2027-01-02T10:00:00Z").unwrap().with_timezone(&Utc);
        let ev = AllDayEvent {
            uid: "a-1@test".into(),
            summary: "Tertial; «rapport», æøå".into(),
            description: "Politisk".into(),
            categories: vec!["Politisk".into()],
            first: NaiveDate::from_ymd_opt(2027, 5, 3).unwrap(),
            last: NaiveDate::from_ymd_opt(2027, 5, 31).unwrap(),
            changed,
        };
        let text = calendar("Årshjul", &[ev.clone(), ev]);
        assert!(text.contains("X-WR-TIMEZONE:Europe/Oslo\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20270503\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20270601\r\n"));
        assert!(text.contains("DTSTAMP:20270102T100000Z\r\n"));
        let parsed: Calendar = text.parse().unwrap();
        let events: Vec<_> = parsed.components.iter().filter_map(|c| c.as_event()).collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].get_summary(), Some("Tertial; «rapport», æøå"));
        assert_eq!(calendar("Årshjul", &[]), calendar("Årshjul", &[]));
    }
}
