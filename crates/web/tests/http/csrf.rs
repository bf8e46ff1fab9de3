//! CSRF: every state-changing route of `route_table()` refuses a request without a token and
//! with a wrong one, even from a system administrator, and writes nothing.

use crate::both;
use crate::harness::{Backend, TestApp};
use crate::scene::{Scene, Scope, Subject, Token};
use axum::http::Method;
use rodtrad_store::on_db;

/// Rows in every table of the database, so a write anywhere shows.
pub(crate) async fn rows(t: &TestApp) -> i64 {
    let list = match t.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let tables: Vec<String> = on_db!(&t.db, pool => sqlx::query_scalar(list).fetch_all(pool).await.unwrap());
    let mut total = 0;
    for table in tables {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        total += on_db!(&t.db, pool => {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap()
        });
    }
    total
}

both!(every_write_needs_a_valid_token, |t: TestApp| async move {
    let mut scene = Scene::new(&t).await;
    let admin = scene.subjects.iter().position(|(s, _)| *s == Subject::SystemAdmin).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in rodtrad_web::route_table().iter().filter(|r| r.method != Method::GET) {
        for token in [Token::Missing, Token::Wrong] {
            let path = scene.fill(&t, route, Subject::SystemAdmin, Scope::Own).await;
            // Filling may create objects (a delegation, an upload); count after it.
            let (audit, before) = (scene.audit_count(&t).await, rows(&t).await);
            let res = scene.send(admin, route, &path, Scope::Own, token).await;
            checked += 1;
            if res.status.as_u16() != 403 {
                failures.push(format!("{} {path} with {token:?} token: {}", route.method, res.status));
            } else if scene.audit_count(&t).await != audit || rows(&t).await != before {
                failures.push(format!("{} {path} with {token:?} token was refused but wrote", route.method));
            }
        }
    }
    assert!(checked > 40, "only {checked} state-changing requests");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The session survived every refused request: a valid token still works.
    let c = &mut scene.subjects[admin].1;
    c.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
    c.get("/users").await.expect(200);
});
