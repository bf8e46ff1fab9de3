//! The U4SSC KPI values: the table per year, the editor and the CSV.

use super::*;

// ---------------------------------------------------------------- KPI values

/// One KPI on the year page.
pub struct KpiLine {
    /// Code.
    pub code: String,
    /// Name in the user's language.
    pub name: String,
    /// Category.
    pub category: String,
    /// Unit.
    pub unit: String,
    /// This year's value as shown.
    pub value: String,
    /// Note and source.
    pub note: String,
    /// The latest earlier value as "2019: 12,5".
    pub previous: String,
    /// Change from the previous value, e.g. "+0,5".
    pub change: String,
}

pub(crate) fn kpi_name(kpi: &Kpi, tr: &Tr) -> String {
    tr.catalogue(&kpi.name_nb, &kpi.name_en).to_owned()
}

pub(crate) fn kpi_category(kpi: &Kpi, tr: &Tr) -> String {
    tr.catalogue(&kpi.category_nb, &kpi.category_en).to_owned()
}

/// A slug of the code for form field names and ids: `EC-ICT-ICT-1C`.
pub(crate) fn slug(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).map(|c| if c == ':' { '-' } else { c }).collect()
}

#[derive(Template)]
#[template(path = "u4ssc/kpi.html")]
pub(crate) struct KpiTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) groups: Vec<(String, Vec<KpiLine>)>,
    pub(crate) filled: usize,
    pub(crate) years: Vec<i64>,
    pub(crate) can_manage: bool,
}

pub(crate) async fn kpi_page(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let mut filled = 0;
    let groups = Dimension::ALL
        .iter()
        .map(|d| {
            let lines = kpis()
                .iter()
                .filter(|k| k.dimension == *d)
                .map(|k| {
                    let current = values.iter().find(|v| v.kpi_code == k.code && v.year == year);
                    let previous =
                        values.iter().filter(|v| v.kpi_code == k.code && v.year < year).max_by_key(|v| v.year);
                    if current.is_some() {
                        filled += 1;
                    }
                    let change = match (current, previous) {
                        (Some(c), Some(p)) => {
                            let d = c.value - p.value;
                            if d.abs() < 1e-9 {
                                ctx.tr.t("u4ssc-change-same")
                            } else if d > 0.0 {
                                format!("+{}", show(d))
                            } else {
                                show(d)
                            }
                        }
                        _ => String::new(),
                    };
                    let note = current
                        .map(|c| {
                            [c.note.clone(), c.source.clone().map(|s| ctx.tr.t1("u4ssc-kpi-source", "source", s))]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" · ")
                        })
                        .unwrap_or_default();
                    KpiLine {
                        code: k.code.clone(),
                        name: kpi_name(k, &ctx.tr),
                        category: kpi_category(k, &ctx.tr),
                        unit: k.unit.clone(),
                        value: current.map(|c| show(c.value)).unwrap_or_default(),
                        note,
                        previous: previous.map(|p| format!("{}: {}", p.year, show(p.value))).unwrap_or_default(),
                        change,
                    }
                })
                .collect();
            (ctx.tr.t(dimension_key(*d)), lines)
        })
        .collect();
    let mut years: Vec<i64> = values.iter().map(|v| v.year).collect();
    years.sort_unstable();
    years.dedup();
    let t = KpiTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-kpi-title", "year", year), "u4ssc"),
        year,
        groups,
        filled,
        years,
        can_manage: actor.can_manage_u4ssc(),
    };
    Ok(Html(t.render()?).into_response())
}

/// One row of the KPI form.
pub struct KpiFormRow {
    /// Field id suffix.
    pub slug: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Value as typed.
    pub value: String,
    /// Note as typed.
    pub note: String,
    /// Version the form was read at ("" when there was no value).
    pub version: String,
    /// Validation message.
    pub error: Option<String>,
    /// The stored value, shown after a stale save when it differs from the typed one.
    pub stored: Option<String>,
}

#[derive(Template)]
#[template(path = "u4ssc/kpi_edit.html")]
pub(crate) struct KpiEditTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) groups: Vec<(String, Vec<KpiFormRow>)>,
    pub(crate) source: String,
    pub(crate) conflict: bool,
    pub(crate) has_errors: bool,
}

pub(crate) fn year_values(values: &[KpiValue], year: i64) -> BTreeMap<&str, &KpiValue> {
    values.iter().filter(|v| v.year == year).map(|v| (v.kpi_code.as_str(), v)).collect()
}

pub(crate) fn kpi_edit_render(
    ctx: &Ctx,
    year: i64,
    rows: Vec<KpiFormRow>,
    source: String,
    conflict: bool,
) -> AppResult<String> {
    let has_errors = rows.iter().any(|r| r.error.is_some());
    let mut groups: Vec<(String, Vec<KpiFormRow>)> =
        Dimension::ALL.iter().map(|d| (ctx.tr.t(dimension_key(*d)), Vec::new())).collect();
    for row in rows {
        if let Some(kpi) = kpi_by_code(&row.code) {
            let i = Dimension::ALL.iter().position(|d| *d == kpi.dimension).unwrap_or(0);
            groups[i].1.push(row);
        }
    }
    let t = KpiEditTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-kpi-edit-title", "year", year), "u4ssc"),
        year,
        groups,
        source,
        conflict,
        has_errors,
    };
    Ok(t.render()?)
}

