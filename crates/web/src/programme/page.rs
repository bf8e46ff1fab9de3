//! The programme pages: the list with the form that starts a programme, a programme's page with its
//! frames, investments, efficiency target and fiscal rules, each section's form for the staff, and
//! each table as CSV or XLSX (`?table=frames|investments|efficiency|rules`).

use super::*;
use crate::org::Choice;
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::programme::{Comparison, FiscalRule, KeyFiguresInput, Measure, parse_name, parse_optional_amount};
use rodtrad_service::programme::View;
use rodtrad_store::programme::{Change, Efficiency, Frame, Investment};

/// A programme as listed.
pub(crate) struct ListRow {
    pub(crate) first_year: i32,
    pub(crate) last_year: i32,
    pub(crate) title: String,
    pub(crate) decision: String,
}

#[derive(Template)]
#[template(path = "programme/list.html")]
pub(crate) struct ListTemplate {
    pub(crate) p: Page,
    pub(crate) rows: Vec<ListRow>,
    pub(crate) manages: bool,
    pub(crate) first_year: String,
    pub(crate) title: String,
    pub(crate) errors: FieldErrors,
}

fn decision_text(tr: &Tr, body: &str, case: &str, on: Option<chrono::NaiveDate>) -> String {
    if body.is_empty() && case.is_empty() && on.is_none() {
        return String::new();
    }
    let mut parts: Vec<String> = [body, case].iter().filter(|s| !s.is_empty()).map(|s| (*s).to_owned()).collect();
    if let Some(d) = on {
        parts.push(tr.date(d));
    }
    parts.join(", ")
}

async fn list(state: &AppState, ctx: &Ctx) -> AppResult<ListTemplate> {
    let actor = ctx.actor()?;
    let rows = state
        .db
        .programmes(actor.municipality_id)
        .await?
        .into_iter()
        .map(|h| ListRow {
            first_year: h.first_year,
            last_year: h.first_year + rodtrad_domain::programme::YEARS - 1,
            decision: decision_text(&ctx.tr, &h.decision_body, &h.decision_case, h.decided_on),
            title: h.title,
        })
        .collect();
    Ok(ListTemplate {
        p: ctx.page(ctx.tr.t("programme-list-title"), "programme"),
        rows,
        manages: actor.can_manage_programme(),
        first_year: String::new(),
        title: String::new(),
        errors: FieldErrors::default(),
    })
}

/// The list of the municipality's programmes.
pub(crate) async fn list_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(list(&state, &ctx).await?.render()?).into_response())
}

use crate::forms::field;

/// Starts a programme: a first year and a title; 422 with the values kept, a taken year included.
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_programme() {
        return Err(AppError::Forbidden);
    }
    let (year, title) = (field(&form, "first_year").to_owned(), field(&form, "title").to_owned());
    let mut errors = FieldErrors::default();
    let parsed_year = rodtrad_domain::programme::parse_first_year(&year);
    if let Err(e) = &parsed_year {
        errors.add("first_year", ctx.tr.rule(e));
    }
    let parsed_title = parse_name(&title, "title");
    if let Err(e) = &parsed_title {
        errors.add("title", ctx.tr.rule(e));
    }
    if let (Ok(y), Ok(t)) = (parsed_year, parsed_title) {
        match service::create(&state.db, (actor, &ctx.author()?), y, &t).await {
            Ok(_) => return Ok(Redirect::to(&format!("/economy/programme/{y}")).into_response()),
            Err(e) => errors.add("first_year", refusal(&ctx.tr, e)?.1),
        }
    }
    let mut t = list(&state, &ctx).await?;
    t.first_year = year;
    t.title = title;
    t.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// A text input of a grid form: its name, the label a screen reader hears, the typed value.
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) value: String,
}

/// A row of amounts per year with its total.
pub(crate) struct AmountRow {
    pub(crate) name: String,
    pub(crate) cells: Vec<String>,
    pub(crate) total: String,
}

