//! One error type for every handler. Its response carries an [`ErrorPage`] marker that the
//! request middleware turns into a page (or JSON under `/api/`) in the user's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rodtrad_domain::RuleError;
use rodtrad_store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or is outside the caller's municipality.
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in (or the session expired).
    #[error("login required")]
    LoginRequired,
    /// Missing or wrong CSRF token.
    #[error("csrf")]
    Csrf,
    /// The request body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Too many attempts.
    #[error("too many requests")]
    TooManyRequests,
    /// A rule refused the input.
    #[error("rule: {0}")]
    Rule(RuleError),
    /// Someone else saved first.
    #[error("conflict")]
    Conflict,
    /// A bug or an outage; details go to the log only.
    #[error("internal: {0}")]
    Internal(String),
}

/// Result alias for handlers.
pub type AppResult<T> = Result<T, AppError>;

/// Marker on an error response: the status and message key the middleware renders.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// Fluent key of the message.
    pub key: &'static str,
    /// Arguments for the message.
    pub args: Vec<(&'static str, String)>,
    /// The input field a rule error is about, named in API answers.
    pub field: Option<&'static str>,
}

impl AppError {
    /// An unexpected failure whose cause is logged, never shown: `.map_err(AppError::internal)`.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }

    /// Status code and message key.
    pub fn parts(&self) -> (StatusCode, ErrorPage) {
        let page = |key| ErrorPage { key, args: Vec::new(), field: None };
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, page("err-not-found")),
            AppError::Forbidden => (StatusCode::FORBIDDEN, page("err-forbidden")),
            AppError::LoginRequired => (StatusCode::UNAUTHORIZED, page("err-login-required")),
            AppError::Csrf => (StatusCode::FORBIDDEN, page("err-csrf")),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, page("err-too-large")),
            AppError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, page("err-too-many")),
            AppError::Rule(e) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorPage { key: e.key, args: e.args.clone(), field: e.field })
            }
            AppError::Conflict => (StatusCode::CONFLICT, page("err-conflict")),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, page("err-internal")),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let (status, page) = self.parts();
        let mut response = status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict,
            StoreError::Rule(rule) => AppError::Rule(rule),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<RuleError> for AppError {
    fn from(err: RuleError) -> Self {
        AppError::Rule(err)
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(format!("template: {err}"))
    }
}

impl From<rodtrad_service::stat_import::ImportError> for AppError {
    fn from(err: rodtrad_service::stat_import::ImportError) -> Self {
        use rodtrad_service::stat_import::ImportError;
        match err {
            ImportError::Store(e) => e.into(),
            ImportError::Unusable(key, value) => {
                AppError::Rule(rodtrad_domain::RuleError::new(key).with("value", value))
            }
            ImportError::Format(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<rodtrad_service::ServiceError> for AppError {
    fn from(err: rodtrad_service::ServiceError) -> Self {
        match err {
            rodtrad_service::ServiceError::Forbidden => AppError::Forbidden,
            rodtrad_service::ServiceError::Rule(e) => AppError::Rule(e),
            rodtrad_service::ServiceError::Store(e) => e.into(),
            rodtrad_service::ServiceError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// Maps a refused write to the status and message a form shows again: 409 for a stale version,
/// 422 for a rule, each in the reader's words; anything else stays an error.
pub(crate) fn refusal(
    tr: &crate::i18n::Tr,
    err: rodtrad_service::ServiceError,
) -> AppResult<(axum::http::StatusCode, String)> {
    field_refusal(tr, err).map(|(status, _, message)| (status, message))
}

/// [`refusal`] with the form field a rule names (`None` for a stale version or a rule about no
/// field), so the page shows the message beside it.
pub(crate) fn field_refusal(
    tr: &crate::i18n::Tr,
    err: rodtrad_service::ServiceError,
) -> AppResult<(axum::http::StatusCode, Option<&'static str>, String)> {
    use axum::http::StatusCode;
    use rodtrad_service::ServiceError;
    match err {
        ServiceError::Store(StoreError::Conflict) => Ok((StatusCode::CONFLICT, None, tr.t("err-conflict"))),
        ServiceError::Store(StoreError::Rule(e)) | ServiceError::Rule(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, e.field, tr.rule(&e)))
        }
        e => Err(e.into()),
    }
}
