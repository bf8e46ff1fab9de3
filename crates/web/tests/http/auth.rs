//! Login, logout, sessions, CSRF, throttling, password change and security headers.

use crate::both;
use crate::harness::{PASSWORD, TestApp};
use axum::body::{Body, Bytes};
use axum::http::Method;

both!(login_and_logout, |t: TestApp| async move {
    let mut c = t.client();
    // Wrong password: 401, message in bokmål, e-mail kept in the form, no session.
    let res = c.login("lederx@a.test", "feil-passord").await.expect(401);
    res.contains("Feil e-post eller passord.");
    assert_eq!(res.input_value("email").as_deref(), Some("lederx@a.test"));
    assert!(c.cookie("rodtrad_session").is_none());

    let res = c.login("LederX@A.test", PASSWORD).await.expect(303);
    assert_eq!(res.location(), "/");
    let cookie = res.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    c.get("/").await.expect(200).contains("Velkommen, lederx");

    let old_session = c.cookie("rodtrad_session").cloned().unwrap();
    c.post("/logout", &[]).await.expect(303);
    assert!(c.cookie("rodtrad_session").is_none());
    // The old session id is dead on the server, not just forgotten by the browser.
    c.set_cookie("rodtrad_session", &old_session);
    let res = c.get("/").await.expect(303);
    assert!(res.location().starts_with("/login?next="), "{}", res.location());
});

both!(login_redirects_only_to_local_paths, |t: TestApp| async move {
    // A tab or line break inside the path is dropped by browsers, turning `/\t/evil` into `//evil`.
    for (next, expected) in [
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("/\r\n/evil.example/", "/"),
        ("/plans?saved=1", "/plans?saved=1"),
    ] {
        let mut c = t.client();
        let token = c.csrf().await;
        let res = c
            .post_raw(
                "/login",
                &[("csrf_token", &token), ("email", "lederx@a.test"), ("password", PASSWORD), ("next", next)],
            )
            .await
            .expect(303);
        assert_eq!(res.location(), expected, "{next:?}");
    }
});

both!(session_fixation_is_prevented, |t: TestApp| async move {
    let mut c = t.client();
    c.set_cookie("rodtrad_session", "planted-by-attacker");
    c.get("/").await.expect(303);
    c.login("lederx@a.test", PASSWORD).await.expect(303);
    let first = c.cookie("rodtrad_session").cloned().unwrap();
    assert_ne!(first, "planted-by-attacker");
    // Logging in again issues a new session id.
    c.login("lederx@a.test", PASSWORD).await.expect(303);
    assert_ne!(c.cookie("rodtrad_session").unwrap(), &first);
});

both!(expired_session_requires_login, |t: TestApp| async move {
    let mut c = t.login("lederx").await;
    c.get("/").await.expect(200);
    rodtrad_store::on_db!(&t.db, pool => {
        sqlx::query("UPDATE sessions SET expires_at = $1").bind(chrono::Utc::now() - chrono::Duration::minutes(1))
            .execute(pool).await.unwrap();
    });
    let res = c.get("/org").await.expect(303);
    assert_eq!(res.location(), "/login?next=%2Forg");
    // A form posted with an expired session sends the user to the login page and changes nothing.
    let before = t.audit_count().await;
    let token = c.get("/login").await.csrf().unwrap();
    let res = c.post_raw(&format!("/org/{}", t.fx.unit_x), &[("csrf_token", &token), ("name", "Ny")]).await.expect(303);
    assert!(res.location().starts_with("/login?next="));
    assert_eq!(t.audit_count().await, before);
});

both!(csrf_is_required_on_state_changes, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let unit = format!("/org/{}", t.fx.unit_x);
    let form = |token: &'static str| {
        vec![("csrf_token", token), ("name", "Kapret"), ("valid_from", "2020-01-01"), ("version", "2")]
    };
    let before = t.audit_count().await;
    // Missing token.
    c.post_raw(&unit, &form("")[1..]).await.expect(403).contains("Skjemaet er utløpt");
    // Wrong token.
    c.post_raw(&unit, &form("0000000000000000000000000000000000000000000000000000000000000000")).await.expect(403);
    assert_eq!(t.audit_count().await, before);
    assert_eq!(t.db.org_unit(t.fx.municipality, t.fx.unit_x).await.unwrap().name, "Xskolen");
    // The header form used by htmx works.
    let token = c.csrf().await;
    let body = serde_urlencoded::to_string([("lang", "en"), ("next", "/")]).unwrap();
    c.send(axum::http::Method::POST, "/language", Some(body), &[("x-csrf-token", &token)]).await.expect(303);
    // Login itself needs the double-submit cookie and token.
    let mut anon = t.client();
    anon.post_raw("/login", &[("email", "styring@a.test"), ("password", PASSWORD)]).await.expect(403);
});