/// A row of a grid form: the row's name and its inputs, one per year.
pub(crate) struct InputRow {
    pub(crate) name: String,
    pub(crate) inputs: Vec<Input>,
}

/// An investment project as listed.
pub(crate) struct InvestmentView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) category: String,
    pub(crate) unit: String,
    pub(crate) cells: Vec<String>,
    pub(crate) total: String,
}

/// A year of the efficiency target (or the whole period).
pub(crate) struct ProgressView {
    pub(crate) label: String,
    pub(crate) target: String,
    pub(crate) realised: String,
    pub(crate) remaining: String,
    pub(crate) percent: String,
}

/// A service area's efficiency target and realisation in a year.
pub(crate) struct EfficiencyView {
    pub(crate) area: String,
    pub(crate) year: i32,
    pub(crate) target: String,
    pub(crate) realised: String,
    pub(crate) comment: String,
}

/// The efficiency form's inputs for a service area in a year.
pub(crate) struct EfficiencyInput {
    pub(crate) area: String,
    pub(crate) year: i32,
    pub(crate) target: Input,
    pub(crate) realised: Input,
    pub(crate) comment: Input,
}

/// A fiscal rule with its result per year.
pub(crate) struct RuleView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) requirement: String,
    pub(crate) cells: Vec<ResultCell>,
}

/// A year's key figures as shown and typed.
pub(crate) struct FiguresView {
    pub(crate) year: i32,
    pub(crate) income: Input,
    pub(crate) result: Input,
    pub(crate) debt: Input,
    pub(crate) fund: Input,
}

#[derive(Template)]
#[template(path = "programme/page.html")]
pub(crate) struct ProgrammeTemplate {
    pub(crate) p: Page,
    pub(crate) first_year: i32,
    pub(crate) years: Vec<i32>,
    pub(crate) decision: String,
    pub(crate) manages: bool,
    pub(crate) version: i64,
    pub(crate) saved: bool,
    pub(crate) errors: FieldErrors,
    // Title, decision and efficiency target.
    pub(crate) title: String,
    pub(crate) decision_body: String,
    pub(crate) decision_case: String,
    pub(crate) decided_on: String,
    pub(crate) efficiency_target: String,
    // Frames.
    pub(crate) frames: Vec<AmountRow>,
    pub(crate) frames_total: AmountRow,
    pub(crate) frame_inputs: Vec<InputRow>,
    // Investments.
    pub(crate) investments: Vec<InvestmentView>,
    pub(crate) investments_total: AmountRow,
    pub(crate) units: Vec<Choice>,
    pub(crate) inv_name: String,
    pub(crate) inv_category: String,
    pub(crate) inv_unit: String,
    pub(crate) inv_amounts: Vec<Input>,
    // Efficiency.
    pub(crate) efficiency_total: ProgressView,
    pub(crate) efficiency_years: Vec<ProgressView>,
    pub(crate) efficiency_rows: Vec<EfficiencyView>,
    pub(crate) efficiency_inputs: Vec<EfficiencyInput>,
    // Fiscal rules.
    pub(crate) rules: Vec<RuleView>,
    pub(crate) figures: Vec<FiguresView>,
    pub(crate) measures: Vec<Choice>,
    pub(crate) comparisons: Vec<Choice>,
    pub(crate) rule_name: String,
    pub(crate) measure: String,
    pub(crate) comparison: String,
    pub(crate) threshold: String,
}

impl ProgrammeTemplate {
    /// Every grid input, so a refused save can show the typed values again.
    fn inputs_mut(&mut self) -> impl Iterator<Item = &mut Input> {
        self.frame_inputs
            .iter_mut()
            .flat_map(|r| r.inputs.iter_mut())
            .chain(self.inv_amounts.iter_mut())
            .chain(self.efficiency_inputs.iter_mut().flat_map(|e| [&mut e.target, &mut e.realised, &mut e.comment]))
            .chain(self.figures.iter_mut().flat_map(|f| [&mut f.income, &mut f.result, &mut f.debt, &mut f.fund]))
    }

