//! The definition form: description, unit, result chain, direction, source, frequency, owner,
//! baseline and the targets per year with their bands, one line per year
//! (`2026: 90 / 80` — desired value, then the lowest acceptable value).

use super::*;
use rodtrad_store::indicators::DefinitionInput;
use rodtrad_store::people::PeopleFilter;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct DefinitionForm {
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) unit: String,
    #[serde(default)]
    pub(crate) chain: String,
    #[serde(default)]
    pub(crate) direction: String,
    #[serde(default)]
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) frequency: String,
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) baseline_year: String,
    #[serde(default)]
    pub(crate) baseline_value: String,
    #[serde(default)]
    pub(crate) targets: String,
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Template)]
#[template(path = "indicators/definition.html")]
pub(crate) struct DefinitionTemplate {
    pub(crate) p: Page,
    pub(crate) element: Element,
    pub(crate) form: DefinitionForm,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) chains: Vec<Choice>,
    pub(crate) directions: Vec<Choice>,
    pub(crate) sources: Vec<Choice>,
    pub(crate) frequencies: Vec<Choice>,
    pub(crate) people: Vec<Choice>,
}

/// Writes targets as the form shows them.
pub(crate) fn targets_text(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| match t.acceptable {
            Some(a) => format!("{}: {} / {}", t.year, num(t.desired), num(a)),
            None => format!("{}: {}", t.year, num(t.desired)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads target lines `YEAR: desired [/ acceptable]`.
pub(crate) fn parse_targets(text: &str) -> Result<Vec<(i32, f64, Option<f64>)>, RuleError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = || RuleError::new("err-indicator-target-line").with("line", (n + 1).to_string()).on("targets");
        let (year, rest) = line.split_once(':').ok_or_else(bad)?;
        let year: i32 = year.trim().parse().map_err(|_| bad())?;
        let (desired, acceptable) = match rest.split_once('/') {
            Some((d, a)) => (d, Some(a)),
            None => (rest, None),
        };
        let number = |s: &str| rodtrad_service::indicators::import::parse_number(s).ok_or_else(bad);
        out.push((year, number(desired)?, acceptable.map(number).transpose()?));
    }
    Ok(out)
}

pub(crate) async fn render_definition(
    state: &AppState,
    ctx: &Ctx,
    element: Element,
    form: DefinitionForm,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<DefinitionTemplate> {
    let mid = ctx.actor()?.municipality_id;
    let people = state
        .db
        .people(mid, &PeopleFilter::default(), 100_000)
        .await?
        .iter()
        .filter(|p| p.active)
        .map(Choice::person)
        .collect();
    let (chains, directions, sources, frequencies) = all_codes();
    Ok(DefinitionTemplate {
        p: ctx.page(ctx.tr.t("indicator-definition-title"), "plans"),
        element,
        form,
        errors,
        conflict,
        chains: choices(ctx, chains, ResultChain::code, ResultChain::label_key),
        directions: choices(ctx, directions, Direction::code, Direction::label_key),
        sources: choices(ctx, sources, SourceKind::code, SourceKind::label_key),
        frequencies: choices(ctx, frequencies, Frequency::code, Frequency::label_key),
        people,
    })
}

fn form_of(def: Option<&rodtrad_store::indicators::IndicatorDefinition>, targets: &[Target]) -> DefinitionForm {
    match def {
        Some(d) => DefinitionForm {
            description: d.description.clone(),
            unit: d.unit.clone(),
            chain: d.chain.clone(),
            direction: d.direction.clone(),
            source: d.source.clone(),
            frequency: d.frequency.clone(),
            owner: d.owner_person_id.map(|o| o.to_string()).unwrap_or_default(),
            baseline_year: d.baseline_year.map(|y| y.to_string()).unwrap_or_default(),
            baseline_value: d.baseline_value.map(num).unwrap_or_default(),
            targets: targets_text(targets),
            version: d.version.to_string(),
        },
        None => DefinitionForm {
            chain: ResultChain::Outcome.code().into(),
            direction: Direction::Higher.code().into(),
            source: SourceKind::Manual.code().into(),
            frequency: Frequency::Yearly.code().into(),
            ..DefinitionForm::default()
        },
    }
}

pub(crate) async fn definition_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let r = readable(&state, &ctx, id).await?;
    if !r.may_define {
        return Err(AppError::Forbidden);
    }
    let mid = ctx.actor()?.municipality_id;
    let def = state.db.indicator_definition(mid, id).await?;
    let targets = state.db.indicator_targets(mid, id).await?;
    let t = render_definition(&state, &ctx, r.element, form_of(def.as_ref(), &targets), FieldErrors::default(), false)
        .await?;
    Ok(Html(t.render()?).into_response())
}

/// Parses the form; errors by field.
pub(crate) fn parse_definition(ctx: &Ctx, form: &DefinitionForm, errors: &mut FieldErrors) -> Option<DefinitionInput> {
    macro_rules! field {
        ($name:literal, $r:expr) => {
            $r.map_err(|e: RuleError| errors.add($name, ctx.tr.rule(&e))).ok()
        };
    }
    let chain = field!("chain", ResultChain::parse(&form.chain));
    let direction = field!("direction", Direction::parse(&form.direction));
    let source = field!("source", SourceKind::parse(&form.source));
    let frequency = field!("frequency", Frequency::parse(&form.frequency));
    let owner = field!("owner", crate::forms::optional_id(&form.owner));
    let baseline = match (form.baseline_year.trim(), form.baseline_value.trim()) {
        ("", "") => Some(None),
        (y, v) => {
            let year = y.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y));
            let value = rodtrad_service::indicators::import::parse_number(v);
            let year = field!("baseline_year", year.ok_or_else(|| RuleError::new("err-indicator-year")));
            let value = field!("baseline_value", value.ok_or_else(|| RuleError::new("err-indicator-number")));
            match (year, value) {
                (Some(year), Some(value)) => Some(Some(rodtrad_domain::indicators::Baseline { year, value })),
                _ => None,
            }
        }
    };
    let targets = field!("targets", parse_targets(&form.targets));
    let description = form.description.trim().to_owned();
    let unit = form.unit.trim().to_owned();
    if unit.chars().count() > 40 {
        errors.add("unit", ctx.tr.t("err-indicator-unit-long"));
        return None;
    }
    let (chain, direction, source, frequency, owner, baseline, targets) =
        (chain?, direction?, source?, frequency?, owner?, baseline?, targets?);
    let mut checked = Vec::new();
    for (year, desired, acceptable) in targets {
        match (Target { year, desired, acceptable }).checked(direction) {
            Ok(t) => checked.push(t),
            Err(e) => {
                errors.add("targets", format!("{year}: {}", ctx.tr.rule(&e)));
                return None;
            }
        }
    }
    Some(DefinitionInput {
        description,
        unit,
        chain,
        direction,
        source,
        frequency,
        owner_person_id: owner,
        baseline,
        targets: checked,
    })
}

