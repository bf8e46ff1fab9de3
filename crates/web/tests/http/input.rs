//! Form input that is not UTF-8 text: refused with 422 for every form, whatever its handler, with a
//! message naming the field in the user's language, the form shown again with what was text, and
//! nothing written.

use crate::both;
use crate::csrf::rows;
use crate::harness::{Client, Res, TestApp};
use crate::scene::{Scene, Scope, Subject};
use axum::body::Body;
use axum::http::Method;

/// POSTs `fields` (already urlencoded, so `%FF` stays a byte) with a valid CSRF token.
async fn post_encoded(c: &mut Client, path: &str, fields: &str) -> Res {
    let token = c.csrf().await;
    c.send(Method::POST, path, Some(format!("csrf_token={token}&{fields}")), &[]).await
}

both!(a_form_with_text_that_is_not_utf8_is_refused_and_shown_again, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let (audit, before) = (t.audit_count().await, rows(&t).await);
    // A new plan whose title holds a byte that is not UTF-8: 422, the field named, the values that
    // were text kept in the form shown again, nothing written.
    let res = post_encoded(
        &mut m,
        "/plans",
        "plan_type=action_programme&title=Plan+for+%C3%85s%FF%FE&start_year=2024&end_year=2027",
    )
    .await
    .expect(422);
    res.contains("Feltet «title» inneholder tegn som ikke er gyldig tekst")
        .contains("action=\"/plans\"")
        .contains(">Plan for Ås</textarea>")
        .contains(">2024</textarea>")
        .contains(">action_programme</textarea>")
        .contains("aria-invalid=\"true\"")
        .lacks("\u{fffd}");
    assert_eq!((t.audit_count().await, rows(&t).await), (audit, before), "nothing written");
    // Sending the form shown again, corrected, saves it.
    let again = res.csrf().unwrap();
    m.post_raw(
        "/plans",
        &[
            ("csrf_token", &again),
            ("plan_type", "action_programme"),
            ("title", "Plan for Ås"),
            ("start_year", "2024"),
            ("end_year", "2027"),
        ],
    )
    .await
    .expect(303);

    // Editing a unit: raw bytes in the body (not percent-encoded) are refused the same way.
    let unit = format!("/org/{}", fx.unit_x);
    let token = m.csrf().await;
    let mut body = format!("csrf_token={token}&name=Xskolen").into_bytes();
    body.extend_from_slice(b"\xC3\x28&valid_from=2020-01-01&version=2");
    let ct = [("content-type", "application/x-www-form-urlencoded")];
    let (audit, before) = (t.audit_count().await, rows(&t).await);
    m.send_body(Method::POST, &unit, Body::from(body), &ct).await.expect(422).contains("Feltet «name»");
    assert_eq!((t.audit_count().await, rows(&t).await), (audit, before));
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().name, "Xskolen");

    // In English for an English user; a password is never shown again.
    let mut en = t.client();
    en.set_cookie("rodtrad_lang", "en");
    let res = post_encoded(&mut en, "/login", "email=styring%FF%40a.test&password=passord-for-test&next=%2F")
        .await
        .expect(422);
    res.contains("The field “email” contains characters that are not valid text").lacks("passord-for-test");
    assert!(en.cookie("rodtrad_session").is_none());
});

both!(a_multipart_form_with_a_text_field_that_is_not_utf8_is_refused, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let csrf = c.csrf().await;
    let boundary = "rodtradUtf8Boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kpi.csv\"\r\nContent-Type: text/csv\r\n\r\n\
         EC: P: EM: 1C;2019;2,1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(b"ugyldig \xFF tekst");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let (audit, before) = (t.audit_count().await, rows(&t).await);
    for path in ["/u4ssc/kpi-import", "/statistics/import"] {
        let res = c.send_body(Method::POST, path, Body::from(body.clone()), &[("content-type", ct.as_str())]).await;
        res.expect(422).contains("Feltet «note» inneholder tegn som ikke er gyldig tekst");
    }
    assert_eq!((t.audit_count().await, rows(&t).await), (audit, before), "nothing staged or written");
});

// Every state-changing route of the route table (the API's JSON aside) refuses a form whose values
// are not UTF-8, even from a system administrator, and writes nothing.
both!(every_form_refuses_text_that_is_not_utf8, |t: TestApp| async move {
    let mut scene = Scene::new(&t).await;
    let admin = scene.subjects.iter().position(|(s, _)| *s == Subject::SystemAdmin).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in rodtrad_web::route_table().iter().filter(|r| r.method != Method::GET && !r.path.starts_with("/api/")) {
        let path = scene.fill(&t, route, Subject::SystemAdmin, Scope::Own).await;
        let fields = scene.body(route, Subject::SystemAdmin, Scope::Own);
        let encoded: Vec<String> =
            fields.iter().map(|(k, v)| format!("{}%FF", serde_urlencoded::to_string([(k, v)]).unwrap())).collect();
        let (audit, before) = (scene.audit_count(&t).await, rows(&t).await);
        let c = &mut scene.subjects[admin].1;
        let token = c.csrf().await;
        let body = format!("csrf_token={token}&{}", encoded.join("&"));
        let res = c.send(route.method.clone(), &path, Some(body), &[]).await;
        checked += 1;
        if res.status.as_u16() != 422 || !res.body.contains("gyldig tekst") {
            failures.push(format!("{} {path}: {}", route.method, res.status));
        } else if scene.audit_count(&t).await != audit || rows(&t).await != before {
            failures.push(format!("{} {path} was refused but wrote", route.method));
        }
    }
    assert!(checked > 30, "only {checked} forms");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The session survived: a valid form still works.
    scene.subjects[admin].1.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
});
