//! The one way dates and times are shown to people: `04.12.2026` and `04.12.2026 kl. 14.05` in
//! bokmål and nynorsk (Språkrådet's recommendation), `4 Dec 2026` and `4 Dec 2026, 14:05` in
//! English (day before month with the month's name, so neither British nor American readers can
//! misread it). Timestamps are stored in UTC and shown in Norwegian time (Europe/Oslo), which has
//! followed the EU summer-time rule since 1996. Machine formats keep ISO 8601: CSV, XLSX and JSON
//! exports, the API, `<time datetime>` attributes and the values of `<input type="date">`.
//! Templates reach this through [`crate::i18n::Tr::date`] and [`crate::i18n::Tr::datetime`].

use crate::i18n::Lang;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
pub use rodtrad_domain::norwegian_time::{oslo_date, oslo_day_start, oslo_time};

/// A date in the reader's language.
pub fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Nb | Lang::Nn => date.format("%d.%m.%Y").to_string(),
        Lang::En => date.format("%-d %b %Y").to_string(),
    }
}

/// A moment in the reader's language, in Norwegian time, to the minute.
pub fn format_datetime(lang: Lang, at: DateTime<Utc>) -> String {
    let local = oslo_time(at);
    match lang {
        Lang::Nb | Lang::Nn => local.format("%d.%m.%Y kl. %H.%M").to_string(),
        Lang::En => local.format("%-d %b %Y, %H:%M").to_string(),
    }
}

/// Something a template can show as a date or a date and time: dates, UTC timestamps, options of
/// them (nothing shows as empty), and ISO 8601 text read from outside (shown as is when it is not
/// a date).
pub trait Displayable {
    /// As a date.
    fn show_date(&self, lang: Lang) -> String;
    /// As a date and time; a plain date shows as a date.
    fn show_datetime(&self, lang: Lang) -> String {
        self.show_date(lang)
    }
}

impl Displayable for NaiveDate {
    fn show_date(&self, lang: Lang) -> String {
        format_date(lang, *self)
    }
}

impl Displayable for DateTime<Utc> {
    fn show_date(&self, lang: Lang) -> String {
        format_date(lang, oslo_date(*self))
    }
    fn show_datetime(&self, lang: Lang) -> String {
        format_datetime(lang, *self)
    }
}

impl Displayable for str {
    fn show_date(&self, lang: Lang) -> String {
        match parse_iso(self) {
            Some(Iso::Date(d)) => d.show_date(lang),
            Some(Iso::Moment(t)) => t.show_date(lang),
            None => self.to_owned(),
        }
    }
    fn show_datetime(&self, lang: Lang) -> String {
        match parse_iso(self) {
            Some(Iso::Date(d)) => d.show_date(lang),
            Some(Iso::Moment(t)) => t.show_datetime(lang),
            None => self.to_owned(),
        }
    }
}

impl Displayable for String {
    fn show_date(&self, lang: Lang) -> String {
        self.as_str().show_date(lang)
    }
    fn show_datetime(&self, lang: Lang) -> String {
        self.as_str().show_datetime(lang)
    }
}

impl<T: Displayable> Displayable for Option<T> {
    fn show_date(&self, lang: Lang) -> String {
        self.as_ref().map(|v| v.show_date(lang)).unwrap_or_default()
    }
    fn show_datetime(&self, lang: Lang) -> String {
        self.as_ref().map(|v| v.show_datetime(lang)).unwrap_or_default()
    }
}

impl<T: Displayable + ?Sized> Displayable for &T {
    fn show_date(&self, lang: Lang) -> String {
        (**self).show_date(lang)
    }
    fn show_datetime(&self, lang: Lang) -> String {
        (**self).show_datetime(lang)
    }
}

enum Iso {
    Date(NaiveDate),
    Moment(DateTime<Utc>),
}

/// `YYYY-MM-DD`, or an RFC 3339 timestamp (with or without seconds' fraction and offset).
fn parse_iso(text: &str) -> Option<Iso> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Iso::Date(d));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(Iso::Moment(t.with_timezone(&Utc)));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| Iso::Moment(t.and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_follow_each_languages_convention() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(format_date(Lang::Nb, d), "04.12.2026");
        assert_eq!(format_date(Lang::Nn, d), "04.12.2026");
        assert_eq!(format_date(Lang::En, d), "4 Dec 2026");
        assert_eq!(format_datetime(Lang::Nb, utc("2026-12-04T13:05:00Z")), "04.12.2026 kl. 14.05");
        assert_eq!(format_datetime(Lang::En, utc("2026-12-04T13:05:00Z")), "4 Dec 2026, 14:05");
    }

    #[test]
    fn text_from_outside_is_shown_as_a_date_when_it_is_one() {
        assert_eq!("2024-02-12T07:00:00Z".show_date(Lang::Nb), "12.02.2024");
        assert_eq!("2024-02-12T07:00:00Z".show_datetime(Lang::En), "12 Feb 2024, 08:00");
        assert_eq!("2024-02-12".show_datetime(Lang::Nb), "12.02.2024");
        assert_eq!("2024-02-12T08:00".show_date(Lang::En), "12 Feb 2024");
        assert_eq!("i fjor".show_date(Lang::Nb), "i fjor");
        assert_eq!(None::<NaiveDate>.show_date(Lang::Nb), "");
    }
}