    /// Puts the typed values of `form` back into the inputs it names.
    fn keep(&mut self, form: &[(String, String)]) {
        for input in self.inputs_mut() {
            if let Some((_, v)) = form.iter().find(|(k, _)| *k == input.name) {
                input.value = v.clone();
            }
        }
    }
}

/// The service areas the frames and the efficiency target are split by: the valid ones in tree
/// order, and any other unit the programme already names.
fn areas(tree: &rodtrad_store::org::OrgTree, named: &[i64]) -> Vec<(i64, String)> {
    let today = chrono::Utc::now().date_naive();
    let mut out: Vec<(i64, String)> = Vec::new();
    fn walk(
        tree: &rodtrad_store::org::OrgTree,
        parent: Option<i64>,
        today: chrono::NaiveDate,
        out: &mut Vec<(i64, String)>,
    ) {
        for id in tree.children(parent) {
            let Some(u) = tree.get(*id) else { continue };
            if u.kind == OrgUnitKind::ServiceArea && u.is_valid_on(today) {
                out.push((*id, u.name.clone()));
            }
            if matches!(u.kind, OrgUnitKind::Municipality) {
                walk(tree, Some(*id), today, out);
            }
        }
    }
    walk(tree, None, today, &mut out);
    for id in named {
        if !out.iter().any(|(a, _)| a == id)
            && let Some(u) = tree.get(*id)
        {
            out.push((*id, u.name.clone()));
        }
    }
    out
}

async fn load(state: &AppState, ctx: &Ctx, first_year: i32) -> AppResult<View> {
    service::view(&state.db, ctx.actor()?, first_year).await?.ok_or(AppError::NotFound)
}

