//! The heat map for the hand-written SVG in `risk/heat_map.html`: one square per cell of the
//! matrix (likelihood upwards, consequence to the right) filled by the cell's band and holding the
//! number of risks in it, and the same numbers as a table. The band is also written in each
//! cell's `<title>` and in the table, so it never rests on colour alone. Only numbers and message
//! texts pass through here; the template escapes them.

use crate::i18n::Tr;
use rodtrad_domain::risk::{HeatMap, Matrix};

const CELL: u32 = 56;
const LEFT: u32 = 44;
const TOP: u32 = 8;
const BOTTOM: u32 = 44;

/// A cell of the drawing and of the table.
pub(crate) struct Cell {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) tx: u32,
    pub(crate) ty: u32,
    pub(crate) count: u32,
    pub(crate) band_code: &'static str,
    /// «Sannsynlighet 4, konsekvens 5 (skår 20, kritisk): 2 risikoer».
    pub(crate) title: String,
}

/// An axis label's position and text.
pub(crate) struct AxisLabel {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) text: String,
}

/// A cell of the table.
pub(crate) struct TableCell {
    pub(crate) count: u32,
    pub(crate) band_code: &'static str,
    pub(crate) band: String,
}

/// A row of the table: a likelihood level and its cells by consequence.
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) cells: Vec<TableCell>,
}

/// Everything the heat map's template needs.
pub(crate) struct HeatMapView {
    /// Prefix of the element ids (two maps on a page stay apart).
    pub(crate) id: &'static str,
    pub(crate) title: String,
    pub(crate) desc: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) cells: Vec<Cell>,
    pub(crate) rows_axis: Vec<AxisLabel>,
    pub(crate) cols_axis: Vec<AxisLabel>,
    pub(crate) x_title: AxisLabel,
    pub(crate) y_title: AxisLabel,
    /// Table rows, highest likelihood first.
    pub(crate) rows: Vec<Row>,
    /// Table column heads: consequence levels with their wording.
    pub(crate) cols: Vec<String>,
}

/// The heat map of `map` on `matrix`, titled `title`.
pub(crate) fn heat_map(tr: &Tr, id: &'static str, title: String, matrix: &Matrix, map: &HeatMap) -> HeatMapView {
    let (nl, nc) = (u32::from(map.likelihood_levels), u32::from(map.consequence_levels));
    let mut cells = Vec::new();
    let mut rows = Vec::new();
    for l in (1..=nl).rev() {
        let mut row = Row { label: format!("{l} – {}", word(&matrix.likelihood, l)), cells: Vec::new() };
        for c in 1..=nc {
            let (x, y) = (LEFT + (c - 1) * CELL, TOP + (nl - l) * CELL);
            let score = (l * c) as u16;
            let band = matrix.band(score);
            let count = map.count(l as u8, c as u8);
            let title = tr.rule(
                &rodtrad_domain::RuleError::new("risk-heat-cell")
                    .with("likelihood", l.to_string())
                    .with("consequence", c.to_string())
                    .with("score", score.to_string())
                    .with("band", tr.t(band.label_key()))
                    .with("count", count.to_string()),
            );
            row.cells.push(TableCell { count, band_code: band.code(), band: tr.t(band.label_key()) });
            cells.push(Cell { x, y, tx: x + CELL / 2, ty: y + CELL / 2, count, band_code: band.code(), title });
        }
        rows.push(row);
    }
    let total: u32 = map.counts.iter().sum();
    let desc = tr.rule(
        &rodtrad_domain::RuleError::new("risk-heat-desc")
            .with("total", total.to_string())
            .with("likelihood", nl.to_string())
            .with("consequence", nc.to_string()),
    );
    let height = TOP + nl * CELL + BOTTOM;
    HeatMapView {
        id,
        title,
        desc,
        width: LEFT + nc * CELL + 8,
        height,
        cells,
        rows_axis: (1..=nl)
            .map(|l| AxisLabel { x: LEFT - 10, y: TOP + (nl - l) * CELL + CELL / 2, text: l.to_string() })
            .collect(),
        cols_axis: (1..=nc)
            .map(|c| AxisLabel { x: LEFT + (c - 1) * CELL + CELL / 2, y: TOP + nl * CELL + 14, text: c.to_string() })
            .collect(),
        x_title: AxisLabel { x: LEFT + nc * CELL / 2, y: height - 8, text: tr.t("risk-consequence") },
        y_title: AxisLabel { x: 12, y: TOP + nl * CELL / 2, text: tr.t("risk-likelihood") },
        rows,
        cols: (1..=nc).map(|c| format!("{c} – {}", word(&matrix.consequence, c))).collect(),
    }
}

fn word(words: &[String], level: u32) -> &str {
    words.get(level as usize - 1).map_or("", String::as_str)
}
