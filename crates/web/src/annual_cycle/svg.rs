//! The wheel's geometry for the hand-written SVG in `annual_cycle/wheel.html`: one ring sector per
//! month (per year for the four-year wheel) and one mark per activity at the angle of its end date,
//! political activities on the outer ring as circles and administrative ones on the inner ring as
//! squares, so the kind never rests on colour alone. Only numbers are computed here; the template
//! writes the text (escaped), so no user text passes through this module.

use chrono::NaiveDate;

/// Centre of the drawing (its view box is 0 0 2C 2C).
pub(crate) const C: f64 = 210.0;
const OUTER: f64 = 200.0;
const INNER: f64 = 70.0;
const POLITICAL: f64 = 160.0;
const ADMINISTRATIVE: f64 = 110.0;
const LABEL: f64 = 182.0;

/// A ring sector with its label's position.
pub(crate) struct Sector {
    pub(crate) path: String,
    pub(crate) label: String,
    pub(crate) lx: String,
    pub(crate) ly: String,
    pub(crate) shaded: bool,
}

/// A mark for an activity.
pub(crate) struct Mark {
    pub(crate) x: String,
    pub(crate) y: String,
    pub(crate) political: bool,
    /// The title text, escaped by the template.
    pub(crate) title: String,
}

fn point(angle: f64, r: f64) -> (f64, f64) {
    // 0 is twelve o'clock, clockwise.
    let a = (angle - 90.0).to_radians();
    (C + r * a.cos(), C + r * a.sin())
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// `labels.len()` equal sectors, the first starting at twelve o'clock.
pub(crate) fn sectors(labels: &[String]) -> Vec<Sector> {
    let step = 360.0 / labels.len().max(1) as f64;
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let (a0, a1) = (i as f64 * step, (i + 1) as f64 * step);
            let large = if step > 180.0 { 1 } else { 0 };
            let (ox0, oy0) = point(a0, OUTER);
            let (ox1, oy1) = point(a1, OUTER);
            let (ix1, iy1) = point(a1, INNER);
            let (ix0, iy0) = point(a0, INNER);
            let (lx, ly) = point((a0 + a1) / 2.0, LABEL);
            Sector {
                path: format!(
                    "M {} {} A {OUTER} {OUTER} 0 {large} 1 {} {} L {} {} A {INNER} {INNER} 0 {large} 0 {} {} Z",
                    n(ox0),
                    n(oy0),
                    n(ox1),
                    n(oy1),
                    n(ix1),
                    n(iy1),
                    n(ix0),
                    n(iy0)
                ),
                label: label.clone(),
                lx: n(lx),
                ly: n(ly),
                shaded: i % 2 == 1,
            }
        })
        .collect()
}

/// Marks for activities `(end date, political, title)` over the span `from..=to`: the angle is the
/// end date's share of the span; marks that would overlap step inwards.
pub(crate) fn marks(items: &[(NaiveDate, bool, String)], (from, to): (NaiveDate, NaiveDate)) -> Vec<Mark> {
    let total = ((to - from).num_days() + 1).max(1) as f64;
    let mut placed: Vec<(f64, bool)> = Vec::new();
    items
        .iter()
        .map(|(day, political, title)| {
            let angle = 360.0 * ((*day - from).num_days() as f64 + 0.5) / total;
            // Another mark of the same ring within 6 degrees pushes this one 14 units inwards.
            let crowd = placed.iter().filter(|(a, p)| p == political && (a - angle).abs() < 6.0).count();
            placed.push((angle, *political));
            let base = if *political { POLITICAL } else { ADMINISTRATIVE };
            let r = (base - 14.0 * (crowd % 3) as f64).max(INNER + 8.0);
            let (x, y) = point(angle, r);
            Mark { x: n(x), y: n(y), political: *political, title: title.clone() }
        })
        .collect()
}
