//! Economy follow-up use cases and read model: the roll-up of budget, actuals to date and forecast
//! to every unit of the tree through `domain::economy::roll_up` (once for the total and once per
//! line), the forecast (authorised, checked, saved with its version and audit row, and for an
//! overrun past the thresholds the management dialogue between the unit's leader and the one above,
//! in the same transaction), budgets, settings, and the import of actuals (parsed whole before
//! anything is stored, staged, confirmed).

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::economy::{
    CodeMaps, ColumnMapping, Decimal, Figures, ParsedActuals, RowProblem, Thresholds, UnitFigures, forecast_comment,
    roll_up,
};
use rodtrad_domain::followup::Hierarchy;
use rodtrad_store::economy::{Forecast, Line, NewForecast, SavedForecast, Settings};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db};
use std::collections::HashMap;

/// The economy of the whole tree for a year, as of the end of a month.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The year.
    pub year: i32,
    /// Actuals and forecasts count up to and including this month.
    pub month: u32,
    /// The account structure.
    pub lines: Vec<Line>,
    /// The thresholds.
    pub thresholds: Thresholds,
    hierarchy: Hierarchy,
    totals: Vec<Figures>,
    by_line: Vec<Vec<Figures>>,
    /// Each unit's latest forecast as of the month.
    pub forecasts: HashMap<i64, Forecast>,
    /// Units with a budget or actuals of their own.
    pub with_figures: Vec<i64>,
}

impl Overview {
    /// The figures of a unit and everything below it, all lines (zero for an unknown unit).
    pub fn of(&self, unit: i64) -> Figures {
        self.hierarchy.index(unit).map(|i| self.totals[i as usize]).unwrap_or_default()
    }

    /// The figures of one line (by its position in `lines`) of a unit and everything below it.
    pub fn line_of(&self, unit: i64, line: usize) -> Figures {
        self.hierarchy.index(unit).and_then(|i| self.by_line.get(line).map(|v| v[i as usize])).unwrap_or_default()
    }

    /// Whether the unit or one below it has figures.
    pub fn has_figures(&self, unit: i64) -> bool {
        let f = self.of(unit);
        !(f.budget.is_zero() && f.actual.is_zero() && f.forecast.is_zero())
    }
}

/// Loads the year and rolls it up the whole tree as of the end of `month`: actuals of the months up
/// to it, each unit's latest forecast given in or before it.
pub async fn overview(
    db: &Db,
    tree: &OrgTree,
    municipality_id: i64,
    year: i32,
    month: u32,
) -> Result<Overview, ServiceError> {
    let lines = db.economy_lines(municipality_id).await?;
    let settings = db.economy_settings(municipality_id).await?;
    let data = db.economy_year(municipality_id, year).await?;
    let units: Vec<(i64, Option<i64>)> = tree.units().iter().map(|u| (u.id, u.parent_id)).collect();
    let hierarchy = Hierarchy::new(&units);
    let mut forecasts: HashMap<i64, Forecast> = HashMap::new();
    for f in data.forecasts.into_iter().filter(|f| f.month <= i64::from(month)) {
        forecasts.insert(f.unit_id, f);
    }
    let line_index: HashMap<i64, usize> = lines.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    // Per unit and line: budget, actual to date.
    let mut own: HashMap<(i64, usize), (Decimal, Decimal)> = HashMap::new();
    for (unit, line, amount) in &data.budgets {
        if let Some(&l) = line_index.get(line) {
            own.entry((*unit, l)).or_default().0 += *amount;
        }
    }
    for (unit, line, m, amount) in &data.actuals {
        if *m <= i64::from(month)
            && let Some(&l) = line_index.get(line)
        {
            own.entry((*unit, l)).or_default().1 += *amount;
        }
    }
    for (unit, f) in &forecasts {
        for (line, _) in &f.amounts {
            if let Some(&l) = line_index.get(line) {
                own.entry((*unit, l)).or_default();
            }
        }
    }
    let mut with_figures: Vec<i64> = own.keys().map(|(u, _)| *u).collect();
    with_figures.sort_unstable();
    with_figures.dedup();
    let mut per_line: Vec<Vec<UnitFigures>> = vec![Vec::new(); lines.len()];
    let mut total: HashMap<i64, UnitFigures> = HashMap::new();
    for ((unit, l), (budget, actual)) in &own {
        let Some(ix) = hierarchy.index(*unit) else { continue };
        let forecast = forecasts.get(unit).map(|f| {
            f.amounts.iter().find(|(line, _)| *line == lines[*l].id).map(|(_, a)| *a).unwrap_or(Decimal::ZERO)
        });
        per_line[*l].push(UnitFigures { unit: ix, budget: *budget, actual: *actual, forecast });
        let t = total.entry(*unit).or_insert(UnitFigures {
            unit: ix,
            budget: Decimal::ZERO,
            actual: Decimal::ZERO,
            forecast: forecasts.get(unit).map(|_| Decimal::ZERO),
        });
        t.budget += *budget;
        t.actual += *actual;
        if let (Some(tf), Some(f)) = (t.forecast.as_mut(), forecast) {
            *tf += f;
        }
    }
    let totals_in: Vec<UnitFigures> = total.into_values().collect();
    let totals = roll_up(&hierarchy, &totals_in);
    let by_line = per_line.iter().map(|entries| roll_up(&hierarchy, entries)).collect();
    Ok(Overview {
        year,
        month,
        lines,
        thresholds: settings.thresholds,
        hierarchy,
        totals,
        by_line,
        forecasts,
        with_figures,
    })
}

