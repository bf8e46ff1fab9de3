//! Hand-written SVG charts: a line chart comparing series over periods, an indicator's values
//! against its baseline and target bands, and a sparkline. Every
//! series gets its own marker shape and dash pattern besides its colour, so nothing is told by
//! colour alone; the chart carries a title and description, and pages show the same figures as a
//! table beside it.

use std::fmt::Write;

/// One line in a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    /// Legend label.
    pub label: String,
    /// One value per period (`None`: no figure).
    pub values: Vec<Option<f64>>,
    /// Drawn heavier: the municipality itself.
    pub emphasis: bool,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title (also the SVG's accessible name).
    pub title: String,
    /// Longer description for assistive technology.
    pub description: String,
    /// Periods along the x axis.
    pub periods: Vec<String>,
    /// The lines.
    pub series: Vec<ChartSeries>,
    /// Periods before which the series breaks, with a short label (e.g. a merger).
    pub breaks: Vec<(usize, String)>,
    /// Unit shown by the y axis.
    pub unit: String,
}

/// Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
const COLOURS: [&str; 8] = ["#1e2b3c", "#0062ba", "#c22f00", "#0f7a3d", "#7a3ea1", "#8a5a00", "#a0005a", "#3d5a6b"];
const DASHES: [&str; 8] = ["", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3"];

/// Escapes text for XML content and attributes.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Round tick values covering `min..=max`.
pub fn nice_ticks(min: f64, max: f64, count: usize) -> Vec<f64> {
    let (min, max) = if (max - min).abs() < f64::EPSILON { (min - 1.0, max + 1.0) } else { (min, max) };
    let raw = (max - min) / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let start = (min / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = start;
    while t <= max + step * 0.5 && ticks.len() < 50 {
        ticks.push((t / step).round() * step);
        t += step;
    }
    ticks
}

/// A number for an axis label: no trailing zeros, space as thousands separator (Norwegian style).
pub fn format_number(value: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, value.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    let frac = frac.trim_end_matches('0');
    let sign = if value < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "\u{2212}" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{frac}") }
}

fn marker(out: &mut String, shape: usize, x: f64, y: f64, colour: &str) {
    let _ = match shape % 4 {
        0 => write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{colour}"/>"#),
        1 => write!(out, r#"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="{colour}"/>"#, x - 4.0, y - 4.0),
        2 => write!(
            out,
            r#"<path d="M{x:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z" fill="{colour}"/>"#,
            y - 5.0,
            x + 5.0,
            y + 4.0,
            x - 5.0,
            y + 4.0
        ),
        _ => write!(
            out,
            r#"<path d="M{x:.1} {:.1} L{:.1} {y:.1} L{x:.1} {:.1} L{:.1} {y:.1} Z" fill="white" stroke="{colour}" stroke-width="2"/>"#,
            y - 5.0,
            x + 5.0,
            y + 5.0,
            x - 5.0
        ),
    };
}

impl LineChart {
    /// The chart as an inline SVG element.
    pub fn to_svg(&self, id: &str) -> String {
        let (w, h) = (720.0, 360.0);
        let (left, right, top, bottom) = (72.0, 16.0, 16.0, 56.0);
        let legend_rows = self.series.len().div_ceil(3) as f64;
        let total_h = h + legend_rows * 22.0;
        let values: Vec<f64> = self.series.iter().flat_map(|s| s.values.iter().flatten().copied()).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let max = if max.is_finite() { max } else { 1.0 };
        let ticks = nice_ticks(min, max, 5);
        let (lo, hi) = (ticks.first().copied().unwrap_or(0.0), ticks.last().copied().unwrap_or(1.0));
        let span = if (hi - lo).abs() < f64::EPSILON { 1.0 } else { hi - lo };
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let n = self.periods.len().max(1);
        let x_of = |i: usize| left + if n == 1 { plot_w / 2.0 } else { plot_w * i as f64 / (n - 1) as f64 };
        let y_of = |v: f64| top + plot_h - (v - lo) / span * plot_h;
        let decimals = if span < 10.0 { 1 } else { 0 };
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {total_h}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            xml_escape(&self.title),
            xml_escape(&self.description)
        );
        for t in &ticks {
            let y = y_of(*t);
            let _ = write!(
                out,
                r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d2d7dc"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#1e2b3c">{}</text>"##,
                w - right,
                left - 8.0,
                y + 4.0,
                xml_escape(&format_number(*t, decimals))
            );
        }
        let _ = write!(
            out,
            r##"<text x="12" y="{:.1}" font-size="12" fill="#1e2b3c" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"##,
            top + plot_h / 2.0,
            top + plot_h / 2.0,
            xml_escape(&self.unit)
        );
        let every = n.div_ceil(12).max(1);
        for (i, p) in self.periods.iter().enumerate() {
            if i % every == 0 || i == n - 1 {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#1e2b3c">{}</text>"##,
                    x_of(i),
                    h - bottom + 20.0,
                    xml_escape(p)
                );
            }
        }
        for (i, label) in &self.breaks {
            let x = (x_of(*i) + x_of(i.saturating_sub(1))) / 2.0;
            let _ = write!(
                out,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{:.1}" stroke="#c22f00" stroke-width="2" stroke-dasharray="4 4"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#a32700">{}</text>"##,
                top + plot_h,
                x + 4.0,
                top + 12.0,
                xml_escape(label)
            );
        }
        for (k, s) in self.series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            let width = if s.emphasis { 3.5 } else { 2.0 };
            let dash = DASHES[k % DASHES.len()];
            // A line is drawn between neighbouring periods with figures; gaps stay gaps.
            let mut path = String::new();
            let mut pen = false;
            for (i, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => {
                        let _ = write!(path, "{}{:.1} {:.1} ", if pen { "L" } else { "M" }, x_of(i), y_of(*v));
                        pen = true;
                    }
                    None => pen = false,
                }
            }
            if !path.is_empty() {
                let _ = write!(
                    out,
                    r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="{width}"{}/>"#,
                    path.trim_end(),
                    if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) }
                );
            }
            for (i, v) in s.values.iter().enumerate() {
                if let Some(v) = v {
                    marker(&mut out, k, x_of(i), y_of(*v), colour);
                }
            }
            let (lx, ly) = (left + (k % 3) as f64 * 220.0, h + (k / 3) as f64 * 22.0 + 4.0);
            let _ = write!(
                out,
                r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="{width}"{}/>"#,
                lx + 28.0,
                if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) }
            );
            marker(&mut out, k, lx + 14.0, ly, colour);
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#1e2b3c"{}>{}</text>"##,
                lx + 36.0,
                ly + 4.0,
                if s.emphasis { r#" font-weight="bold""# } else { "" },
                xml_escape(&s.label)
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// A small trend line for a dashboard cell, with an accessible name.
pub fn sparkline(values: &[Option<f64>], label: &str) -> String {
    let (w, h) = (120.0, 32.0);
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let min = known.iter().copied().fold(f64::INFINITY, f64::min);
    let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if (max - min).abs() < f64::EPSILON || !span_ok(min, max) { 1.0 } else { max - min };
    let n = values.len().max(2);
    let mut path = String::new();
    let mut pen = false;
    let mut last = None;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let x = 4.0 + (w - 8.0) * i as f64 / (n - 1) as f64;
            let y = h - 4.0 - (v - if min.is_finite() { min } else { 0.0 }) / span * (h - 8.0);
            let _ = write!(path, "{}{x:.1} {y:.1} ", if pen { "L" } else { "M" });
            pen = true;
            last = Some((x, y));
        } else {
            pen = false;
        }
    }
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        xml_escape(label)
    );
    if !path.is_empty() {
        let _ = write!(out, r##"<path d="{}" fill="none" stroke="#0062ba" stroke-width="2"/>"##, path.trim_end());
    }
    if let Some((x, y)) = last {
        let _ = write!(out, r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#0062ba"/>"##);
    }
    out.push_str("</svg>");
    out
}

fn span_ok(min: f64, max: f64) -> bool {
    min.is_finite() && max.is_finite()
}

/// Labels of an [`IndicatorChart`], in the reader's language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndicatorLabels {
    /// Legend: the observed values.
    pub observed: String,
    /// Legend: the target (desired value) of a year.
    pub target: String,
    /// Legend: the band between the lowest acceptable and the desired value.
    pub band: String,
    /// Legend: the baseline.
    pub baseline: String,
    /// Legend: the straight path from the baseline to the last target.
    pub path: String,
}

