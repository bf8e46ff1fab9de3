//! Dates and times read the same way on every page: `dd.mm.åååå` in bokmål and nynorsk, `4 Dec 2026`
//! in English, never ISO 8601 in the visible text (machine formats keep ISO).

use crate::both;
use crate::harness::{Client, TestApp};
use rodtrad_store::demo;
use rodtrad_store::password::HashCost;

/// The text a reader sees: the body without scripts, styles and tags (so attributes such as
/// `<time datetime>` and the ISO values of date inputs are left out).
fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        text.push(' ');
        let after = &rest[start..];
        let skip_to = ["script", "style"]
            .iter()
            .find_map(|tag| after.strip_prefix(&format!("<{tag}")).and_then(|_| after.find(&format!("</{tag}>"))));
        let end = match skip_to {
            Some(close) => after[close..].find('>').map(|e| close + e + 1),
            None => after.find('>').map(|e| e + 1),
        };
        rest = &after[end.unwrap_or(after.len())..];
    }
    text.push_str(rest);
    text
}

/// Every `YYYY-MM-DD` in `text`.
fn iso_dates(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (0..b.len().saturating_sub(9))
        .filter(|&i| {
            digits(i..i + 4)
                && b[i + 4] == b'-'
                && digits(i + 5..i + 7)
                && b[i + 7] == b'-'
                && digits(i + 8..i + 10)
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit())
        })
        .map(|i| text[i..i + 10].to_owned())
        .collect()
}

#[test]
fn visible_text_leaves_out_tags_scripts_and_attributes() {
    let html = r#"<p>Frist <time datetime="2026-06-20">20.06.2026</time></p><input type="date" value="2026-01-02"><script>x="2026-03-04"</script>ok"#;
    let text = visible_text(html);
    assert!(text.contains("20.06.2026") && text.contains("ok"), "{text}");
    assert!(iso_dates(&text).is_empty(), "{text}");
    assert_eq!(iso_dates("fra 2026-06-20 til 2026-06-21x 12026-01-01"), vec!["2026-06-20", "2026-06-21"]);
}

/// The pages of the demo that show dates or timestamps, for a signed-in chief executive.
async fn pages(t: &TestApp, c: &mut Client, mid: i64) -> Vec<String> {
    let plans = t.db.plans(mid).await.unwrap();
    let master = plans.iter().find(|p| p.title.starts_with("Kommuneplanens samfunnsdel")).unwrap().id;
    let unit_plan = plans.iter().find(|p| p.plan_type.code() == "unit_plan").unwrap();
    let unit = unit_plan.owner_unit_id.unwrap();
    let table = t.db.stat_tables(mid).await.unwrap()[0].id;
    let indicator =
        t.db.elements_all(mid)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.text == rodtrad_store::demo_plans::EMISSIONS_INDICATOR && !e.inherited())
            .unwrap()
            .id;
    let table_page = c.get(&format!("/statistics/tables/{table}")).await.expect(200);
    let import = table_page.body.split("/statistics/imports/").nth(1).map(|s| s.split('"').next().unwrap().to_owned());
    let u4ssc_year = t.db.u4ssc_assessments(mid).await.unwrap().last().unwrap().year;
    let mut paths = vec![
        "/".to_owned(),
        "/plans".to_owned(),
        format!("/plans/{master}"),
        format!("/plans/{}", unit_plan.id),
        format!("/plans/{master}/versions"),
        format!("/org/{unit}"),
        "/profile".to_owned(),
        "/statistics".to_owned(),
        format!("/statistics/tables/{table}"),
        "/statistics/sdg".to_owned(),
        format!("/elements/{indicator}/statistics"),
        format!("/u4ssc/{u4ssc_year}"),
        format!("/public/{}/plans/{master}", demo::DEMO_NUMBER),
        "/red-thread".to_owned(),
    ];
    paths.extend(import.map(|id| format!("/statistics/imports/{id}")));
    paths
}

both!(pages_show_dates_in_the_readers_convention_and_never_iso, |t: TestApp| async move {
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let summary = demo::load(&t.db, cost).await.unwrap();
    let mid = summary.municipality_id;
    rodtrad_service::stat_import::load_demo(&t.db, mid).await.unwrap();
    let mut c = t.client();
    c.login("kommunedirektor@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);
    // A token gives the profile page its dates; a delegation gives the unit page one.
    c.post("/profile/tokens", &[("name", "Rapport"), ("days", "30")]).await.expect(201);
    let paths = pages(&t, &mut c, mid).await;
    let mut auditor = t.client();
    auditor.login("revisor@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);

    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    for (lang, decision, deadline, moment) in [
        ("nb", "16.06.2020", format!("20.06.{year}"), " kl. ".to_owned()),
        ("en", "16 Jun 2020", format!("20 Jun {year}"), format!("{year}, ")),
    ] {
        for client in [&mut c, &mut auditor] {
            client.post("/language", &[("lang", lang), ("next", "/")]).await.expect(303);
        }
        for path in &paths {
            let page = c.get(path).await.expect(200);
            let found = iso_dates(&visible_text(&page.body));
            assert!(found.is_empty(), "{lang} {path} shows ISO dates {found:?}");
        }
        let plans = t.db.plans(mid).await.unwrap();
        let master = plans.iter().find(|p| p.title.starts_with("Kommuneplanens samfunnsdel")).unwrap().id;
        c.get(&format!("/plans/{master}")).await.expect(200).contains(decision);
        c.get(&format!("/public/{}/plans/{master}", demo::DEMO_NUMBER)).await.expect(200).contains(decision);
        let unit_plan =
            plans.iter().find(|p| p.plan_type.code() == "unit_plan" && p.title.contains("Bondi skole")).unwrap().id;
        c.get(&format!("/plans/{unit_plan}")).await.expect(200).contains(&deadline);
        // The audit log: its timestamps and the dates in its readable changes.
        let log = auditor.get("/audit").await.expect(200);
        let found = iso_dates(&visible_text(&log.body));
        assert!(found.is_empty(), "{lang} /audit shows ISO dates {found:?}");
        let first_time = log.body.split("<time datetime=").nth(1).unwrap();
        let shown = &first_time[first_time.find('>').unwrap() + 1..first_time.find("</time>").unwrap()];
        assert!(shown.contains(&moment) && iso_dates(shown).is_empty(), "{lang}: {shown}");
        // Machines keep ISO 8601: the CSV export and the API.
        let csv = auditor.get("/audit.csv").await.expect(200);
        assert!(!iso_dates(&csv.body).is_empty(), "the audit CSV keeps ISO timestamps");
        let elements = c.get(&format!("/api/v1/plans/{unit_plan}/elements")).await.expect(200).json();
        assert!(elements.as_array().unwrap().iter().any(|e| e["deadline"] == format!("{year}-06-20")));
    }
});
