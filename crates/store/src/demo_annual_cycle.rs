//! The demo annual cycle (*årshjul*): the demo year's one-year wheel from the main seed's month
//! table with concrete dates (`domain::annual_cycle::instantiate`: first to last working day of the
//! month) and its deadline links (unit plans due in February, the four-monthly reports in May and
//! September, status reporting in January, the ISO audits, the annual report, the assignment
//! letters), the four-year wheel of the council period the year falls in, and two activities of the
//! demo school (its staff reviews and its own ISO audit), so the unit feeds differ.

use crate::annual_cycle::ActivityInput;
use crate::{Author, Db, Result};
use rodtrad_domain::annual_cycle::{
    Activity, ActivityKind, Cycle, DeadlineKind, default_period_template, default_template, first_working_day,
    instantiate, last_working_day,
};

/// The first year of the council period `year` falls in (elections 2023, 2027, …; a period starts
/// the year after).
pub fn period_start(year: i32) -> i32 {
    year - (year - 2024).rem_euclid(4)
}

/// The school's own activities in the demo year: title, month, deadline.
const SCHOOL: [(&str, u8, Option<DeadlineKind>); 2] = [
    ("Medarbeidersamtaler ved skolen", 10, None),
    ("Internrevisjon av skolens kvalitetssystem", 4, Some(DeadlineKind::IsoAudit)),
];

/// Loads the demo year's wheels; `school` is the demo school.
pub async fn load(db: &Db, a: &Author, school: i64) -> Result<()> {
    use chrono::Datelike;
    let year = chrono::Utc::now().year();
    let mut activities: Vec<ActivityInput> = instantiate(&default_template(), Cycle::Year, year)
        .into_iter()
        .map(|activity| ActivityInput { activity, unit_id: None })
        .collect();
    for (title, month, deadline) in SCHOOL {
        if let (Some(starts_on), Some(ends_on)) = (first_working_day(year, month), last_working_day(year, month)) {
            let activity = Activity {
                title: title.to_owned(),
                kind: ActivityKind::Administrative,
                starts_on,
                ends_on,
                responsible: "Rektor".into(),
                deadline,
            };
            activities.push(ActivityInput { activity, unit_id: Some(school) });
        }
    }
    activities.sort_by_key(|x| (x.activity.starts_on, x.activity.ends_on));
    db.cycle_wheel_create(a, Cycle::Year, year, &activities).await?;
    let first = period_start(year);
    let period: Vec<ActivityInput> = instantiate(&default_period_template(), Cycle::Period, first)
        .into_iter()
        .map(|activity| ActivityInput { activity, unit_id: None })
        .collect();
    db.cycle_wheel_create(a, Cycle::Period, first, &period).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn council_periods_start_the_year_after_the_election() {
        assert_eq!(super::period_start(2024), 2024);
        assert_eq!(super::period_start(2027), 2024);
        assert_eq!(super::period_start(2028), 2028);
        assert_eq!(super::period_start(2026), 2024);
    }
}