/// Moves every recorded login attempt `secs` seconds into the past, as if that time had gone by.
async fn age_login_attempts(t: &TestApp, secs: i64) {
    rodtrad_store::on_db!(&t.db, pool => {
        let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
            sqlx::query_as("SELECT id, at FROM login_attempts").fetch_all(pool).await.unwrap();
        for (id, at) in rows {
            sqlx::query("UPDATE login_attempts SET at = $1 WHERE id = $2")
                .bind(at - chrono::Duration::seconds(secs)).bind(id).execute(pool).await.unwrap();
        }
    });
}

async fn login_attempts(t: &TestApp) -> i64 {
    rodtrad_store::on_db!(&t.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts").fetch_one(pool).await.unwrap()
    })
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(res: &crate::harness::Res) -> i64 {
    res.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After")
}

// An unknown device gets growing delays after five failures, answered with 429, Retry-After and a
// message in the user's language; nothing is locked: when the delay has run the right password works.
both!(unknown_devices_get_growing_delays_not_a_lock, |t: TestApp| async move {
    let mut c = t.client();
    for _ in 0..5 {
        c.login("lederx@a.test", "feil-passord").await.expect(401);
    }
    let recorded = login_attempts(&t).await;
    let res = c.login("lederx@a.test", PASSWORD).await.expect(429);
    res.contains("For mange mislykkede innlogginger. Vent");
    let first = retry_after(&res);
    assert!((1..=30).contains(&first), "first delay {first}");
    assert_eq!(res.input_value("email").as_deref(), Some("lederx@a.test"), "the form keeps the e-mail");
    assert_eq!(login_attempts(&t).await, recorded, "a refused attempt tries no password and counts nothing");
    let mut english = t.client();
    english.set_cookie("rodtrad_lang", "en");
    english.login("lederx@a.test", PASSWORD).await.expect(429).contains("Too many failed logins. Wait");

    // The delay runs out; another failure doubles it.
    age_login_attempts(&t, 30).await;
    c.login("lederx@a.test", "feil-passord").await.expect(401);
    let second = retry_after(&c.login("lederx@a.test", PASSWORD).await.expect(429));
    assert!(second > first && second <= 60, "second delay {second} after {first}");
    // After that delay the right password signs in, and the account's count starts again.
    age_login_attempts(&t, 60).await;
    c.login("lederx@a.test", PASSWORD).await.expect(303);
    let mut later = t.client();
    later.login("lederx@a.test", "feil-passord").await.expect(401);
    later.login("lederx@a.test", PASSWORD).await.expect(303);
    // Another account is not affected at any point.
    let mut other = t.client();
    other.login("ledery@a.test", PASSWORD).await.expect(303);
});

// Someone guessing passwords for the owner's account elsewhere does not keep out the owner's browser,
// which signed in before and holds the account's signed device cookie; other browsers wait.
both!(an_attackers_failures_do_not_keep_the_owner_out, |t: TestApp| async move {
    let mut owner = t.client();
    owner.login("lederx@a.test", PASSWORD).await.expect(303);
    let device = owner.cookie("rodtrad_device").cloned().expect("a device cookie at login");
    owner.post("/logout", &[]).await.expect(303);
    assert_eq!(owner.cookie("rodtrad_device"), Some(&device), "logging out keeps the device");

    let mut attacker = t.client();
    attacker.ip = [10, 6, 6, 6];
    for _ in 0..5 {
        attacker.login("lederx@a.test", "gjetning").await.expect(401);
    }
    for _ in 0..3 {
        attacker.login("lederx@a.test", "gjetning").await.expect(429);
    }
    // The owner's browser signs in while the attacker waits, and keeps its device cookie.
    owner.login("lederx@a.test", PASSWORD).await.expect(303);
    owner.post("/logout", &[]).await.expect(303);
    // A new browser of the owner's waits like the attacker, as does one with a forged or foreign cookie.
    let mut fresh = t.client();
    fresh.login("lederx@a.test", PASSWORD).await.expect(429);
    let mut y = t.client();
    y.login("ledery@a.test", PASSWORD).await.expect(303);
    let foreign = y.cookie("rodtrad_device").cloned().unwrap();
    let (user, rest) = device.split_once('.').unwrap();
    let other_user = format!("{}.{rest}", user.parse::<i64>().unwrap() + 1);
    let mut tampered = device.clone();
    tampered.replace_range(tampered.len() - 4.., "0000");
    for cookie in [foreign, other_user, tampered] {
        let mut forged = t.client();
        forged.set_cookie("rodtrad_device", &cookie);
        forged.login("lederx@a.test", PASSWORD).await.expect(429);
    }
    // The device has a throttle of its own: a stolen device cookie gives no free guessing.
    for _ in 0..5 {
        owner.login("lederx@a.test", "feil-passord").await.expect(401);
    }
    owner.login("lederx@a.test", PASSWORD).await.expect(429);
});

