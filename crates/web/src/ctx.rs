//! Per-request context: who is signed in (session cookie or API token), the language, the CSRF
//! token, and the response side: error pages, cookies and security headers.

use crate::error::{AppError, AppResult, ErrorPage};
use crate::i18n::{Lang, Tr};
use crate::pages::{ErrorTemplate, Page};
use crate::state::AppState;
use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::Actor;
use rodtrad_store::users::User;
use rodtrad_store::{Author, random_token};
use std::net::SocketAddr;
use std::sync::Arc;

/// Session cookie name.
pub const SESSION_COOKIE: &str = "rodtrad_session";
/// Anonymous CSRF (double-submit) cookie name.
pub const CSRF_COOKIE: &str = "rodtrad_csrf";
/// Language cookie for visitors who are not signed in.
pub const LANG_COOKIE: &str = "rodtrad_lang";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// Header carrying the CSRF token (htmx sends it).
pub const CSRF_HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// Largest file upload (statistics files), in bytes.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The signed-in account with what the rules need.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// Roles and scope.
    pub actor: Actor,
    /// Session cookie value (absent for API tokens).
    pub session_token: Option<String>,
    /// Unread in-app notifications (the header shows the number).
    pub unread_notifications: i64,
    /// The municipality's (organisation, plan) generations when the request began.
    pub generations: (i64, i64),
}

/// Request context available to every handler.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Translator in the user's language.
    pub tr: Tr,
    /// The signed-in user, if any.
    pub signed_in: Option<Arc<SignedIn>>,
    /// CSRF token to embed in forms.
    pub csrf: String,
    /// Request path (for "return to" links and the current nav item).
    pub path: String,
    /// Client address for throttling.
    pub client_ip: String,
}

impl Ctx {
    /// The signed-in user or [`AppError::LoginRequired`].
    pub fn user(&self) -> AppResult<&SignedIn> {
        self.signed_in.as_deref().ok_or(AppError::LoginRequired)
    }

    /// The signed-in user's rules view.
    pub fn actor(&self) -> AppResult<&Actor> {
        Ok(&self.user()?.actor)
    }

    /// Author for audit rows.
    pub fn author(&self) -> AppResult<Author> {
        let user = &self.user()?.user;
        Ok(Author { municipality_id: user.municipality_id, user_id: Some(user.id), name: user.display_name.clone() })
    }

