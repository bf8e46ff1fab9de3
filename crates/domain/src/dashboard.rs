//! Dashboards and notifications (*Mitt ansvar*, the leader's view, the chief executive's overview):
//! which running items fall due soon or are overdue, which still need a report in the open period,
//! and the kinds of in-app notification. Counting per status stays in [`crate::followup::roll_up`].

use crate::RuleError;
use crate::followup::Status;
use chrono::{Duration, NaiveDate};

/// Days ahead in which a deadline counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

/// Where a running item stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Due {
    /// The deadline has passed and the item is not completed or cancelled.
    Overdue,
    /// The deadline is today or within [`DUE_SOON_DAYS`].
    Soon,
}

/// Whether an item with `deadline` and latest `status` is overdue or due soon on `today`. Items
/// without a deadline, and completed or cancelled ones, are neither.
pub fn due(deadline: Option<NaiveDate>, status: Option<Status>, today: NaiveDate) -> Option<Due> {
    let deadline = deadline?;
    if status.is_some_and(Status::is_final) {
        return None;
    }
    if deadline < today {
        Some(Due::Overdue)
    } else if deadline <= today + Duration::days(DUE_SOON_DAYS) {
        Some(Due::Soon)
    } else {
        None
    }
}

/// Whether a running item still needs a report in the current period: the period is open, nobody
/// has reported on the item in it, and the item is not completed or cancelled.
pub fn needs_report(status: Option<Status>, reported_in_period: bool, period_open: bool) -> bool {
    period_open && !reported_in_period && !status.is_some_and(Status::is_final)
}

/// What an in-app notification is about. One notification per account, kind and subject: making
/// them again changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotificationKind {
    /// An assignment or measure the account is responsible for falls due soon.
    DueSoon,
    /// Its deadline has passed.
    Overdue,
    /// A management dialogue the account is a party to was opened.
    Dialogue,
    /// A deadline of the annual cycle (unit plans due, status reporting due, …) is near.
    CycleDeadline,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 4] = [Self::DueSoon, Self::Overdue, Self::Dialogue, Self::CycleDeadline];

    /// Stable code, for the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::Dialogue => "dialogue",
            Self::CycleDeadline => "cycle_deadline",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| RuleError::new("err-notification-kind").with("value", code.to_owned()))
    }

    /// Fluent key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::DueSoon => "notification-kind-due_soon",
            Self::Overdue => "notification-kind-overdue",
            Self::Dialogue => "notification-kind-dialogue",
            Self::CycleDeadline => "notification-kind-cycle_deadline",
        }
    }

    /// The notification a deadline state gives.
    pub fn of_due(due: Due) -> Self {
        match due {
            Due::Overdue => Self::Overdue,
            Due::Soon => Self::DueSoon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    #[test]
    fn deadlines_make_items_overdue_or_due_soon_until_they_are_done() {
        let today = d(10);
        assert_eq!(due(Some(d(9)), Some(OnTrack), today), Some(Due::Overdue));
        assert_eq!(due(Some(d(9)), None, today), Some(Due::Overdue), "never reported is still overdue");
        assert_eq!(due(Some(d(10)), Some(AtRisk), today), Some(Due::Soon), "due today is due, not overdue");
        assert_eq!(due(Some(d(24)), None, today), Some(Due::Soon), "the fourteenth day ahead is soon");
        assert_eq!(due(Some(d(25)), None, today), None, "the fifteenth is not");
        assert_eq!(due(None, Some(Deviation), today), None, "no deadline, nothing due");
        for done in [Completed, Cancelled] {
            assert_eq!(due(Some(d(1)), Some(done), today), None, "{done:?} is never overdue");
        }
    }

    #[test]
    fn an_item_needs_a_report_while_the_period_is_open_and_nobody_has_reported() {
        assert!(needs_report(None, false, true));
        assert!(needs_report(Some(OnTrack), false, true));
        assert!(!needs_report(Some(OnTrack), true, true), "reported in the period");
        assert!(!needs_report(Some(OnTrack), false, false), "the period is closed");
        assert!(!needs_report(Some(Completed), false, true), "done items need no report");
    }

    #[test]
    fn notification_kinds_round_trip_and_unknown_codes_are_refused() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.code()), Ok(k));
        }
        assert_eq!(NotificationKind::parse("spam").unwrap_err().key, "err-notification-kind");
        assert_eq!(NotificationKind::of_due(Due::Overdue), NotificationKind::Overdue);
        assert_eq!(NotificationKind::of_due(Due::Soon), NotificationKind::DueSoon);
    }
}
