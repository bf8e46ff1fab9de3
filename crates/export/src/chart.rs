//! Hand-written SVG charts: a line chart comparing series over periods, and a sparkline. Every
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
    fn sparkline_handles_empty_and_flat() {
        assert!(sparkline(&[], "x").contains("aria-label=\"x\""));
        let s = sparkline(&[Some(2.0), Some(2.0)], "flat");
        assert!(s.contains("<path"));
        assert!(!s.contains("NaN"));
    }
}