pub(crate) async fn kpi_edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let rows = kpis()
        .iter()
        .map(|k| {
            let v = current.get(k.code.as_str());
            KpiFormRow {
                slug: slug(&k.code),
                code: k.code.clone(),
                name: kpi_name(k, &ctx.tr),
                unit: k.unit.clone(),
                value: v.map(|v| typed(v.value)).unwrap_or_default(),
                note: v.and_then(|v| v.note.clone()).unwrap_or_default(),
                version: v.map(|v| v.version.to_string()).unwrap_or_default(),
                error: None,
                stored: None,
            }
        })
        .collect();
    Ok(Html(kpi_edit_render(&ctx, year, rows, String::new(), false)?).into_response())
}

/// Saves the year's KPI form: every value is checked first, then only the changed ones are written in
/// one transaction; a value someone else changed since the form was read gives 409.
pub(crate) async fn kpi_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let year = path_year(&year)?;
    let field =
        |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let source = field("source".into());
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    for k in kpis() {
        let s = slug(&k.code);
        let value = field(format!("value-{s}"));
        let note = field(format!("note-{s}"));
        let version = field(format!("version-{s}"));
        let mut error = None;
        let parsed = if value.is_empty() { Some(None) } else { parse_decimal(&value).map(Some) };
        if parsed.is_none() {
            error = Some(ctx.tr.t1("u4ssc-err-value", "value", &value));
        } else if note.chars().count() > NOTE_MAX {
            error = Some(ctx.tr.t1("u4ssc-err-note-long", "max", NOTE_MAX));
        }
        let expected_version = if version.is_empty() { None } else { Some(crate::forms::version(&version)?) };
        if let Some(new_value) = parsed {
            let note = (!note.is_empty()).then(|| note.clone());
            let old = current.get(k.code.as_str());
            let unchanged = match (old, new_value) {
                (None, None) => true,
                (Some(o), Some(v)) => o.value == v && o.note == note,
                _ => false,
            };
            if !unchanged {
                changes.push(KpiChange { code: k.code.clone(), value: new_value, note, expected_version });
            }
        }
        rows.push(KpiFormRow {
            slug: s,
            code: k.code.clone(),
            name: kpi_name(k, &ctx.tr),
            unit: k.unit.clone(),
            value,
            note,
            version,
            error,
            stored: None,
        });
    }
    if rows.iter().all(|r| r.error.is_none()) {
        let source = (!source.is_empty()).then_some(source.as_str());
        match state.db.u4ssc_kpi_save(&ctx.author()?, year, &changes, source).await {
            Ok(_) => return Ok(Redirect::to(&format!("/u4ssc/{year}/kpi")).into_response()),
            Err(StoreError::Conflict) => {
                // Show what is stored now beside what the user typed, and take the current versions.
                for row in &mut rows {
                    let stored = current.get(row.code.as_str());
                    row.version = stored.map(|v| v.version.to_string()).unwrap_or_default();
                    let stored_text = stored.map(|v| typed(v.value)).unwrap_or_default();
                    if stored_text != row.value {
                        row.stored =
                            Some(if stored_text.is_empty() { ctx.tr.t("u4ssc-kpi-none") } else { stored_text });
                    }
                }
                let body = kpi_edit_render(&ctx, year, rows, source.unwrap_or_default().to_owned(), true)?;
                return Ok((StatusCode::CONFLICT, Html(body)).into_response());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let body = kpi_edit_render(&ctx, year, rows, source, false)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// The year's values as CSV in the import format (`code;year;value;note`, decimal comma). The value is a
/// number cell, so a negative value stays a number; a note that could run as a formula gets a leading
/// `'` (see `rodtrad_export::Cell`), which an import of the file then keeps as part of the note.
pub(crate) async fn kpi_csv(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let rows: Vec<Vec<rodtrad_export::Cell>> = kpis()
        .iter()
        .filter_map(|k| {
            let v = current.get(k.code.as_str())?;
            // The import reads one line per value, so a note's line breaks become spaces.
            let note = v.note.clone().unwrap_or_default().replace(['\n', '\r'], " ");
            Some(vec![
                rodtrad_export::Cell::text(k.code.clone()),
                rodtrad_export::Cell::text(year.to_string()),
                rodtrad_export::Cell::decimal_comma(v.value),
                rodtrad_export::Cell::text(note),
            ])
        })
        .collect();
    let out = rodtrad_export::csv_table(&["code", "year", "value", "note"], &rows).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"u4ssc-kpi-{year}.csv\"")),
        ],
        out,
    )
        .into_response())
}
