//! Static files, embedded in the binary so one file is the whole application.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::routes::Routes;

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("vendor/designsystemet.css", "text/css; charset=utf-8", include_bytes!("../static/vendor/designsystemet.css")),
    (
        "vendor/designsystemet-theme-digdir.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/designsystemet-theme-digdir.css"),
    ),
    ("vendor/htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/vendor/htmx.min.js")),
];

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("assets").get("/static/{*path}", serve)
}

async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, bytes)) => {
            let mut response = (*bytes).into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
