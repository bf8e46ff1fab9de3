//! The economy settings of the municipality (management staff): the thresholds past which a
//! deviation is flagged, the import mapping (the accounting file's column names, each line's account
//! prefixes, each unit's responsibility codes) and new lines of the account structure. One version
//! guards the thresholds and the mapping together; a stale save is 409 with the typed values kept.

use super::*;
use rodtrad_domain::economy::{ColumnMapping, Thresholds, parse_prefixes};

/// A line of the account structure as the form shows it.
pub(crate) struct LineInput {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) prefixes: String,
}

/// A unit with its responsibility codes as the form shows it.
pub(crate) struct UnitCodes {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) depth: usize,
    pub(crate) codes: String,
}

#[derive(Template)]
#[template(path = "economy/settings.html")]
pub(crate) struct SettingsTemplate {
    pub(crate) p: Page,
    pub(crate) version: i64,
    pub(crate) percent: String,
    pub(crate) amount: String,
    pub(crate) columns: ColumnMapping,
    pub(crate) lines: Vec<LineInput>,
    pub(crate) units: Vec<UnitCodes>,
    pub(crate) new_code: String,
    pub(crate) new_name: String,
    pub(crate) new_prefixes: String,
    pub(crate) errors: FieldErrors,
    pub(crate) saved: bool,
}