fn amount_text(a: Option<Decimal>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

async fn render(state: &AppState, ctx: &Ctx, first_year: i32) -> AppResult<ProgrammeTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let view = load(state, ctx, first_year).await?;
    let pr = &view.programme;
    let years = pr.head.years();
    let tree = state.org_tree(actor.municipality_id).await?;
    let named: Vec<i64> = pr.frames.iter().map(|f| f.unit_id).chain(pr.efficiency.iter().map(|e| e.unit_id)).collect();
    let areas = areas(&tree, &named);
    let unit_name = |id: i64| tree.name(id);

    let frame = |unit: i64, year: i32| pr.frames.iter().find(|f| f.unit_id == unit && f.year == year).map(|f| f.amount);
    let frames: Vec<AmountRow> = areas
        .iter()
        .filter(|(id, _)| pr.frames.iter().any(|f| f.unit_id == *id))
        .map(|(id, name)| AmountRow {
            name: name.clone(),
            cells: years.iter().map(|y| frame(*id, *y).map(money).unwrap_or_default()).collect(),
            total: money(years.iter().filter_map(|y| frame(*id, *y)).sum()),
        })
        .collect();
    let year_sum = |y: i32| pr.frames.iter().filter(|f| f.year == y).map(|f| f.amount).sum::<Decimal>();
    let frames_total = AmountRow {
        name: tr.t("programme-total"),
        cells: years.iter().map(|y| money(year_sum(*y))).collect(),
        total: money(pr.frames.iter().map(|f| f.amount).sum()),
    };
    let frame_inputs = areas
        .iter()
        .map(|(id, name)| InputRow {
            name: name.clone(),
            inputs: years
                .iter()
                .map(|y| Input {
                    name: format!("frame_{id}_{y}"),
                    label: format!("{name}, {y}"),
                    value: amount_text(frame(*id, *y)),
                })
                .collect(),
        })
        .collect();

    let investments = pr
        .investments
        .iter()
        .map(|i| InvestmentView {
            id: i.id,
            name: i.name.clone(),
            category: i.category.clone(),
            unit: i.unit_id.map(unit_name).unwrap_or_default(),
            cells: years.iter().map(|y| money(i.amount(*y))).collect(),
            total: money(i.total()),
        })
        .collect();
    let investments_total = AmountRow {
        name: tr.t("programme-total"),
        cells: years.iter().map(|y| money(pr.investments.iter().map(|i| i.amount(*y)).sum())).collect(),
        total: money(pr.investments.iter().map(Investment::total).sum()),
    };
    let today = chrono::Utc::now().date_naive();
    let mut units: Vec<Choice> = tree
        .units()
        .iter()
        .filter(|u| u.is_valid_on(today) && u.kind != OrgUnitKind::Municipality)
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));

    let progress_view = |label: String, p: &rodtrad_domain::programme::Progress| ProgressView {
        label,
        target: money(p.target),
        realised: money(p.realised),
        remaining: money(p.remaining),
        percent: p.percent.map(|v| percent(tr, v)).unwrap_or_else(|| "–".into()),
    };
    let efficiency_total = progress_view(tr.t("programme-period"), &view.efficiency);
    let efficiency_years = view.efficiency_years.iter().map(|(y, p)| progress_view(y.to_string(), p)).collect();
    let cell = |unit: i64, year: i32| pr.efficiency.iter().find(|e| e.unit_id == unit && e.year == year);
    let efficiency_rows = areas
        .iter()
        .flat_map(|(id, name)| {
            years.iter().filter_map(move |y| {
                cell(*id, *y).map(|e| EfficiencyView {
                    area: name.clone(),
                    year: *y,
                    target: money(e.target),
                    realised: e.realised.map(money).unwrap_or_else(|| "–".into()),
                    comment: e.comment.clone(),
                })
            })
        })
        .collect();
    let efficiency_inputs = areas
        .iter()
        .flat_map(|(id, name)| {
            years.iter().map(move |y| {
                let e = cell(*id, *y);
                EfficiencyInput {
                    area: name.clone(),
                    year: *y,
                    target: Input {
                        name: format!("target_{id}_{y}"),
                        label: format!("{name}, {y}: {}", tr.t("programme-col-target")),
                        value: amount_text(e.map(|e| e.target)),
                    },
                    realised: Input {
                        name: format!("realised_{id}_{y}"),
                        label: format!("{name}, {y}: {}", tr.t("programme-col-realised")),
                        value: amount_text(e.and_then(|e| e.realised)),
                    },
                    comment: Input {
                        name: format!("comment_{id}_{y}"),
                        label: format!("{name}, {y}: {}", tr.t("programme-col-comment")),
                        value: e.map(|e| e.comment.clone()).unwrap_or_default(),
                    },
                }
            })
        })
        .collect();

    let rules = pr
        .rules
        .iter()
        .zip(&view.results)
        .map(|(r, results)| RuleView {
            id: r.id,
            name: r.rule.name.clone(),
            requirement: requirement(tr, &r.rule),
            cells: results.iter().map(|res| ResultCell::of(tr, res)).collect(),
        })
        .collect();
    let figures = years
        .iter()
        .map(|y| {
            let k = pr.key_figures.iter().find(|k| k.year == *y);
            let input = |key: &str, label: &str, v: Option<Decimal>| Input {
                name: format!("{key}_{y}"),
                label: format!("{}, {y}", tr.t(label)),
                value: amount_text(v),
            };
            FiguresView {
                year: *y,
                income: input("income", "programme-col-income", k.map(|k| k.operating_income)),
                result: input("result", "programme-col-result", k.map(|k| k.net_operating_result)),
                debt: input("debt", "programme-col-debt", k.map(|k| k.net_debt)),
                fund: input("fund", "programme-col-fund", k.map(|k| k.disposition_fund)),
            }
        })
        .collect();
    let h = &pr.head;
    Ok(ProgrammeTemplate {
        p: ctx.page(format!("{} {}–{}", h.title, h.first_year, h.first_year + 3), "programme"),
        first_year,
        decision: decision_text(tr, &h.decision_body, &h.decision_case, h.decided_on),
        manages: actor.can_manage_programme(),
        version: h.version,
        saved: false,
        errors: FieldErrors::default(),
        title: h.title.clone(),
        decision_body: h.decision_body.clone(),
        decision_case: h.decision_case.clone(),
        decided_on: h.decided_on.map(|d| d.to_string()).unwrap_or_default(),
        efficiency_target: amount_text(h.efficiency_target),
        frames,
        frames_total,
        frame_inputs,
        investments,
        investments_total,
        units,
        inv_name: String::new(),
        inv_category: String::new(),
        inv_unit: String::new(),
        inv_amounts: years
            .iter()
            .map(|y| Input { name: format!("amount_{y}"), label: y.to_string(), value: String::new() })
            .collect(),
        efficiency_total,
        efficiency_years,
        efficiency_rows,
        efficiency_inputs,
        rules,
        figures,
        measures: Measure::ALL
            .iter()
            .map(|m| Choice { value: m.as_code().into(), label: tr.t(measure_key(*m)) })
            .collect(),
        comparisons: Comparison::ALL
            .iter()
            .map(|c| Choice { value: c.as_code().into(), label: tr.t(comparison_key(*c)) })
            .collect(),
        rule_name: String::new(),
        measure: String::new(),
        comparison: String::new(),
        threshold: String::new(),
        years,
    })
}

