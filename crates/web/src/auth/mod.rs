//! Login, logout, language choice, the start page and "my profile" (password, API tokens).

use crate::ctx::{Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use rodtrad_domain::{Name, Role};
use rodtrad_store::org::OrgUnit;
use rodtrad_store::password;
use rodtrad_store::users::{ApiToken, AttemptKey};
use serde::Deserialize;

mod device;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("auth")
        .nav(crate::routes::NavEntry::all(0, "/", "nav-home", "home"))
        .nav(crate::routes::NavEntry::all(100, "/profile", "nav-profile", "profile"))
        .get("/", home)
        .get("/login", login_page)
        .post("/login", login)
        .post("/logout", logout)
        .post("/language", set_language)
        .get("/profile", profile)
        .post("/profile/password", change_password)
        .post("/profile/tokens", create_token)
        .post("/profile/tokens/{id}/revoke", revoke_token)
        .post("/profile/calendar", create_calendar)
        .post("/profile/calendar/revoke", revoke_calendar)
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginTemplate {
    p: Page,
    email: String,
    next: String,
    errors: FieldErrors,
    demo_logins: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn demo_logins(state: &AppState, ctx: &Ctx) -> Vec<(String, String)> {
    if !state.config.show_demo_logins {
        return Vec::new();
    }
    let Ok(Some(_)) = state.db.municipality_by_number(rodtrad_store::demo::DEMO_NUMBER).await else {
        return Vec::new();
    };
    [
        ("admin", "demo-login-admin"),
        ("kommunedirektor", "demo-login-kommunedirektor"),
        ("styring", "demo-login-styring"),
        ("direktor", "demo-login-direktor"),
        ("leder", "demo-login-leder"),
        ("avdelingsleder", "demo-login-avdelingsleder"),
        ("ansatt", "demo-login-ansatt"),
        ("politiker", "demo-login-politiker"),
        ("revisor", "demo-login-revisor"),
    ]
    .iter()
    .map(|(login, key)| (format!("{login}@demo.rodtrad.no"), ctx.tr.t(key)))
    .collect()
}

async fn login_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.signed_in.is_some() {
        return Ok(Redirect::to(&rodtrad_domain::query::safe_next(q.next.as_deref())).into_response());
    }
    let template = LoginTemplate {
        p: ctx.page(ctx.tr.t("login-title"), "login"),
        email: String::new(),
        next: rodtrad_domain::query::safe_next(q.next.as_deref()),
        errors: FieldErrors::default(),
        demo_logins: demo_logins(&state, &ctx).await,
    };
    Ok(Html(template.render()?).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// The key signing device cookies (made once per database, then kept in memory).
async fn device_key(state: &AppState) -> AppResult<String> {
    if let Some(key) = state.device_key.get() {
        return Ok(key.clone());
    }
    let key = state.db.server_key(device::KEY_NAME).await?;
    Ok(state.device_key.get_or_init(|| key).clone())
}

/// Seconds the login must wait: the longest wait of the throttles that apply (the source address's,
/// and the account's for a device that never signed in to it, or else that device's own).
async fn login_wait(state: &AppState, ip: &str, email: &str, device: Option<&str>) -> AppResult<i64> {
    let cfg = &state.config;
    let now = rodtrad_store::now();
    let account = match device {
        Some(nonce) => AttemptKey::Device(nonce),
        None => AttemptKey::Account(email),
    };
    let mut wait = 0;
    for (key, throttle) in [(AttemptKey::Address(ip), &cfg.address_throttle), (account, &cfg.account_throttle)] {
        let since = now - chrono::Duration::minutes(throttle.window_minutes);
        let failures = state.db.login_failures(key, since).await?;
        let elapsed = failures.last.map(|last| (now - last).num_seconds()).unwrap_or(i64::MAX);
        wait = wait.max(throttle.wait_secs(failures.count, elapsed));
    }
    Ok(wait)
}

/// A wait in words: seconds under a minute, else whole minutes rounded up.
fn wait_in_words(ctx: &Ctx, secs: i64) -> String {
    match secs {
        1 => ctx.tr.t("login-wait-one-second"),
        2..60 => ctx.tr.t1("login-wait-seconds", "count", secs),
        60 => ctx.tr.t("login-wait-one-minute"),
        _ => ctx.tr.t1("login-wait-minutes", "count", (secs + 59) / 60),
    }
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let next = rodtrad_domain::query::safe_next(form.next.as_deref());
    let email = form.email.trim().to_lowercase();
    let cfg = &state.config;
    let render = |status: StatusCode, message: String, demo: Vec<(String, String)>| -> AppResult<Response> {
        let mut errors = FieldErrors::default();
        errors.add("email", message);
        let template = LoginTemplate {
            p: ctx.page(ctx.tr.t("login-title"), "login"),
            email: form.email.clone(),
            next: next.clone(),
            errors,
            demo_logins: demo,
        };
        Ok((status, Html(template.render()?)).into_response())
    };
    let user = state.db.user_by_email(&email).await?;
    let key = device_key(&state).await?;
    // A device cookie counts only for the account it was issued to.
    let device = crate::ctx::cookie_value(&headers, device::DEVICE_COOKIE)
        .and_then(|value| device::verify(&key, &value))
        .filter(|(user_id, _)| user.as_ref().is_some_and(|u| u.id == *user_id))
        .map(|(_, nonce)| nonce);
    let wait = login_wait(&state, &ctx.client_ip, &email, device.as_deref()).await?;
    if wait > 0 {
        tracing::warn!(%email, ip = %ctx.client_ip, wait, known_device = device.is_some(), "login throttled");
        let message = ctx.tr.t1("login-throttled", "wait", wait_in_words(&ctx, wait));
        let mut response = render(StatusCode::TOO_MANY_REQUESTS, message, demo_logins(&state, &ctx).await)?;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    // One argon2 verification whether or not the account exists, so timing does not reveal which
    // e-mails have accounts.
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    let ok =
        password::verify_login(&form.password, stored, &state.dummy_hash) && user.as_ref().is_some_and(|u| u.active);
    state.db.login_attempt_record(&email, &ctx.client_ip, ok, device.as_deref()).await?;
    let Some(user) = user.filter(|_| ok) else {
        return render(StatusCode::UNAUTHORIZED, ctx.tr.t("login-failed"), demo_logins(&state, &ctx).await);
    };
    let token = state.db.session_create(user.id, chrono::Duration::minutes(cfg.session_minutes)).await?;
    let author = rodtrad_store::Author {
        municipality_id: user.municipality_id,
        user_id: Some(user.id),
        name: user.display_name.clone(),
    };
    state.db.audit_event(&author, "user", user.id, "login").await?;
    let mut response = Redirect::to(&next).into_response();
    let cookie = set_cookie(SESSION_COOKIE, &token, Some(cfg.session_minutes * 60), cfg.secure_cookies, false);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    if device.is_none() {
        let value = device::issue(&key, user.id);
        let cookie =
            set_cookie(device::DEVICE_COOKIE, &value, Some(device::DEVICE_DAYS * 86_400), cfg.secure_cookies, true);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(signed_in) = &ctx.signed_in {
        if let Some(token) = &signed_in.session_token {
            state.db.session_delete(token).await?;
        }
        state.db.audit_event(&ctx.author()?, "user", signed_in.user.id, "logout").await?;
    }
    let mut response = Redirect::to("/login").into_response();
    let cookie = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies, false);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    next: Option<String>,
}

async fn set_language(State(state): State<AppState>, ctx: Ctx, Form(form): Form<LanguageForm>) -> AppResult<Response> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::Rule(rodtrad_domain::RuleError::new("err-lang-unknown")))?;
    if let Some(signed_in) = &ctx.signed_in {
        state.db.user_set_locale(&ctx.author()?, signed_in.user.id, lang.code()).await?;
    }
    let mut response = Redirect::to(&rodtrad_domain::query::safe_next(form.next.as_deref())).into_response();
    let cookie = set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), state.config.secure_cookies, false);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template)]