/// Saves the definition: 422 with the form kept for bad input, 409 (form kept, version refreshed)
/// when someone saved first.
pub(crate) async fn definition_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DefinitionForm>,
) -> AppResult<Response> {
    let r = readable(&state, &ctx, id).await?;
    if !r.may_define {
        return Err(AppError::Forbidden);
    }
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let mut errors = FieldErrors::default();
    let version = if form.version.trim().is_empty() {
        None
    } else {
        crate::forms::version(&form.version).map_err(|e| errors.add("description", ctx.tr.rule(&e))).ok()
    };
    let mut conflict = false;
    if let Some(input) = parse_definition(&ctx, &form, &mut errors)
        && errors.is_empty()
    {
        match service::save_definition(&state.db, &tree, (actor, &ctx.author()?), &r.plan, id, &input, version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/elements/{id}/indicator?saved=1")).into_response()),
            Err(rodtrad_service::ServiceError::Store(StoreError::Conflict)) => conflict = true,
            Err(rodtrad_service::ServiceError::Store(StoreError::Rule(e))) => {
                errors.add(e.field.unwrap_or("description"), ctx.tr.rule(&e));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut form = form;
    if conflict {
        let def = state.db.indicator_definition(actor.municipality_id, id).await?;
        form.version = def.map(|d| d.version.to_string()).unwrap_or_default();
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render_definition(&state, &ctx, r.element, form, errors, conflict).await?;
    Ok((status, Html(t.render()?)).into_response())
}