/// A rule's requirement in words: "Netto driftsresultat ≥ 1,75 % av driftsinntektene".
fn requirement(tr: &Tr, r: &FiscalRule) -> String {
    tr.rule(
        &rodtrad_domain::RuleError::new("programme-requirement")
            .with("measure", tr.t(measure_key(r.measure)))
            .with("sign", r.comparison.sign())
            .with("threshold", decimal(tr, r.threshold)),
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// A programme's page.
pub(crate) async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = render(&state, &ctx, path_year(&first_year)?).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// What a form handler made of its input: a change to save, or the messages to show.
type Parsed = Result<Change, FieldErrors>;

/// The common path of every programme form: the staff only, a programme that exists, the version,
/// the parsed change saved; on a refusal the page again with the typed values, 422 or 409.
async fn save_form(
    state: &AppState,
    ctx: &Ctx,
    first_year: &str,
    form: &[(String, String)],
    parse: impl FnOnce(&ProgrammeTemplate) -> Parsed,
    anchor: &'static str,
    restore: impl FnOnce(&mut ProgrammeTemplate),
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_programme() {
        return Err(AppError::Forbidden);
    }
    let year = path_year(first_year)?;
    let mut t = render(state, ctx, year).await?;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let errors = match (crate::forms::version(field(form, "version")), parse(&t)) {
        (Err(e), _) => {
            let mut errors = FieldErrors::default();
            errors.add(anchor, ctx.tr.rule(&e));
            errors
        }
        (_, Err(errors)) => errors,
        (Ok(version), Ok(change)) => {
            match service::save(&state.db, (actor, &ctx.author()?), year, version, &change).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/economy/programme/{year}?saved=1#{anchor}")).into_response());
                }
                Err(e) => {
                    let (s, message) = refusal(&ctx.tr, e)?;
                    status = s;
                    let mut errors = FieldErrors::default();
                    errors.add(anchor, message);
                    errors
                }
            }
        }
    };
    t.keep(form);
    restore(&mut t);
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// The numeric suffixes of a grid input's name: `frame_12_2027` → (12, 2027).
fn grid_key(name: &str, prefix: &str) -> Option<(i64, i32)> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('_')?;
    let (unit, year) = rest.split_once('_')?;
    Some((unit.parse().ok()?, year.parse().ok()?))
}