/// One indicator over time: its observed values, the baseline (a dotted line), each year's target
/// (a marker) with its band down to the lowest acceptable value (a hatched bar), and the path from
/// the baseline to the last target (dashed), so a reader sees at a glance whether the values keep
/// to it. The x axis is continuous time, so monthly and yearly values share it. Pages and reports
/// show the same figures as a table beside the chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndicatorChart {
    /// Title (the SVG's accessible name).
    pub title: String,
    /// Description for assistive technology (what the chart shows, in words).
    pub description: String,
    /// Unit shown by the y axis.
    pub unit: String,
    /// Observed values: (time in years, label, value), sorted by time.
    pub values: Vec<(f64, String, f64)>,
    /// Baseline: (year, value).
    pub baseline: Option<(i32, f64)>,
    /// Targets: (year, desired, lowest acceptable).
    pub targets: Vec<(i32, f64, Option<f64>)>,
    /// Legend labels.
    pub labels: IndicatorLabels,
}

impl IndicatorChart {
    /// The chart as an inline SVG element with `role="img"`, `<title>` and `<desc>`.
    pub fn to_svg(&self, id: &str) -> String {
        let (w, h) = (720.0, 340.0);
        let (left, right, top, bottom) = (72.0, 24.0, 16.0, 40.0);
        let legend_h = 52.0;
        let mut ys: Vec<f64> = self.values.iter().map(|v| v.2).collect();
        ys.extend(self.baseline.map(|b| b.1));
        for (_, d, a) in &self.targets {
            ys.push(*d);
            ys.extend(*a);
        }
        let mut xs: Vec<f64> = self.values.iter().map(|v| v.0).collect();
        xs.extend(self.baseline.map(|b| f64::from(b.0)));
        xs.extend(self.targets.iter().map(|t| f64::from(t.0)));
        let finite = |v: &[f64]| v.iter().copied().filter(|x| x.is_finite()).collect::<Vec<_>>();
        let (ys, xs) = (finite(&ys), finite(&xs));
        let min = ys.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let max = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let max = if max.is_finite() { max } else { 1.0 };
        let ticks = nice_ticks(min, max, 5);
        let (lo, hi) = (ticks.first().copied().unwrap_or(0.0), ticks.last().copied().unwrap_or(1.0));
        let span = if (hi - lo).abs() < f64::EPSILON { 1.0 } else { hi - lo };
        let x_min = xs.iter().copied().fold(f64::INFINITY, f64::min).floor();
        let x_max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil();
        let (x_min, x_max) = if x_min.is_finite() && x_max > x_min {
            (x_min - 0.5, x_max + 0.5)
        } else if x_min.is_finite() {
            (x_min - 1.0, x_min + 1.0)
        } else {
            (2000.0, 2001.0)
        };
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let x_of = |t: f64| left + (t - x_min) / (x_max - x_min) * plot_w;
        let y_of = |v: f64| top + plot_h - (v - lo) / span * plot_h;
        let decimals = if span < 10.0 { 1 } else { 0 };
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart indicator-chart" viewBox="0 0 {w} {}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            h + legend_h,
            xml_escape(&self.title),
            xml_escape(&self.description)
        );
        let _ = write!(
            out,
            r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e3f1e8"/><line x1="0" y1="0" x2="0" y2="6" stroke="#0f7a3d" stroke-width="2"/></pattern></defs>"##
        );
        for t in &ticks {
            let y = y_of(*t);
            let _ = write!(
                out,
                r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d2d7dc"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#1e2b3c">{}</text>"##,
                w - right,
                left - 8.0,
                y + 4.0,
                xml_escape(&format_number(*t, decimals))
            );
        }
        let _ = write!(
            out,
            r##"<text x="12" y="{:.1}" font-size="12" fill="#1e2b3c" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"##,
            top + plot_h / 2.0,
            top + plot_h / 2.0,
            xml_escape(&self.unit)
        );
        // Year labels: every year when few, else every second or fifth counted back from the last
        // year, so the target year always has its label.
        let years = (x_max - x_min).round() as i64;
        let step = if years <= 12 {
            1
        } else if years <= 30 {
            2
        } else {
            5
        };
        let mut year = (x_min + 0.5).ceil() as i64;
        let last = (x_max - 0.5).floor() as i64;
        while (year as f64) <= x_max {
            if (last - year) % step == 0 {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#1e2b3c">{year}</text>"##,
                    x_of(year as f64),
                    h - bottom + 20.0
                );
            }
            year += 1;
        }
        // Bands, then the targets on top of them.
        for (year, desired, acceptable) in &self.targets {
            let x = x_of(f64::from(*year));
            if let Some(a) = acceptable {
                let (y1, y2) = (y_of(*desired), y_of(*a));
                let _ = write!(
                    out,
                    r##"<rect x="{:.1}" y="{:.1}" width="16" height="{:.1}" fill="url(#{id}-hatch)" stroke="#0f7a3d"/>"##,
                    x - 8.0,
                    y1.min(y2),
                    (y1 - y2).abs().max(1.0)
                );
            }
        }
        if let Some((by, bv)) = self.baseline {
            let y = y_of(bv);
            let _ = write!(
                out,
                r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#8a5a00" stroke-width="2" stroke-dasharray="2 4"/>"##,
                w - right
            );
            if let Some((ty, tv, _)) = self.targets.iter().max_by_key(|t| t.0) {
                let _ = write!(
                    out,
                    r##"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{:.1}" stroke="#7a3ea1" stroke-width="2" stroke-dasharray="8 4"/>"##,
                    x_of(f64::from(by)),
                    x_of(f64::from(*ty)),
                    y_of(*tv)
                );
            }
        }
        for (year, desired, _) in &self.targets {
            let (x, y) = (x_of(f64::from(*year)), y_of(*desired));
            let _ = write!(
                out,
                r##"<path d="M{:.1} {y:.1} L{x:.1} {:.1} L{:.1} {y:.1} L{x:.1} {:.1} Z" fill="#0f7a3d" stroke="white"/>"##,
                x - 7.0,
                y - 7.0,
                x + 7.0,
                y + 7.0
            );
        }
        let mut path = String::new();
        for (i, (t, _, v)) in self.values.iter().enumerate() {
            let _ = write!(path, "{}{:.1} {:.1} ", if i == 0 { "M" } else { "L" }, x_of(*t), y_of(*v));
        }
        if !path.is_empty() {
            let _ = write!(out, r##"<path d="{}" fill="none" stroke="#0062ba" stroke-width="3"/>"##, path.trim_end());
        }
        for (t, _, v) in &self.values {
            marker(&mut out, 0, x_of(*t), y_of(*v), "#0062ba");
        }
        // Legend: two rows under the plot.
        let entries: [(&str, usize); 5] = [
            (&self.labels.observed, 0),
            (&self.labels.target, 1),
            (&self.labels.band, 2),
            (&self.labels.baseline, 3),
            (&self.labels.path, 4),
        ];
        for (k, (label, kind)) in entries.iter().enumerate() {
            if label.is_empty() {
                continue;
            }
            let (lx, ly) = (left + (k % 3) as f64 * 220.0, h + (k / 3) as f64 * 24.0 + 4.0);
            let _ = match kind {
                0 => {
                    let _ = write!(
                        out,
                        r##"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="#0062ba" stroke-width="3"/>"##,
                        lx + 28.0
                    );
                    marker(&mut out, 0, lx + 14.0, ly, "#0062ba");
                    Ok(())
                }
                1 => write!(
                    out,
                    r##"<path d="M{:.1} {ly:.1} L{:.1} {:.1} L{:.1} {ly:.1} L{:.1} {:.1} Z" fill="#0f7a3d"/>"##,
                    lx + 7.0,
                    lx + 14.0,
                    ly - 7.0,
                    lx + 21.0,
                    lx + 14.0,
                    ly + 7.0
                ),
                2 => write!(
                    out,
                    r##"<rect x="{:.1}" y="{:.1}" width="16" height="14" fill="url(#{id}-hatch)" stroke="#0f7a3d"/>"##,
                    lx + 6.0,
                    ly - 7.0
                ),
                3 => write!(
                    out,
                    r##"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="#8a5a00" stroke-width="2" stroke-dasharray="2 4"/>"##,
                    lx + 28.0
                ),
                _ => write!(
                    out,
                    r##"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="#7a3ea1" stroke-width="2" stroke-dasharray="8 4"/>"##,
                    lx + 28.0
                ),
            };
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#1e2b3c">{}</text>"##,
                lx + 36.0,
                ly + 4.0,
                xml_escape(label)
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> LineChart {
        LineChart {
            title: "Befolkning <Asker>".into(),
            description: "Asker & Bærum".into(),
            periods: vec!["2019".into(), "2020".into(), "2021".into()],
            series: vec![
                ChartSeries { label: "Asker".into(), values: vec![Some(61.0), Some(94.0), Some(95.0)], emphasis: true },
                ChartSeries { label: "Bærum".into(), values: vec![Some(127.0), None, Some(129.0)], emphasis: false },
            ],
            breaks: vec![(1, "Sammenslåing".into())],
            unit: "personer".into(),
        }
    }

    #[test]
    fn svg_escapes_text_and_names_itself() {
        let svg = chart().to_svg("c1");
        assert!(svg.contains("<title id=\"c1-title\">Befolkning &lt;Asker&gt;</title>"));
        assert!(svg.contains("Asker &amp; Bærum"));
        assert!(svg.contains(r#"aria-labelledby="c1-title c1-desc""#));
        assert!(!svg.contains("<Asker>"));
    }

    #[test]
    fn gaps_break_the_line_and_breaks_are_drawn() {
        let svg = chart().to_svg("c");
        // Bærum has no 2020 figure: its path restarts with a second M.
        let baerum = svg.split("<path d=\"").nth(2).unwrap();
        let d = baerum.split('"').next().unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(svg.contains("Sammenslåing"));
        assert!(svg.contains("stroke-dasharray=\"4 4\""));
        // Each series has its own marker shape: circles for the first, squares for the second.
        assert_eq!(svg.matches("<circle").count(), 3 + 1);
        assert_eq!(svg.matches("<rect").count(), 2 + 1);
    }

    #[test]
    fn ticks_and_numbers() {
        assert_eq!(nice_ticks(0.0, 97.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(3.0, 3.0, 5).first().copied(), Some(2.0));
        assert_eq!(format_number(97123.0, 0), "97\u{a0}123");
        assert_eq!(format_number(4.26, 1), "4,3");
        assert_eq!(format_number(-1.5, 1), "\u{2212}1,5");
        assert_eq!(format_number(-0.01, 1), "0");
    }

    #[test]
    fn indicator_chart_draws_band_baseline_and_path() {
        let c = IndicatorChart {
            title: "Utslipp <CO2>".into(),
            description: "Fra 100 i 2009".into(),
            unit: "%".into(),
            values: vec![(2015.0, "2015".into(), 80.0), (2020.0, "2020".into(), 57.0)],
            baseline: Some((2009, 100.0)),
            targets: vec![(2026, 45.0, Some(55.0)), (2030, 33.0, None)],
            labels: IndicatorLabels {
                observed: "Målt".into(),
                target: "Mål".into(),
                band: "Akseptabelt".into(),
                baseline: "Utgangsverdi".into(),
                path: "Bane".into(),
            },
        };
        let svg = c.to_svg("i1");
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"i1-title\">Utslipp &lt;CO2&gt;</title>"));
        assert!(svg.contains("<desc id=\"i1-desc\">Fra 100 i 2009</desc>"));
        // One band (2026 only; 2030 has no acceptable limit) plus its legend swatch.
        assert_eq!(svg.matches("url(#i1-hatch)").count(), 2);
        // The baseline (dotted) and the path to the last target (dashed).
        assert!(svg.contains(r#"stroke-dasharray="2 4""#));
        assert!(svg.contains(r#"stroke-dasharray="8 4""#));
        // Two observed points, each a circle, plus the legend's.
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(!svg.contains("NaN"));
        assert!(svg.contains(">2010<") && svg.contains(">2030<") && !svg.contains(">2029<"));
        let empty = IndicatorChart::default().to_svg("e");
        assert!(!empty.contains("NaN") && !empty.contains("inf"));
    }

    #[test]
    fn sparkline_handles_empty_and_flat() {
        assert!(sparkline(&[], "x").contains("aria-label=\"x\""));
        let s = sparkline(&[Some(2.0), Some(2.0)], "flat");
        assert!(s.contains("<path"));
        assert!(!s.contains("NaN"));
    }
}
