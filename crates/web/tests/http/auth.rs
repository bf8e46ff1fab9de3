//! Login, logout, sessions, CSRF, throttling, password change and security headers.

use crate::both;
use crate::harness::{PASSWORD, TestApp};

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

both!(login_is_throttled_per_account_and_per_ip, |t: TestApp| async move {
    let mut c = t.client();
    for _ in 0..5 {
        c.login("lederx@a.test", "feil-passord").await.expect(401);
    }
    // Even the right password is refused while throttled, with a clear message.
    c.login("lederx@a.test", PASSWORD).await.expect(429).contains("For mange mislykkede innlogginger");
    // Another account from another address is not affected.
    let mut other = t.client();
    other.ip = [10, 0, 0, 2];
    other.login("ledery@a.test", PASSWORD).await.expect(303);

    // Per address: many accounts tried from one address.
    let mut spray = t.client();
    spray.ip = [10, 0, 0, 9];
    for i in 0..30 {
        spray.login(&format!("finnes-ikke-{i}@a.test"), "feil-passord").await.expect(401);
    }
    spray.login("ansattx@a.test", PASSWORD).await.expect(429);
    let mut elsewhere = t.client();
    elsewhere.ip = [10, 0, 0, 10];
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