fn manager(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_manage_economy() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

async fn render(state: &AppState, ctx: &Ctx) -> AppResult<SettingsTemplate> {
    let actor = manager(ctx)?;
    let mid = actor.municipality_id;
    let settings = state.db.economy_settings(mid).await?;
    let lines = state.db.economy_lines(mid).await?;
    let codes = state.db.economy_responsibilities(mid).await?;
    let tree = state.org_tree(mid).await?;
    let today = chrono::Utc::now().date_naive();
    let mut units = Vec::new();
    fn walk(
        tree: &OrgTree,
        parent: Option<i64>,
        depth: usize,
        today: chrono::NaiveDate,
        codes: &[(String, i64)],
        out: &mut Vec<UnitCodes>,
    ) {
        for id in tree.children(parent) {
            let Some(u) = tree.get(*id) else { continue };
            if !u.is_valid_on(today) {
                continue;
            }
            let mine: Vec<&str> = codes.iter().filter(|(_, unit)| unit == id).map(|(c, _)| c.as_str()).collect();
            out.push(UnitCodes { id: *id, name: u.name.clone(), depth, codes: mine.join(", ") });
            walk(tree, Some(*id), depth + 1, today, codes, out);
        }
    }
    walk(&tree, None, 0, today, &codes, &mut units);
    Ok(SettingsTemplate {
        p: ctx.page(ctx.tr.t("economy-settings-title"), "economy"),
        version: settings.version,
        percent: decimal(&ctx.tr, settings.thresholds.percent),
        amount: settings.thresholds.amount.to_string(),
        columns: settings.columns,
        lines: lines
            .into_iter()
            .map(|l| LineInput {
                id: l.id,
                code: l.code.clone(),
                name: l.name.clone(),
                prefixes: l.prefixes().join(", "),
            })
            .collect(),
        units,
        new_code: String::new(),
        new_name: String::new(),
        new_prefixes: String::new(),
        errors: FieldErrors::default(),
        saved: false,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// The settings page.
pub(crate) async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = render(&state, &ctx).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

use crate::forms::field;

/// Saves the thresholds: 422 with the values kept for a bad percent or amount, 409 when stale.
pub(crate) async fn thresholds_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let (percent, amount) = (field(&form, "percent").to_owned(), field(&form, "amount").to_owned());
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match (crate::forms::version(field(&form, "version")), Thresholds::parse(&percent, &amount)) {
        (Err(e), _) => errors.add("threshold_percent", ctx.tr.rule(&e)),
        (_, Err(e)) => errors
            .add(if e.field == Some("amount") { "threshold_amount" } else { "threshold_percent" }, ctx.tr.rule(&e)),
        (Ok(version), Ok(t)) => {
            match state.db.economy_settings_save(&ctx.author()?, version, &t, None).await.map_err(ServiceError::from) {
                Ok(_) => return Ok(Redirect::to("/economy/settings?saved=1").into_response()),
                Err(e) => {
                    let (s, message) = refusal(&ctx.tr, e)?;
                    status = s;
                    errors.add("threshold_percent", message);
                }
            }
        }
    }
    let _ = actor;
    let mut t = render(&state, &ctx).await?;
    t.percent = percent;
    t.amount = amount;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Saves the import mapping: the column names, every line's name and prefixes, every unit's
/// responsibility codes (a code given to two units is refused). 422 or 409 with the values kept.
pub(crate) async fn mapping_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let mid = actor.municipality_id;
    let lines = state.db.economy_lines(mid).await?;
    let tree = state.org_tree(mid).await?;
    let mut errors = FieldErrors::default();
    let columns = ColumnMapping::parse(
        field(&form, "responsibility"),
        field(&form, "account"),
        field(&form, "period"),
        field(&form, "amount"),
    );
    let typed_columns = ColumnMapping {
        responsibility: field(&form, "responsibility").to_owned(),
        account: field(&form, "account").to_owned(),
        period: field(&form, "period").to_owned(),
        amount: field(&form, "amount").to_owned(),
    };
    if let Err(e) = &columns {
        let id = match e.field {
            Some("account") => "col_account",
            Some("period") => "col_period",
            Some("amount") => "col_amount",
            _ => "col_responsibility",
        };
        errors.add(id, ctx.tr.rule(e));
    }
    let mut line_values = Vec::new();
    let mut typed_lines = Vec::new();
    for l in &lines {
        let name = field(&form, &format!("line_name_{}", l.id)).trim().to_owned();
        let prefixes = field(&form, &format!("line_prefixes_{}", l.id)).to_owned();
        match parse_prefixes(&prefixes) {
            Ok(p) if !name.is_empty() && name.chars().count() <= 200 => line_values.push((l.id, name.clone(), p)),
            Ok(_) if errors.get("lines").is_none() => errors.add("lines", ctx.tr.t("err-economy-line-name")),
            Err(e) if errors.get("lines").is_none() => errors.add("lines", ctx.tr.rule(&e)),
            _ => {}
        }
        typed_lines.push(LineInput { id: l.id, code: l.code.clone(), name, prefixes });
    }
    let mut unit_codes = Vec::new();
    let mut typed_codes: Vec<(i64, String)> = Vec::new();
    for (key, value) in &form {
        let Some(id) = key.strip_prefix("codes_").and_then(|i| i.parse::<i64>().ok()) else { continue };
        if tree.get(id).is_none() {
            return Err(AppError::NotFound);
        }
        typed_codes.push((id, value.clone()));
        match parse_prefixes(value) {
            Ok(c) if !c.is_empty() => unit_codes.push((id, c)),
            Ok(_) => {}
            Err(e) if errors.get("codes").is_none() => errors.add(
                "codes",
                ctx.tr.rule(
                    &rodtrad_domain::RuleError::new("err-economy-code")
                        .with("value", e.args.first().map(|a| a.1.clone()).unwrap_or_default()),
                ),
            ),
            Err(_) => {}
        }
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty()
        && let Ok(columns) = &columns
    {
        match crate::forms::version(field(&form, "version")) {
            Err(e) => errors.add("col_responsibility", ctx.tr.rule(&e)),
            Ok(version) => {
                let thresholds = state.db.economy_settings(mid).await?.thresholds;
                match state
                    .db
                    .economy_settings_save(
                        &ctx.author()?,
                        version,
                        &thresholds,
                        Some((columns, &line_values, &unit_codes)),
                    )
                    .await
                    .map_err(ServiceError::from)
                {
                    Ok(_) => return Ok(Redirect::to("/economy/settings?saved=1").into_response()),
                    Err(e) => {
                        let (s, message) = refusal(&ctx.tr, e)?;
                        status = s;
                        errors.add("codes", message);
                    }
                }
            }
        }
    }
    let mut t = render(&state, &ctx).await?;
    t.columns = typed_columns;
    t.lines = typed_lines;
    for u in t.units.iter_mut() {
        if let Some((_, v)) = typed_codes.iter().find(|(id, _)| *id == u.id) {
            u.codes = v.clone();
        }
    }
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Adds a line to the account structure: a code of letters, digits, `-` or `_`, a name, prefixes.
pub(crate) async fn line_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    manager(&ctx)?;
    let (code, name, prefixes) = (
        field(&form, "code").trim().to_owned(),
        field(&form, "name").trim().to_owned(),
        field(&form, "prefixes").to_owned(),
    );
    let mut errors = FieldErrors::default();
    let code_ok =
        !code.is_empty() && code.len() <= 40 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        errors.add("new_code", ctx.tr.t("err-economy-line-code"));
    }
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("new_name", ctx.tr.t("err-economy-line-name"));
    }
    let parsed = parse_prefixes(&prefixes);
    if let Err(e) = &parsed {
        errors.add("new_prefixes", ctx.tr.rule(e));
    }
    if errors.is_empty()
        && let Ok(p) = parsed
    {
        match state.db.economy_line_add(&ctx.author()?, &code, &name, &p).await.map_err(ServiceError::from) {
            Ok(_) => return Ok(Redirect::to("/economy/settings?saved=1").into_response()),
            Err(e) => errors.add("new_code", refusal(&ctx.tr, e)?.1),
        }
    }
    let mut t = render(&state, &ctx).await?;
    t.new_code = code;
    t.new_name = name;
    t.new_prefixes = prefixes;
    t.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}