    /// Base page data for templates.
    pub fn page(&self, title: impl Into<String>, section: &'static str) -> Page {
        Page::new(self, title.into(), section)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| AppError::Internal("context middleware missing".into()))
    }
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    value.split(',').find_map(|part| {
        let tag = part.split(';').next()?.trim().to_lowercase();
        match tag.split('-').next()? {
            "nb" | "no" => Some(Lang::Nb),
            "nn" => Some(Lang::Nn),
            "en" => Some(Lang::En),
            _ => None,
        }
    })
}

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy {
        let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        if let Some(first) = forwarded.and_then(|v| v.split(',').next()) {
            return first.trim().to_owned();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Builds a `Set-Cookie` value.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
    secure: bool,
    same_site_strict: bool,
) -> HeaderValue {
    let mut c = cookie::Cookie::new(name.to_owned(), value.to_owned());
    c.set_path("/");
    c.set_http_only(true);
    c.set_secure(secure);
    c.set_same_site(if same_site_strict { cookie::SameSite::Strict } else { cookie::SameSite::Lax });
    if let Some(age) = max_age_secs {
        c.set_max_age(cookie::time::Duration::seconds(age));
    }
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signed-in account of a principal read in one statement, with its actor from the cache.
async fn load_signed_in(
    state: &AppState,
    principal: rodtrad_store::users::Principal,
    session_token: Option<String>,
) -> AppResult<Option<SignedIn>> {
    if !principal.user.active {
        return Ok(None);
    }
    let actor = state.actor(&principal, chrono::Utc::now().date_naive()).await?;
    Ok(Some(SignedIn {
        actor: Actor::clone(&actor),
        unread_notifications: principal.unread_notifications,
        generations: (principal.org_generation, principal.plan_generation),
        user: principal.user,
        session_token,
    }))
}

/// The middleware every request passes through.
pub async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match build_and_run(&state, req, next).await {
        Ok(response) => response,
        Err((ctx, err)) => finish(&state, ctx.as_ref(), err.into_response(), false),
    }
}

async fn build_and_run(state: &AppState, req: Request, next: Next) -> Result<Response, (Option<Ctx>, AppError)> {
    let headers = req.headers().clone();
    let path = req.uri().path().to_owned();
    let client_ip = client_ip(&req, state.config.trust_proxy);
    let anonymous = Ctx {
        tr: Tr::new(state.i18n.clone(), Lang::default()),
        signed_in: None,
        csrf: String::new(),
        path: path.clone(),
        client_ip: client_ip.clone(),
    };
    let fail = |e: AppError| (Some(anonymous.clone()), e);

    let mut signed_in = None;
    let mut session_csrf = None;
    let mut via_token = false;
    if let Some(token) = bearer_token(&headers) {
        let principal = state.db.api_token_principal(&token).await.map_err(|e| fail(e.into()))?;
        let Some(principal) = principal else { return Err(fail(AppError::LoginRequired)) };
        signed_in = load_signed_in(state, principal, None).await.map_err(fail)?;
        via_token = signed_in.is_some();
    } else if let Some(token) = cookie_value(&headers, SESSION_COOKIE)
        && let Some(principal) = state.db.principal(&token).await.map_err(|e| fail(e.into()))?
    {
        let (csrf_token, expires_at) = (principal.csrf_token.clone(), principal.expires_at);
        signed_in = load_signed_in(state, principal, Some(token.clone())).await.map_err(fail)?;
        if signed_in.is_some() {
            session_csrf = Some(csrf_token);
            // Slide the expiry at most once a minute: a write on every request would serialise
            // all requests on SQLite's single writer.
            let ttl = chrono::Duration::minutes(state.config.session_minutes);
            if expires_at.is_some_and(|e| e < rodtrad_store::now() + ttl - chrono::Duration::minutes(1)) {
                state.db.session_touch(&token, ttl).await.map_err(|e| fail(e.into()))?;
            }
        }
    }

    let anon_cookie = cookie_value(&headers, CSRF_COOKIE).filter(|v| v.len() == 64);
    let mut new_anon_cookie = None;
    let csrf = match session_csrf {
        Some(token) => token,
        None => anon_cookie.clone().unwrap_or_else(|| {
            let token = random_token(32);
            new_anon_cookie = Some(token.clone());
            token
        }),
    };

    let lang = signed_in
        .as_ref()
        .and_then(|s| Lang::parse(&s.user.locale))
        .or_else(|| cookie_value(&headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)))
        .or_else(|| accept_language(&headers))
        .unwrap_or_default();
    let ctx = Ctx {
        tr: Tr::new(state.i18n.clone(), lang),
        signed_in: signed_in.map(Arc::new),
        csrf: csrf.clone(),
        ..anonymous
    };

    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !via_token {
        let expected = if ctx.signed_in.is_some() { Some(csrf.as_str()) } else { anon_cookie.as_deref() };
        let (parts, body) = req.into_parts();
        let boundary = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| multer::parse_boundary(ct).ok());
        let limit = if boundary.is_some() { MAX_UPLOAD_BYTES } else { MAX_FORM_BYTES };
        let too_large = |_| (Some(ctx.clone()), AppError::PayloadTooLarge);
        let bytes = to_bytes(body, limit).await.map_err(too_large)?;
        let mut provided = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if provided.is_none() {
            provided = match &boundary {
                Some(b) => multipart_field(bytes.clone(), b, CSRF_FIELD).await,
                None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .ok()
                    .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v)),
            };
        }
        let valid = matches!((expected, provided.as_deref()), (Some(e), Some(p)) if constant_time_eq(e, p));
        if !valid {
            return Err((Some(ctx), AppError::Csrf));
        }
        // Every form, whatever its handler: text that is not UTF-8 is refused here, before a
        // handler's form parsing could turn it into U+FFFD and store that.
        let urlencoded = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        // (JSON for the API is refused by its parser when it is not UTF-8.)
        let refused = match &boundary {
            _ if path.starts_with("/api/") => None,
            Some(b) => crate::forms::invalid_text_multipart(bytes.clone(), b).await,
            None if urlencoded => crate::forms::invalid_text_urlencoded(&bytes),
            None => None,
        };
        if let Some(fields) = refused {
            let action = parts.uri.path_and_query().map_or(path.as_str(), |p| p.as_str());
            let response = invalid_text_page(&ctx, &headers, action, fields, boundary.is_none())
                .map_err(|e| (Some(ctx.clone()), e))?;
            return Ok(finish(state, Some(&ctx), response, false));
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    req.extensions_mut().insert(ctx.clone());
    let generations = ctx.signed_in.as_deref().map(|s| (s.user.municipality_id, s.generations));
    let response = match generations {
        Some((mid, g)) if !unsafe_method => crate::state::with_request_generations(mid, g, next.run(req)).await,
        _ => next.run(req).await,
    };
    let mut response = finish(state, Some(&ctx), response, via_token);
    if let Some(token) = new_anon_cookie {
        let cookie = set_cookie(CSRF_COOKIE, &token, None, state.config.secure_cookies, true);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The page refusing a form whose text is not UTF-8 (422): what is wrong and in which field, and an
/// urlencoded form shown again with the values that were text, to correct and send once more. Nothing
/// was written. (A multipart form cannot be shown again with its file; the page links back to it.)
fn invalid_text_page(
    ctx: &Ctx,
    headers: &HeaderMap,
    action: &str,
    fields: Vec<crate::forms::FormField>,
    show_form: bool,
) -> AppResult<Response> {
    let message = |f: &crate::forms::FormField| ctx.tr.t1("err-form-invalid-text", "field", &f.name);
    let fields: Vec<(crate::forms::FormField, String)> = fields
        .into_iter()
        .map(|f| {
            let m = if f.invalid { message(&f) } else { String::new() };
            (f, m)
        })
        .collect();
    // Back to the page the form was on, when the browser says it was one of ours.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.split_once('/').filter(|(h, _)| *h == host).map(|(_, path)| format!("/{path}")));
    let template = InvalidTextTemplate {
        p: ctx.page(ctx.tr.t("form-invalid-text-title"), ""),
        action: show_form.then(|| action.to_owned()),
        fields,
        back: rodtrad_domain::query::safe_next(back.as_deref()),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "form_invalid_text.html")]
struct InvalidTextTemplate {
    p: Page,
    /// Where the form is sent again, or `None` when it cannot be shown again.
    action: Option<String>,
    /// The fields with the message for each that was not text.
    fields: Vec<(crate::forms::FormField, String)>,
    back: String,
}

/// The text of the first multipart field called `name`, if any.
pub async fn multipart_field(bytes: axum::body::Bytes, boundary: &str, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Renders error markers as pages or JSON.
fn finish(state: &AppState, ctx: Option<&Ctx>, response: Response, api: bool) -> Response {
    let status = response.status();
    let page = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        // The framework's own rejections (a malformed id in the path, a bad query string, a wrong
        // method) come as plain text; users get the same localised page as for our own errors.
        None if status == StatusCode::METHOD_NOT_ALLOWED || (status.is_client_error() && is_plain_text(&response)) => {
            ErrorPage {
                key: match status {
                    StatusCode::NOT_FOUND => "err-not-found",
                    StatusCode::METHOD_NOT_ALLOWED => "err-method",
                    StatusCode::PAYLOAD_TOO_LARGE => "err-too-large",
                    _ => "err-bad-request",
                },
                args: Vec::new(),
                field: None,
            }
        }
        None => return response,
    };
    let fallback;
    let ctx = match ctx {
        Some(c) => c,
        None => {
            fallback = Ctx {
                tr: Tr::new(state.i18n.clone(), Lang::default()),
                signed_in: None,
                csrf: String::new(),
                path: String::new(),
                client_ip: String::new(),
            };
            &fallback
        }
    };
    let args: Vec<(&str, String)> = page.args.iter().map(|(k, v)| (*k, v.clone())).collect();
    let message = state.i18n.format(ctx.tr.lang, page.key, &args);
    if api || ctx.path.starts_with("/api/") {
        let mut body = serde_json::json!({"error": page.key, "message": message});
        if let Some(field) = page.field {
            body["field"] = field.into();
        }
        return (status, axum::Json(body)).into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = if ctx.path.is_empty() || ctx.path == "/logout" { "/".to_owned() } else { ctx.path.clone() };
        let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
        return Redirect::to(&format!("/login?{query}")).into_response();
    }
    let template =
        ErrorTemplate { p: ctx.page(ctx.tr.t("error-title"), ""), status: status.as_u16(), message: message.clone() };
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message).into_response(),
    }
}

fn is_plain_text(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"))
}

/// Security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