// The per-address throttle holds for every account and device: many accounts tried from one address
// delay that address, a known device included, while other addresses go on.
both!(one_address_trying_many_accounts_is_delayed, |t: TestApp| async move {
    let mut owner = t.client();
    owner.ip = [10, 0, 0, 9];
    owner.login("ansattx@a.test", PASSWORD).await.expect(303);
    owner.post("/logout", &[]).await.expect(303);
    let mut spray = t.client();
    spray.ip = [10, 0, 0, 9];
    for i in 0..30 {
        spray.login(&format!("finnes-ikke-{i}@a.test"), "feil-passord").await.expect(401);
    }
    spray.login("ansattx@a.test", PASSWORD).await.expect(429);
    owner.login("ansattx@a.test", PASSWORD).await.expect(429);
    owner.ip = [10, 0, 0, 10];
    owner.login("ansattx@a.test", PASSWORD).await.expect(303);
    let mut elsewhere = t.client();
    elsewhere.ip = [10, 0, 0, 11];
    elsewhere.login("ansattx@a.test", PASSWORD).await.expect(303);
});

both!(password_change_ends_other_sessions, |t: TestApp| async move {
    let mut a = t.login("ansattx").await;
    let mut b = t.login("ansattx").await;
    a.post("/profile/password", &[("current", "feil"), ("new_password", "kort"), ("repeat", "kort")])
        .await
        .expect(422)
        .contains("Nåværende passord er feil.")
        .contains("Passordet må ha minst 10 tegn.");
    a.post(
        "/profile/password",
        &[("current", PASSWORD), ("new_password", "et-nytt-passord"), ("repeat", "et-nytt-passord")],
    )
    .await
    .expect(303);
    a.get("/profile?changed=1").await.expect(200).contains("Passordet er byttet");
    b.get("/").await.expect(303);
    let mut c = t.client();
    c.login("ansattx@a.test", PASSWORD).await.expect(401);
    c.login("ansattx@a.test", "et-nytt-passord").await.expect(303);
});

both!(security_headers_are_set, |t: TestApp| async move {
    let mut c = t.client();
    for path in ["/login", "/static/app.css", "/finnes-ikke"] {
        let res = c.get(path).await;
        let csp = res.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(res.headers.get("x-content-type-options").unwrap(), "nosniff");
    }
    let res = c.get("/healthz").await.expect(200);
    assert!(res.body.starts_with("ok "));
});

both!(framework_rejections_get_localised_pages, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    // A malformed id in the path: a page in the user's language with title and lang, not plain text.
    let res = c.get("/plans/abc").await.expect(400);
    res.contains("<html lang=\"nb\">").contains("<title>").contains("Adressen eller skjemaet er ugyldig.");
    // The API answers the same failure as JSON.
    let res = c.get("/api/v1/plans/abc").await.expect(400);
    assert_eq!(res.json()["error"], "err-bad-request");
    // A wrong method (with a valid CSRF token, which is checked first).
    let token = c.csrf().await;
    let res = c.send(axum::http::Method::DELETE, "/plans", None, &[("x-csrf-token", &token)]).await;
    assert_eq!(res.status.as_u16(), 405);
    res.contains("Denne handlingen er ikke tillatt her.");
    c.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    c.get("/elements/undefined")
        .await
        .expect(400)
        .contains("<html lang=\"en\">")
        .contains("The address or form is invalid.");
});

/// Asserts the security headers on one response, naming `what` on failure.
#[track_caller]
fn assert_security_headers(res: &crate::harness::Res, what: &str) {
    let header = |name: &str| res.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let csp = header("content-security-policy");
    let directive = |name: &str| {
        csp.split(';').map(str::trim).find(|d| d.split_whitespace().next() == Some(name)).unwrap_or("").to_owned()
    };
    for name in ["script-src", "style-src"] {
        let d = directive(name);
        let d = if d.is_empty() { directive("default-src") } else { d };
        assert!(d.contains("'self'"), "{what}: {name} missing in {csp:?}");
        assert!(
            !d.contains("unsafe-inline") && !d.contains("unsafe-eval") && !d.contains('*'),
            "{what}: {name} too wide: {d:?}"
        );
    }
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'", "{what}: {csp:?}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert!(!header("referrer-policy").is_empty(), "{what}: no Referrer-Policy");
}