/// A forecast as the leader typed it, parsed.
#[derive(Debug, Clone)]
pub struct ForecastInput {
    /// Year.
    pub year: i32,
    /// Month given (1–12).
    pub month: u32,
    /// Amount per line id.
    pub amounts: Vec<(i64, Decimal)>,
    /// Comment.
    pub comment: String,
    /// The version the leader saw (0 for the month's first).
    pub base_version: i64,
}

/// Saves a unit's forecast: refused (403) for whoever may not forecast for the unit, the comment's
/// rule, then one store transaction with the version check and the audit row. A forecast whose
/// total is past the thresholds above the unit's budget opens a management dialogue between the
/// unit's leader and the leader above, once per unit and month and not while one is open.
pub async fn save_forecast(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    input: ForecastInput,
) -> Result<SavedForecast, ServiceError> {
    let unit = tree.get(unit_id).ok_or(ServiceError::Store(rodtrad_store::StoreError::NotFound))?;
    if !actor.can_forecast(&tree.ancestry(unit_id)) {
        return Err(ServiceError::Forbidden);
    }
    let comment = forecast_comment(&input.comment).map_err(ServiceError::Rule)?;
    let budget = db.economy_budget(actor.municipality_id, unit_id, input.year).await?;
    let settings = db.economy_settings(actor.municipality_id).await?;
    let budget_total: Decimal = budget.amounts.iter().map(|(_, a)| *a).sum();
    let forecast_total: Decimal = input.amounts.iter().map(|(_, a)| *a).sum();
    let deviation = rodtrad_domain::economy::deviation(budget_total, forecast_total, &settings.thresholds);
    let dialogue = deviation.is_flagged_overrun().then_some((unit_id, unit.parent_id));
    let new = NewForecast {
        unit_id,
        year: input.year,
        month: input.month,
        base_version: input.base_version,
        comment,
        amounts: input.amounts,
        dialogue,
    };
    Ok(db.economy_forecast_save(author, &new).await?)
}

/// Saves a unit's budget for a year: the economy staff only.
pub async fn save_budget(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    year: i32,
    expected_version: i64,
    amounts: &[(i64, Decimal)],
) -> Result<i64, ServiceError> {
    if !actor.can_manage_economy() {
        return Err(ServiceError::Forbidden);
    }
    tree.get(unit_id).ok_or(ServiceError::Store(rodtrad_store::StoreError::NotFound))?;
    Ok(db.economy_budget_save(author, unit_id, year, expected_version, amounts).await?)
}

/// The code maps of the import from the stored mapping.
pub async fn code_maps(db: &Db, municipality_id: i64) -> Result<(Settings, CodeMaps), ServiceError> {
    let settings = db.economy_settings(municipality_id).await?;
    let lines = db.economy_lines(municipality_id).await?;
    let mut maps = CodeMaps::default();
    for (code, unit) in db.economy_responsibilities(municipality_id).await? {
        maps.units.insert(code, unit);
    }
    for l in &lines {
        for p in l.prefixes() {
            maps.accounts.push((p, l.id));
        }
    }
    Ok((settings, maps))
}

/// An accounting file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// CSV (UTF-8 with or without BOM, or Windows-1252).
    Csv,
    /// XLSX, first worksheet.
    Xlsx,
}

impl FileKind {
    /// By the file's name, then its first bytes (a zip is XLSX).
    pub fn detect(name: &str, bytes: &[u8]) -> FileKind {
        if name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        }
    }
}

/// Parses an accounting file with the municipality's mapping: the sums, or every bad row.
pub fn parse_file(
    kind: FileKind,
    bytes: Vec<u8>,
    columns: &ColumnMapping,
    maps: &CodeMaps,
) -> Result<ParsedActuals, Vec<RowProblem>> {
    match kind {
        FileKind::Csv => rodtrad_domain::economy::parse_actuals_csv(bytes, columns, maps),
        FileKind::Xlsx => match rodtrad_export::xlsx_rows(&bytes) {
            Ok(rows) => rodtrad_domain::economy::parse_actuals(
                rows.into_iter().map(|(n, fields)| (n, Ok(fields))).collect(),
                columns,
                maps,
            ),
            Err(_) => Err(vec![RowProblem { row: 0, problem: rodtrad_domain::economy::ImportProblem::NotWorkbook }]),
        },
    }
}

/// Parses an uploaded file and, when the whole file is valid, stages it: `Ok(Ok(import id))`, or
/// `Ok(Err(problems))` with nothing stored. The economy staff only.
pub async fn stage_import(
    db: &Db,
    (actor, author): (&Actor, &Author),
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Result<(i64, ParsedActuals), Vec<RowProblem>>, ServiceError> {
    if !actor.can_manage_economy() {
        return Err(ServiceError::Forbidden);
    }
    let (settings, maps) = code_maps(db, actor.municipality_id).await?;
    let kind = FileKind::detect(file_name, &bytes);
    match parse_file(kind, bytes, &settings.columns, &maps) {
        Ok(parsed) => {
            let id = db.economy_import_stage(author, file_name, &parsed).await?;
            Ok(Ok((id, parsed)))
        }
        Err(problems) => Ok(Err(problems)),
    }
}

/// Confirms a staged import: its actuals replace those of the months it covers.
pub async fn confirm_import(db: &Db, (actor, author): (&Actor, &Author), id: i64) -> Result<usize, ServiceError> {
    if !actor.can_manage_economy() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.economy_import_confirm(author, id).await?)
}