/// Saves the title, the adoption decision and the efficiency target of the period.
pub(crate) async fn head_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let typed = |n: &str| field(&form, n).to_owned();
    let parse = |_: &ProgrammeTemplate| -> Parsed {
        let mut errors = FieldErrors::default();
        let title = parse_name(field(&form, "title"), "title").map_err(|e| errors.add("title", tr.rule(&e)));
        let decided_on = match field(&form, "decided_on").trim() {
            "" => Ok(None),
            d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| errors.add("decided_on", tr.t("err-programme-date"))),
        };
        let target = parse_optional_amount(field(&form, "efficiency_target"), "efficiency_target")
            .map_err(|e| errors.add("efficiency_target", tr.rule(&e)));
        let text = |n: &str| field(&form, n).trim().chars().take(200).collect::<String>();
        match (title, decided_on, target) {
            (Ok(title), Ok(decided_on), Ok(efficiency_target)) if errors.is_empty() => Ok(Change::Head {
                title,
                decision_body: text("decision_body"),
                decision_case: text("decision_case"),
                decided_on,
                efficiency_target,
            }),
            _ => Err(errors),
        }
    };
    save_form(&state, &ctx, &first_year, &form, parse, "title", |t| {
        t.title = typed("title");
        t.decision_body = typed("decision_body");
        t.decision_case = typed("decision_case");
        t.decided_on = typed("decided_on");
        t.efficiency_target = typed("efficiency_target");
    })
    .await
}

/// Saves every frame of the grid: an empty cell has no frame.
pub(crate) async fn frames_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let parse = |_: &ProgrammeTemplate| -> Parsed {
        let mut frames = Vec::new();
        for (name, value) in &form {
            let Some((unit_id, year)) = grid_key(name, "frame") else { continue };
            match parse_optional_amount(value, "frames") {
                Ok(Some(amount)) => frames.push(Frame { unit_id, year, amount }),
                Ok(None) => {}
                Err(e) => {
                    let mut errors = FieldErrors::default();
                    errors.add("frames", tr.rule(&e));
                    return Err(errors);
                }
            }
        }
        Ok(Change::Frames(frames))
    };
    save_form(&state, &ctx, &first_year, &form, parse, "frames", |_| {}).await
}

/// Adds an investment project: a name, a category, a responsible unit (optional) and an amount
/// per year (empty is none).
pub(crate) async fn investment_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let parse = |t: &ProgrammeTemplate| -> Parsed {
        let mut errors = FieldErrors::default();
        let name = parse_name(field(&form, "inv_name"), "inv_name").map_err(|e| errors.add("inv_name", tr.rule(&e)));
        let category: String = field(&form, "inv_category").trim().chars().take(200).collect();
        let unit_id = match field(&form, "inv_unit").trim() {
            "" => Ok(None),
            u => u
                .parse::<i64>()
                .ok()
                .filter(|id| t.units.iter().any(|c| c.value == id.to_string()))
                .map(Some)
                .ok_or_else(|| errors.add("inv_unit", tr.t("err-programme-unit"))),
        };
        let mut amounts = Vec::new();
        for y in &t.years {
            match parse_optional_amount(field(&form, &format!("amount_{y}")), "inv_amounts") {
                Ok(Some(a)) => amounts.push((*y, a)),
                Ok(None) => {}
                Err(e) if errors.get("inv_amounts").is_none() => errors.add("inv_amounts", tr.rule(&e)),
                Err(_) => {}
            }
        }
        match (name, unit_id) {
            (Ok(name), Ok(unit_id)) if errors.is_empty() => {
                Ok(Change::AddInvestment(Investment { id: 0, name, category, unit_id, amounts }))
            }
            _ => Err(errors),
        }
    };
    let typed = |n: &str| field(&form, n).to_owned();
    save_form(&state, &ctx, &first_year, &form, parse, "inv_name", |t| {
        t.inv_name = typed("inv_name");
        t.inv_category = typed("inv_category");
        t.inv_unit = typed("inv_unit");
    })
    .await
}