#[template(path = "account/home.html")]
struct HomeTemplate {
    p: Page,
    municipality: String,
    roles: Vec<String>,
    own_unit: Option<OrgUnit>,
    led_units: Vec<OrgUnit>,
    delegated_units: Vec<OrgUnit>,
    mine: crate::dashboard::MineSummary,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let a = &user.actor;
    let municipality = state.db.municipality(a.municipality_id).await?;
    let tree = state.org_tree(a.municipality_id).await?;
    let pick = |ids: &std::collections::BTreeSet<i64>| ids.iter().filter_map(|id| tree.get(*id).cloned()).collect();
    let template = HomeTemplate {
        p: ctx.page(ctx.tr.t1("home-title", "name", &user.user.display_name), "home"),
        municipality: municipality.name,
        roles: a.roles.iter().map(|r| ctx.tr.t(r.label_key())).collect(),
        own_unit: a.own_unit.and_then(|id| tree.get(id).cloned()),
        led_units: pick(&a.led_units),
        delegated_units: pick(&a.delegated_units),
        mine: crate::dashboard::mine_summary(&state, &ctx).await?,
    };
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfileTemplate {
    p: Page,
    email: String,
    roles: Vec<String>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    password_errors: FieldErrors,
    password_changed: bool,
    token_errors: FieldErrors,
    token_name: String,
    digest: bool,
    digest_saved: bool,
    /// When the account's live calendar address was made.
    calendar_since: Option<chrono::DateTime<Utc>>,
    /// A calendar address just made (its own feed, its unit's feed), shown once.
    new_calendar: Option<(String, Option<String>)>,
}

impl ProfileTemplate {
    async fn build(state: &AppState, ctx: &Ctx) -> AppResult<Self> {
        let user = ctx.user()?;
        Ok(Self {
            p: ctx.page(ctx.tr.t("profile-title"), "profile"),
            email: user.user.email.clone(),
            roles: user.actor.roles.iter().map(|r: &Role| ctx.tr.t(r.label_key())).collect(),
            tokens: state.db.api_tokens(user.user.id).await?,
            new_token: None,
            password_errors: FieldErrors::default(),
            password_changed: false,
            token_errors: FieldErrors::default(),
            token_name: String::new(),
            digest: !state.db.digest_opt_out(user.user.id).await?,
            digest_saved: false,
            calendar_since: state.db.calendar_feed_live(user.user.id).await?,
            new_calendar: None,
        })
    }
}

#[derive(Deserialize)]
struct ProfileQuery {
    changed: Option<String>,
    digest: Option<String>,
}

async fn profile(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ProfileQuery>) -> AppResult<Response> {
    let mut template = ProfileTemplate::build(&state, &ctx).await?;
    template.password_changed = q.changed.is_some();
    template.digest_saved = q.digest.is_some();
    Ok(Html(template.render()?).into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new_password: String,
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let mut errors = FieldErrors::default();
    if !password::verify(&form.current, &user.user.password_hash) {
        errors.add("current", ctx.tr.t("err-password-wrong"));
    }
    if let Err(e) = password::check_policy(&form.new_password) {
        errors.add("new_password", ctx.tr.rule(&e));
    } else if form.new_password != form.repeat {
        errors.add("repeat", ctx.tr.t("err-password-mismatch"));
    }
    if !errors.is_empty() {
        let mut template = ProfileTemplate::build(&state, &ctx).await?;
        template.password_errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response());
    }
    let hash = password::hash(&form.new_password, state.config.hash_cost);
    // Ends every session, this one included; a fresh session keeps the user signed in here.
    state.db.user_set_password(&ctx.author()?, user.user.id, &hash).await?;
    let token = state.db.session_create(user.user.id, chrono::Duration::minutes(state.config.session_minutes)).await?;
    let mut response = Redirect::to("/profile?changed=1").into_response();
    let cookie =
        set_cookie(SESSION_COOKIE, &token, Some(state.config.session_minutes * 60), state.config.secure_cookies, false);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    days: Option<String>,
}

async fn create_token(State(state): State<AppState>, ctx: Ctx, Form(form): Form<TokenForm>) -> AppResult<Response> {
    let user = ctx.user()?;
    let mut errors = FieldErrors::default();
    let name = Name::parse(&form.name).map_err(|e| errors.add("name", ctx.tr.rule(&e))).ok();
    let days = match form.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (1..=730).contains(&n) => Some(n),
            _ => {
                errors.add("days", ctx.tr.t("err-token-days"));
                None
            }
        },
    };
    let mut template = ProfileTemplate::build(&state, &ctx).await?;
    let (Some(name), true) = (name, errors.is_empty()) else {
        template.token_errors = errors;
        template.token_name = form.name;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response());
    };
    let expires = days.map(|d| Utc::now() + chrono::Duration::days(d));
    let (_, secret) = state.db.api_token_create(&ctx.author()?, user.user.id, &name, expires).await?;
    template.tokens = state.db.api_tokens(user.user.id).await?;
    template.new_token = Some(secret);
    Ok((StatusCode::CREATED, Html(template.render()?)).into_response())
}

async fn revoke_token(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let user = ctx.user()?;
    state.db.api_token_revoke(&ctx.author()?, user.user.id, id).await?;
    Ok(Redirect::to("/profile").into_response())
}

/// Makes a new secret calendar address (revoking the old one) and shows it once, as absolute
/// addresses a calendar client can subscribe to: the account's own feed and its unit's.
async fn create_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let secret = state.db.calendar_feed_create(&ctx.author()?, user.user.id).await?;
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    let base = format!("{scheme}://{host}/calendar/{secret}");
    let unit = user.actor.own_unit.map(|u| format!("{base}/units/{u}/calendar.ics"));
    let mut template = ProfileTemplate::build(&state, &ctx).await?;
    template.new_calendar = Some((format!("{base}/mine.ics"), unit));
    Ok((StatusCode::CREATED, Html(template.render()?)).into_response())
}

/// Revokes the account's calendar address; its feeds answer 410 from now on. Without one, nothing
/// happens.
async fn revoke_calendar(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    match state.db.calendar_feed_revoke(&ctx.author()?, user.user.id).await {
        Ok(()) | Err(rodtrad_store::StoreError::NotFound) => Ok(Redirect::to("/profile#calendar").into_response()),
        Err(e) => Err(e.into()),
    }
}