both!(security_headers_on_every_kind_of_response, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut anon = t.client();
    let mut admin = t.login("admin").await;
    let mut employee = t.login("ansattx").await;
    let plan =
        t.db.plan_create(
            &rodtrad_store::Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() },
            &rodtrad_store::plans::PlanInput {
                plan_type: rodtrad_domain::plan::PlanType::UnitPlan,
                title: rodtrad_domain::Name::parse("Xplan").unwrap(),
                start_year: 2024,
                end_year: 2027,
                owner_unit_id: Some(fx.unit_x),
                published: false,
            },
            &[],
        )
        .await
        .unwrap();
    let cases: Vec<(&str, crate::harness::Res, u16)> = vec![
        ("HTML page", anon.get("/login").await, 200),
        ("not found", anon.get("/finnes-ikke").await, 404),
        ("forbidden", employee.get("/users").await, 403),
        ("bad request", admin.get("/plans/abc").await, 400),
        ("static file", anon.get("/static/app.css").await, 200),
        ("JSON", admin.get("/api/v1/plans").await, 200),
        ("JSON error", anon.get("/api/v1/plans").await, 401),
        ("CSV", admin.get("/audit.csv").await, 200),
        ("XLSX", admin.get(&format!("/plans/{plan}/export.xlsx")).await, 200),
        ("health check", anon.get("/healthz").await, 200),
    ];
    for (what, res, status) in &cases {
        assert_eq!(res.status.as_u16(), *status, "{what}");
        assert_security_headers(res, what);
    }
    // Too large: a form over the limit.
    let token = admin.csrf().await;
    let huge = format!("csrf_token={token}&name={}", "x".repeat(3 * 1024 * 1024));
    let res = admin.send(Method::POST, &format!("/org/{}", fx.unit_x), Some(huge), &[]).await.expect(413);
    assert_security_headers(&res, "too large");
    // A request that outlives the timeout: its body never arrives.
    let slow = t.configured(|c| c.request_timeout = std::time::Duration::from_millis(200));
    let mut c = slow.client();
    let body = Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
    let res = c.send_body(Method::POST, "/login", body, &[("content-type", "application/x-www-form-urlencoded")]).await;
    assert_eq!(res.status.as_u16(), 408);
    assert_security_headers(&res, "timeout");
});

both!(cookies_are_http_only_same_site_and_secure_when_configured, |t: TestApp| async move {
    let flags = |res: &crate::harness::Res| -> Vec<String> {
        res.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    };
    for (app, secure) in [(t.second_process(), false), (t.configured(|c| c.secure_cookies = true), true)] {
        let mut c = app.client();
        let before_login = flags(&c.get("/login").await);
        let login = flags(&c.login("lederx@a.test", PASSWORD).await.expect(303));
        assert!(login.iter().any(|c| c.starts_with("rodtrad_session=")), "{login:?}");
        for cookie in before_login.iter().chain(&login) {
            assert!(cookie.contains("HttpOnly"), "{cookie}");
            assert!(cookie.contains("SameSite=Lax") || cookie.contains("SameSite=Strict"), "{cookie}");
            assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
        }
    }
});

both!(login_next_with_control_characters_or_backslashes_stays_local, |t: TestApp| async move {
    for next in ["/\t/evil.example/", "/\\evil.example/", "/\n/evil.example", "\t//evil.example", "/%09/x", "/org?x=1"]
    {
        let mut c = t.client();
        let token = c.csrf().await;
        let res = c
            .post_raw(
                "/login",
                &[("csrf_token", &token), ("email", "lederx@a.test"), ("password", PASSWORD), ("next", next)],
            )
            .await
            .expect(303);
        // Percent-encoded characters stay encoded and so stay on the site; raw ones fall back to the start page.
        let expected = if next.starts_with("/%") || next.starts_with("/org") { next } else { "/" };
        assert_eq!(res.location(), expected, "next {next:?}");
    }
});

both!(a_replayed_session_after_logout_cannot_write, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let token = c.csrf().await;
    let old = c.cookie("rodtrad_session").cloned().unwrap();
    c.post("/logout", &[]).await.expect(303);
    c.set_cookie("rodtrad_session", &old);
    let before = t.audit_count().await;
    let res = c.post_raw("/people", &[("csrf_token", &token), ("name", "Etter utlogging")]).await;
    assert!(res.status.as_u16() == 403 || res.location().starts_with("/login"), "{}", res.status);
    assert_eq!(t.audit_count().await, before);
});