/// Removes an investment project.
pub(crate) async fn investment_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((first_year, investment)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: i64 = investment.parse().map_err(|_| AppError::NotFound)?;
    save_form(&state, &ctx, &first_year, &form, |_| Ok(Change::RemoveInvestment(id)), "investments", |_| {}).await
}

/// Saves the efficiency target per service area and year with what was realised and a comment;
/// a cell without a target is left out, a realised amount or comment without one is refused.
pub(crate) async fn efficiency_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let parse = |_: &ProgrammeTemplate| -> Parsed {
        let mut errors = FieldErrors::default();
        let mut cells = Vec::new();
        for (name, value) in &form {
            let Some((unit_id, year)) = grid_key(name, "target") else { continue };
            let realised = field(&form, &format!("realised_{unit_id}_{year}"));
            let comment: String =
                field(&form, &format!("comment_{unit_id}_{year}")).trim().chars().take(1000).collect();
            let parsed = (parse_optional_amount(value, "efficiency"), parse_optional_amount(realised, "efficiency"));
            match parsed {
                (Ok(Some(target)), Ok(realised)) => cells.push(Efficiency { unit_id, year, target, realised, comment }),
                (Ok(None), Ok(None)) if comment.is_empty() => {}
                (Ok(None), Ok(_)) => {
                    errors.add("efficiency", tr.rule(&rodtrad_domain::RuleError::new("err-programme-target-missing")));
                    return Err(errors);
                }
                (Err(e), _) | (_, Err(e)) => {
                    errors.add("efficiency", tr.rule(&e));
                    return Err(errors);
                }
            }
        }
        Ok(Change::Efficiency(cells))
    };
    save_form(&state, &ctx, &first_year, &form, parse, "efficiency", |_| {}).await
}

/// Adds a fiscal rule.
pub(crate) async fn rule_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let parse = |_: &ProgrammeTemplate| -> Parsed {
        FiscalRule::parse(
            field(&form, "rule_name"),
            field(&form, "measure"),
            field(&form, "comparison"),
            field(&form, "threshold"),
        )
        .map(Change::AddRule)
        .map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.add(e.field.unwrap_or("rule_name"), tr.rule(&e));
            errors
        })
    };
    let typed = |n: &str| field(&form, n).to_owned();
    save_form(&state, &ctx, &first_year, &form, parse, "rule_name", |t| {
        t.rule_name = typed("rule_name");
        t.measure = typed("measure");
        t.comparison = typed("comparison");
        t.threshold = typed("threshold");
    })
    .await
}

/// Removes a fiscal rule.
pub(crate) async fn rule_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((first_year, rule)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: i64 = rule.parse().map_err(|_| AppError::NotFound)?;
    save_form(&state, &ctx, &first_year, &form, |_| Ok(Change::RemoveRule(id)), "rules", |_| {}).await
}

/// Saves the key figures of every year of the period (a year left empty has none).
pub(crate) async fn key_figures_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = &ctx.tr;
    let parse = |t: &ProgrammeTemplate| -> Parsed {
        let mut figures = Vec::new();
        for y in &t.years {
            let input = KeyFiguresInput {
                operating_income: field(&form, &format!("income_{y}")).to_owned(),
                net_operating_result: field(&form, &format!("result_{y}")).to_owned(),
                net_debt: field(&form, &format!("debt_{y}")).to_owned(),
                disposition_fund: field(&form, &format!("fund_{y}")).to_owned(),
            };
            match input.parse(*y, "figures") {
                Ok(Some(k)) => figures.push(k),
                Ok(None) => {}
                Err(e) => {
                    let mut errors = FieldErrors::default();
                    errors.add("figures", tr.rule(&e));
                    return Err(errors);
                }
            }
        }
        Ok(Change::KeyFigures(figures))
    };
    save_form(&state, &ctx, &first_year, &form, parse, "figures", |_| {}).await
}

#[derive(Deserialize, Default)]
pub(crate) struct TableQuery {
    pub(crate) table: Option<String>,
}

