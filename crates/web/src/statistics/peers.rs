//! The peer groups a series is compared with.

use super::*;

// ---------------------------------------------------------------- peer groups

#[derive(Template)]
#[template(path = "statistics/peers.html")]
pub(crate) struct PeersTemplate {
    pub(crate) p: Page,
    pub(crate) groups: Vec<(PeerGroup, Vec<(String, String)>)>,
    pub(crate) can_manage: bool,
    pub(crate) errors: FieldErrors,
    pub(crate) form: PeerForm,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) conflict: bool,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct PeerForm {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) regions: String,
}

pub(crate) async fn render_peers(
    state: &AppState,
    ctx: &Ctx,
    form: PeerForm,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<PeersTemplate> {
    let actor = reader(ctx)?;
    let r = regions::regions();
    let groups = state
        .db
        .peer_groups(actor.municipality_id)
        .await?
        .into_iter()
        .map(|(g, m)| {
            let members = m.into_iter().map(|c| (c.clone(), r.name(&c, None).unwrap_or_default().to_owned())).collect();
            (g, members)
        })
        .collect();
    Ok(PeersTemplate {
        p: ctx.page(ctx.tr.t("stat-peers-title"), "statistics"),
        groups,
        can_manage: actor.can_manage_statistics(),
        errors,
        form: PeerForm { kind: if form.kind.is_empty() { "custom".into() } else { form.kind.clone() }, ..form },
        kinds: PEER_GROUP_KINDS
            .iter()
            .map(|k| Choice { value: (*k).into(), label: ctx.tr.t(code_key("peer-kind", k)) })
            .collect(),
        conflict,
    })
}

pub(crate) async fn peers_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = render_peers(&state, &ctx, PeerForm::default(), FieldErrors::default(), false).await?;
    Ok(Html(t.render()?).into_response())
}

/// Region codes typed one per line or separated by commas: municipality numbers (any era), county
/// codes, `0` for the whole country, or SSB's group codes such as `EKG13`.
pub(crate) fn parse_regions(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for raw in text.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let code = raw.split_whitespace().next().unwrap_or(raw);
        let ok = code.len() <= 12 && code.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(code.to_owned());
        }
        if !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    Ok(out)
}

pub(crate) async fn save_peer_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PeerForm>,
) -> AppResult<Response> {
    manager(&ctx)?;
    let mut errors = FieldErrors::default();
    let mut conflict = false;
    let id = crate::forms::optional_id(&form.id)?;
    let target = match id {
        Some(id) => Some((id, crate::forms::version(&form.version)?)),
        None => None,
    };
    match parse_regions(&form.regions) {
        Err(bad) => errors.add("regions", ctx.tr.t1("err-peer-region", "code", bad)),
        Ok(codes) => match state.db.peer_group_save(&ctx.author()?, target, &form.name, &form.kind, &codes).await {
            Ok(_) => return Ok(Redirect::to("/statistics/peer-groups").into_response()),
            Err(StoreError::Conflict) => conflict = true,
            Err(StoreError::Rule(e)) => {
                let field = match e.key {
                    "err-name-empty" => "name",
                    "err-peer-kind" => "kind",
                    _ => "regions",
                };
                errors.add(field, ctx.tr.rule(&e))
            }
            Err(e) => return Err(e.into()),
        },
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render_peers(&state, &ctx, form, errors, conflict).await?;
    Ok((status, Html(t.render()?)).into_response())
}
