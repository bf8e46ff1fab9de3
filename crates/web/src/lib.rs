//! The web layer: server-rendered pages (askama + htmx), the JSON API with its OpenAPI
//! document, authentication, CSRF, i18n and the router that composes them.

pub mod agreements;
pub mod annual_cycle;
pub mod api;
pub mod assets;
pub mod audit;
pub mod audits;
pub mod auth;
pub mod control;
pub mod ctx;
pub mod dashboard;
pub mod dates;
pub mod deviations;
pub mod economy;
pub mod error;
pub mod export;
pub mod followup;
pub mod forms;
pub mod i18n;
pub mod indicators;
pub mod letters;
pub mod lida;
pub mod org;
pub mod pages;
pub mod people;
pub mod plans;
pub mod programme;
pub mod public;
pub mod reports;
pub mod risk;
pub mod routes;
pub mod sdg;
pub mod state;
pub mod statistics;
pub mod thread;
pub mod u4ssc;
pub mod unitplans;
pub mod users;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use routes::{RouteInfo, Routes};
pub use state::{AppState, WebConfig};

/// Every route of the application, in two groups: pages and API behind the request context
/// (session, language, CSRF), and the bare routes (static files, health check) outside it.
/// [`router`] and [`route_table`] both come from here, so the table cannot drift from the router.
fn compose() -> (Routes, Routes) {
    let app = auth::routes()
        .merge(org::routes())
        .merge(people::routes())
        .merge(plans::routes())
        .merge(thread::routes())
        .merge(sdg::routes())
        .merge(statistics::routes())
        .merge(u4ssc::routes())
        .merge(public::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(api::routes())
        .merge(plans::api::routes())
        .merge(followup::routes())
        .merge(followup::api::routes())
        .merge(unitplans::routes())
        .merge(unitplans::api::routes())
        .merge(dashboard::routes())
        .merge(dashboard::api::routes())
        .merge(agreements::routes())
        .merge(agreements::api::routes())
        .merge(annual_cycle::routes())
        .merge(annual_cycle::api::routes())
        .merge(reports::routes())
        .merge(reports::api::routes())
        .merge(indicators::routes())
        .merge(indicators::api::routes())
        .merge(letters::routes())
        .merge(letters::api::routes())
        .merge(economy::routes())
        .merge(economy::api::routes())
        .merge(programme::routes())
        .merge(programme::api::routes())
        .merge(lida::routes())
        .merge(lida::api::routes())
        .merge(risk::routes())
        .merge(risk::api::routes())
        .merge(deviations::routes())
        .merge(deviations::api::routes())
        .merge(control::routes())
        .merge(control::api::routes())
        .merge(audits::routes())
        .merge(audits::api::routes());
    let bare = assets::routes().merge(Routes::new("health").get("/healthz", healthz));
    (app, bare)
}

/// The main navigation: the entries every feature contributes with its routes, in their order.
pub fn navigation() -> &'static [routes::NavEntry] {
    static NAV: std::sync::LazyLock<Vec<routes::NavEntry>> = std::sync::LazyLock::new(|| compose().0.navigation());
    &NAV
}

/// Every registered route (method, path pattern, module), as the router serves them.
pub fn route_table() -> Vec<RouteInfo> {
    let (app, bare) = compose();
    app.table().iter().chain(bare.table()).cloned().collect()
}

/// The whole application: the routes from [`compose`], then the layers every request passes.
pub fn router(state: AppState) -> Router {
    let (app, bare) = compose();
    let (app, _) = app.into_parts();
    let (bare, _) = bare.into_parts();
    let pages = app
        .fallback(not_found)
        // Inside the context middleware, so a panic becomes an error page in the user's language.
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            error::AppError::Internal("handler panicked".into()).into_response()
        }))
        .layer(middleware::from_fn_with_state(state.clone(), ctx::request_context));
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(pages)
        .merge(bare)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        // Outside the timeout, so the 408 it answers carries the headers too.
        .layer(middleware::from_fn(ctx::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> error::AppError {
    error::AppError::NotFound
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, format!("ok {}\n", state.db.backend())),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n".to_owned())
        }
    }
}