/// One of the programme's tables (`frames` by default) as CSV or XLSX, amounts exact.
pub(crate) async fn export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    Query(q): Query<TableQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let year = path_year(&first_year)?;
    let view = load(&state, &ctx, year).await?;
    let pr = &view.programme;
    let years = pr.head.years();
    let tree = state.org_tree(actor.municipality_id).await?;
    let unit_name = |id: i64| tree.name(id);
    let exact = |d: Decimal| Cell::exact(&d.to_string());
    let year_cols = |first: &[&str]| -> Vec<String> {
        first.iter().map(|k| tr.t(k)).chain(years.iter().map(|y| y.to_string())).collect()
    };
    let (key, header, rows): (&str, Vec<String>, Vec<Vec<Cell>>) = match q.table.as_deref().unwrap_or("frames") {
        "frames" => {
            let mut units: Vec<i64> = pr.frames.iter().map(|f| f.unit_id).collect();
            units.dedup();
            let rows = units
                .iter()
                .map(|u| {
                    let mut row = vec![Cell::text(unit_name(*u))];
                    row.extend(years.iter().map(|y| {
                        exact(
                            pr.frames
                                .iter()
                                .find(|f| f.unit_id == *u && f.year == *y)
                                .map_or(Decimal::ZERO, |f| f.amount),
                        )
                    }));
                    row
                })
                .collect();
            ("programme-frames", year_cols(&["programme-col-area"]), rows)
        }
        "investments" => {
            let mut header = year_cols(&["programme-col-project", "programme-col-category", "programme-col-unit"]);
            header.push(tr.t("programme-col-total"));
            let rows = pr
                .investments
                .iter()
                .map(|i| {
                    let mut row = vec![
                        Cell::text(i.name.clone()),
                        Cell::text(i.category.clone()),
                        Cell::text(i.unit_id.map(unit_name).unwrap_or_default()),
                    ];
                    row.extend(years.iter().map(|y| exact(i.amount(*y))));
                    row.push(exact(i.total()));
                    row
                })
                .collect();
            ("programme-investments", header, rows)
        }
        "efficiency" => {
            let header = [
                "programme-col-area",
                "programme-col-year",
                "programme-col-target",
                "programme-col-realised",
                "programme-col-comment",
            ]
            .iter()
            .map(|k| tr.t(k))
            .collect();
            let rows = pr
                .efficiency
                .iter()
                .map(|e| {
                    vec![
                        Cell::text(unit_name(e.unit_id)),
                        Cell::exact(&e.year.to_string()),
                        exact(e.target),
                        e.realised.map(exact).unwrap_or_else(|| Cell::text("")),
                        Cell::text(e.comment.clone()),
                    ]
                })
                .collect();
            ("programme-efficiency", header, rows)
        }
        "rules" => {
            let header = [
                "programme-col-rule",
                "programme-col-measure",
                "programme-col-comparison",
                "programme-col-threshold",
                "programme-col-year",
                "programme-col-value",
                "programme-col-verdict",
            ]
            .iter()
            .map(|k| tr.t(k))
            .collect();
            let mut rows = Vec::new();
            for (r, results) in pr.rules.iter().zip(&view.results) {
                for res in results {
                    rows.push(vec![
                        Cell::text(r.rule.name.clone()),
                        Cell::text(tr.t(measure_key(r.rule.measure))),
                        Cell::text(r.rule.comparison.sign()),
                        exact(r.rule.threshold),
                        Cell::exact(&res.year.to_string()),
                        res.value.map(exact).unwrap_or_else(|| Cell::text("")),
                        Cell::text(ResultCell::of(tr, res).label),
                    ]);
                }
            }
            ("programme-rules", header, rows)
        }
        _ => return Err(AppError::NotFound),
    };
    let title = format!("{} {}–{}", tr.t(key), year, year + 3);
    let sheet = tr.t(key);
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
