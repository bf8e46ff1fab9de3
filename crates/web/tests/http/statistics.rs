//! Statistics: upload with preview, import and re-import history, region mapping across the
//! municipality reforms with the break marker, comparison exports, peer groups, indicators fed from
//! statistics, scheduled fetching from a PxWebApi, and the SDG dashboard.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_domain::Name;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_service::stat_import::{self, FetchSpec, Progress};
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};

const POPULATION: &str = include_str!("../../../store/demo/statistics/07459-befolkning.json");
const VGO_V1: &str = include_str!("../../../store/demo/statistics/12971-gjennomforing-vgo-v0.json");

/// Uploads `body` as the file field of the import form.
async fn upload(c: &mut Client, name: &str, body: &str) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradTestBoundary7MA4YWxk";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{body}\r\n\
         --{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send(Method::POST, "/statistics/import", Some(multipart), &[("content-type", ct.as_str())]).await
}

/// Uploads and confirms; returns the import page's path.
async fn import(c: &mut Client, name: &str, body: &str) -> String {
    let preview = upload(c, name, body).await.expect(200);
    let action =
        preview.body.split("action=\"/statistics/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let res = c.post(&format!("/statistics/import/{action}"), &[]).await.expect(303);
    res.location().to_owned()
}

/// Makes the fixture municipality Asker, so its series runs across 0220 → 3025 → 3203.
async fn become_asker(t: &TestApp) {
    let id = t.fx.municipality;
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE municipalities SET number = '3203' WHERE id = $1").bind(id).execute(pool).await.unwrap();
    });
}

/// Cells stored for the municipality, as the store reads them back.
async fn stored_cells(t: &TestApp) -> i64 {
    let mut n = 0;
    for s in t.db.stat_series_list(t.fx.municipality, None).await.unwrap() {
        n += t.db.stat_observations(s.id).await.unwrap().len() as i64;
    }
    n
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

fn series_id(page: &str) -> i64 {
    page.split("href=\"/statistics/series/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
}

both!(upload_previews_then_imports_and_reimport_keeps_history, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let preview = upload(&mut c, "07459.json", POPULATION).await.expect(200);
    preview
        .contains("07459: Befolkning")
        .contains("Asker (-2019)")
        .contains("Røyken (-2019)")
        .contains("i dag 3203")
        .contains("180 celler");
    // Nothing is stored before the user confirms.
    assert_eq!(stored_cells(&t).await, 0);
    assert_eq!(count(&t, "stat_imports").await, 0);
    let audit_before = t.audit_count().await;
    let page = import(&mut c, "07459.json", POPULATION).await;
    let done = c.get(&page).await.expect(200);
    done.contains("Fullført");
    let stored = stored_cells(&t).await;
    assert!(stored > 100, "{stored} cells stored");
    assert_eq!(t.audit_count().await, audit_before + 1);
    // The same file again: nothing new, nothing changed.
    let again = import(&mut c, "07459.json", POPULATION).await;
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    assert_eq!((imp.cells_added, imp.cells_changed, imp.cells_unchanged), (0, 0, stored));
    assert!(again.ends_with(&imp.id.to_string()));
    // A revised figure: one cell changes and the old value stays in the history.
    let revised = POPULATION.replacen("5165802", "5165900", 1);
    assert_ne!(revised, POPULATION, "the demo file holds the figure this test revises");
    import(&mut c, "07459.json", &revised).await;
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    assert_eq!((imp.cells_added, imp.cells_changed), (0, 1));
    assert_eq!(count(&t, "stat_value_changes").await, 1);
    let table = imp.table_id.unwrap();
    c.get(&format!("/statistics/tables/{table}")).await.expect(200).contains("5165802").contains("5165900");
    c.get("/statistics").await.expect(200).contains("07459: Befolkning");
});

both!(bad_files_are_refused_with_a_message_and_change_nothing, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let res = upload(&mut c, "x.json", r#"{"version":"2.0","class":"dataset","id":["a"],"size":[2],"dimension":{"a":{"category":{"index":["x","y"]}}},"value":[1,2,3]}"#)
        .await
        .expect(422);
    res.contains("ikke gyldig JSON-stat").contains("value");
    upload(&mut c, "x.json", "not json at all").await.expect(422).contains("ikke gyldig JSON-stat");
    // Valid JSON-stat whose cells hold text: said in words, naming the cell and the text.
    let text = r#"{"version":"2.0","class":"dataset","id":["Tid"],"size":[2],"role":{"time":["Tid"]},"dimension":{"Tid":{"category":{"index":["2020","2021"]}}},"value":[1,"prikket"]}"#;
    upload(&mut c, "x.json", text)
        .await
        .expect(422)
        .contains("Cellen value[1] («prikket») inneholder tekst, ikke et tall")
        .lacks("invalid type");
    assert_eq!(count(&t, "stat_imports").await, 0);
    assert_eq!(count(&t, "stat_uploads").await, 0);
    // Only municipality-wide editors import; everyone signed in reads.
    let mut leader = t.login("lederx").await;
    leader.get("/statistics/import").await.expect(403);
    upload(&mut leader, "07459.json", POPULATION).await.expect(403);
    let mut employee = t.login("ansattx").await;
    employee.get("/statistics").await.expect(200);
    employee.get("/statistics/sdg").await.expect(200);
    t.client().get("/statistics").await.expect(303);
});

both!(a_national_table_is_stored_as_the_whole_country, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    // National figures without a region dimension, as SSB publishes many tables.
    let national = r#"{"version":"2.0","class":"dataset","label":"Konsumprisindeks","id":["Tid"],"size":[2],"role":{"time":["Tid"]},"dimension":{"Tid":{"category":{"index":["2023","2024"]}}},"value":[127.6,131.6]}"#;
    let preview = upload(&mut c, "kpi.json", national).await.expect(200);
    preview.contains("Hele landet");
    import(&mut c, "kpi.json", national).await;
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    assert_eq!(imp.cells_added, 2);
    let table = c.get(&format!("/statistics/tables/{}", imp.table_id.unwrap())).await.expect(200);
    table.contains("Konsumprisindeks").contains("131,6");
    let sid = series_id(&table.body);
    c.get(&format!("/statistics/series/{sid}")).await.expect(200).contains("131,6");
});

both!(series_runs_across_reforms_and_marks_the_merger, |t: TestApp| async move {
    become_asker(&t).await;
    let mut c = t.login("styring").await;
    let page = import(&mut c, "07459.json", POPULATION).await;
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    assert!(page.ends_with(&imp.id.to_string()));
    let table = c.get(&format!("/statistics/tables/{}", imp.table_id.unwrap())).await.expect(200);
    let sid = series_id(&table.body);
    let page = c.get(&format!("/statistics/series/{sid}")).await.expect(200);
    page.contains("<svg").contains("role=\"img\"").contains("sammenslåing av 0220 Asker, 0627 Røyken, 0628 Hurum");
    // Every year 2015–2024 has a figure for Asker: no gap at either reform.
    let csv = c.get(&format!("/statistics/series/{sid}/compare.csv")).await.expect(200);
    let rows: Vec<&str> = csv.body.lines().filter(|l| l.starts_with("3203;")).collect();
    assert_eq!(rows.len(), 10, "{rows:?}");
    assert!(rows.iter().all(|r| r.split(';').nth(4).is_some_and(|v| !v.is_empty())), "{rows:?}");
    let used = |year: &str| rows.iter().find(|r| r.split(';').nth(3) == Some(year)).unwrap().split(';').nth(6).unwrap();
    assert_eq!((used("2019"), used("2020"), used("2024")), ("0220", "3025", "3203"));
    let break_2020 = rows.iter().find(|r| r.split(';').nth(3) == Some("2020")).unwrap();
    assert!(break_2020.contains("sammenslåing"), "{break_2020}");
    assert!(!rows.iter().find(|r| r.contains(";2024;")).unwrap().contains("sammenslåing"));
    // Never summed: 2019 is Asker alone, smaller than the merged 2020.
    let value = |year: &str| -> f64 {
        rows.iter().find(|r| r.split(';').nth(3) == Some(year)).unwrap().split(';').nth(4).unwrap().parse().unwrap()
    };
    assert!(value("2019") * 1.3 < value("2020"), "{} vs {}", value("2019"), value("2020"));
    // County and country ride along when the table has them.
    csv.contains(";Akershus;").contains(";Hele landet;");
    // JSON-stat 2.0 export reads back with the same figures.
    let json = c.get(&format!("/statistics/series/{sid}/compare.json")).await.expect(200);
    let ds = rodtrad_export::jsonstat::read_datasets(json.bytes.as_slice()).unwrap().remove(0);
    let (ri, regions) = ds.dimension("Region").unwrap();
    assert_eq!(ri, 0);
    let (home, _) = regions.category("3203").unwrap();
    let (_, years) = ds.dimension("Tid").unwrap();
    let (y2019, _) = years.category("2019").unwrap();
    assert_eq!(ds.value(ds.flat_index(&[home, y2019])), Some(value("2019")));
    let xlsx = c.get(&format!("/statistics/series/{sid}/compare.xlsx")).await.expect(200);
    assert!(xlsx.bytes.starts_with(b"PK"));
});

both!(peer_groups_validate_and_refuse_stale_edits, |t: TestApp| async move {
    become_asker(&t).await;
    let mut c = t.login("styring").await;
    let res = c
        .post(
            "/statistics/peer-groups",
            &[("name", "Naboer"), ("kind", "neighbours"), ("regions", "3201 Bærum\n32<b>x")],
        )
        .await
        .expect(422);
    res.contains("Ugyldig regionkode").contains("3201 Bærum");
    c.post("/statistics/peer-groups", &[("name", ""), ("kind", "neighbours"), ("regions", "3201")]).await.expect(422);
    assert_eq!(count(&t, "stat_peer_groups").await, 0);
    c.post("/statistics/peer-groups", &[("name", "Naboer"), ("kind", "neighbours"), ("regions", "0219 Bærum\n3301")])
        .await
        .expect(303);
    let groups = t.db.peer_groups(t.fx.municipality).await.unwrap();
    let (g, members) = &groups[0];
    assert_eq!(members, &vec!["0219".to_owned(), "3301".to_owned()]);
    let id = g.id.to_string();
    c.post(
        "/statistics/peer-groups",
        &[("id", &id), ("version", "1"), ("name", "Naboer 2"), ("kind", "neighbours"), ("regions", "3201")],
    )
    .await
    .expect(303);
    c.post(
        "/statistics/peer-groups",
        &[("id", &id), ("version", "1"), ("name", "Gammel"), ("kind", "neighbours"), ("regions", "3201")],
    )
    .await
    .expect(409)
    .contains("Gammel");
    // The comparison follows an old peer code to today's municipality.
    c.post(
        "/statistics/peer-groups",
        &[("id", &id), ("version", "2"), ("name", "Naboer"), ("kind", "neighbours"), ("regions", "0219")],
    )
    .await
    .expect(303);
    import(&mut c, "07459.json", POPULATION).await;
    let sid = t.db.stat_series_list(t.fx.municipality, None).await.unwrap()[0].id;
    let page = c.get(&format!("/statistics/series/{sid}?group={id}")).await.expect(200);
    page.contains("Bærum");
    c.get(&format!("/statistics/series/{sid}?group=999999")).await.expect(404);
    c.get(&format!("/statistics/series/{sid}?group=x")).await.expect(422);
    t.login("lederx")
        .await
        .post("/statistics/peer-groups", &[("name", "X"), ("kind", "custom"), ("regions", "3201")])
        .await
        .expect(403);
});

both!(indicators_take_values_from_statistics_and_follow_reimports, |t: TestApp| async move {
    become_asker(&t).await;
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() };
    let plan = PlanInput {
        plan_type: PlanType::ActionProgramme,
        title: Name::parse("Handlingsprogram").unwrap(),
        start_year: 2024,
        end_year: 2027,
        owner_unit_id: Some(fx.root),
        published: false,
    };
    let p = t.db.plan_create(&a, &plan, &[]).await.unwrap();
    let input = |kind, text: &str, sdg: &[(&str, bool)]| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: sdg.iter().map(|(c, ad)| (c.to_string(), *ad)).collect(),
    };
    let goal =
        t.db.element_create(&a, p, None, &input(ElementKind::MainGoal, "Alle fullfører skolen", &[("4.1", true)]))
            .await
            .unwrap();
    let ind = t
        .db
        .element_create(&a, p, Some(goal), &input(ElementKind::Indicator, "Andel som fullfører vgo", &[("4.1", false)]))
        .await
        .unwrap();
    let mut c = t.login("styring").await;
    // The older 1.x bundle form imports too.
    import(&mut c, "12971.json", VGO_V1).await;
    let sid = t.db.stat_series_list(fx.municipality, None).await.unwrap()[0].id.to_string();
    c.get(&format!("/elements/{ind}/statistics")).await.expect(200).contains("Hent verdier fra statistikk");
    c.post(&format!("/elements/{ind}/statistics"), &[("series", "x"), ("region", "3203"), ("version", "")])
        .await
        .expect(422);
    c.post(&format!("/elements/{ind}/statistics"), &[("series", &sid), ("region", ""), ("version", "")])
        .await
        .expect(422)
        .contains("Oppgi regionen");
    c.post(&format!("/elements/{ind}/statistics"), &[("series", &sid), ("region", "3203"), ("version", "")])
        .await
        .expect(303);
    let values = t.db.indicator_values(fx.municipality, ind).await.unwrap();
    assert_eq!(values.len(), 10, "{values:?}");
    assert!(
        values
            .iter()
            .all(|v| v.origin == "statistics" && v.source_label.as_deref().is_some_and(|l| l.contains("12971")))
    );
    let v2019 = values.iter().find(|v| v.period == "2019").unwrap().value.unwrap();
    // A stale second link is refused.
    c.post(&format!("/elements/{ind}/statistics"), &[("series", &sid), ("region", "3201"), ("version", "")])
        .await
        .expect(409);
    // A re-import with a revised 2019 figure updates the indicator.
    let mut doc: serde_json::Value = serde_json::from_str(VGO_V1).unwrap();
    let cells = doc["dataset"]["value"].as_array_mut().unwrap();
    let hits = cells.iter_mut().filter(|v| v.as_f64() == Some(v2019)).map(|v| *v = serde_json::json!(99.9)).count();
    assert!(hits >= 1);
    let revised = doc.to_string();
    import(&mut c, "12971.json", &revised).await;
    let values = t.db.indicator_values(fx.municipality, ind).await.unwrap();
    assert_eq!(values.iter().find(|v| v.period == "2019").unwrap().value, Some(99.9), "{values:?}");
    // The SDG dashboard shows the indicator under goal 4 and the series once linked.
    c.post(&format!("/statistics/series/{sid}/goals"), &[("goal", "4")]).await.expect(303);
    let dash = c.get("/statistics/sdg").await.expect(200);
    dash.contains("Andel som fullfører vgo").contains("h-goal-4").contains("Gjennomføring i videregående");
    c.post(&format!("/statistics/series/{sid}/goals"), &[("goal", "18")]).await.expect(422);
    // Only plan editors set the source.
    t.login("ansattx")
        .await
        .post(&format!("/elements/{ind}/statistics"), &[("series", ""), ("region", ""), ("version", "2")])
        .await
        .expect(403);
});

both!(other_municipalities_see_nothing, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    import(&mut c, "07459.json", POPULATION).await;
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    let sid = t.db.stat_series_list(t.fx.municipality, None).await.unwrap()[0].id;
    let mut other = t.client();
    other.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    other.get(&format!("/statistics/series/{sid}")).await.expect(404);
    other.get(&format!("/statistics/series/{sid}/compare.csv")).await.expect(404);
    other.get(&format!("/statistics/tables/{}", imp.table_id.unwrap())).await.expect(404);
    other.get(&format!("/statistics/imports/{}", imp.id)).await.expect(404);
    other.get("/statistics").await.expect(200).lacks("07459");
});

both!(saved_queries_are_fetched_from_a_pxwebapi_on_schedule, |t: TestApp| async move {
    // A local server answers with a recorded response, as SSB's PxWebApi v2 would.
    let app = axum::Router::new().route(
        "/api/pxwebapi/v2/tables/07459/data",
        axum::routing::get(|q: axum::extract::RawQuery| async move {
            assert!(q.0.unwrap_or_default().contains("outputFormat=json-stat2"));
            ([("content-type", "application/json")], POPULATION)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let spec = FetchSpec {
        municipality: "0301".into(),
        url: format!("http://{addr}/api/pxwebapi/v2/tables/07459/data"),
        query: "lang=no&outputFormat=json-stat2&valueCodes[Region]=*".into(),
        every_hours: 24,
    };
    let client = reqwest::Client::new();
    let progress = Progress::default();
    assert_eq!(stat_import::fetch_due(&t.db, &client, std::slice::from_ref(&spec), &progress).await, 1);
    let imp = t.db.stat_imports(t.fx.municipality, None, 1).await.unwrap().remove(0);
    assert_eq!((imp.origin.as_str(), imp.state.as_str()), ("fetch", "done"));
    assert!(imp.cells_added > 100);
    // Not due again until the interval has passed.
    assert_eq!(stat_import::fetch_due(&t.db, &client, std::slice::from_ref(&spec), &progress).await, 0);
    let last = t.db.stat_last_fetch(&spec.address()).await.unwrap().unwrap();
    assert!(spec.due(Some(last), last + chrono::Duration::hours(24)));
    assert!(!spec.due(Some(last), last + chrono::Duration::hours(23)));
    // A failing source is reported and writes nothing.
    let broken = FetchSpec { url: format!("http://{addr}/missing"), ..spec.clone() };
    assert!(stat_import::fetch_and_import(&t.db, &client, &broken, &progress).await.is_err());
    assert_eq!(t.db.stat_imports(t.fx.municipality, None, 10).await.unwrap().len(), 1);
    server.abort();
});

/// A JSON-stat file of `years` × `regions` cells (one content), larger than an inline import when
/// the product passes 20,000.
fn synthetic(years: usize, regions: usize) -> String {
    let periods: Vec<String> = (0..years).map(|y| format!("\"{}\"", 1990 + y)).collect();
    let codes: Vec<String> = (0..regions).map(|r| format!("\"{}\"", 9000 + r)).collect();
    let values: Vec<String> = (0..years * regions).map(|i| (i % 997).to_string()).collect();
    format!(
        r#"{{"version":"2.0","class":"dataset","label":"Syntetisk","source":"Test","id":["Tid","ContentsCode","Region"],
        "size":[{years},1,{regions}],"role":{{"time":["Tid"],"geo":["Region"],"metric":["ContentsCode"]}},
        "extension":{{"px":{{"tableid":"99999"}}}},
        "dimension":{{"Tid":{{"category":{{"index":[{}]}}}},"ContentsCode":{{"category":{{"index":["Antall"]}}}},
        "Region":{{"category":{{"index":[{}]}}}}}},"value":[{}]}}"#,
        periods.join(","),
        codes.join(","),
        values.join(",")
    )
}

async fn wait_for_import(t: &TestApp, id: i64) -> rodtrad_store::statistics::StatImport {
    for _ in 0..600 {
        let imp = t.db.stat_import(t.fx.municipality, id).await.unwrap();
        if imp.state != "running" {
            return imp;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("import {id} still running after 60 s");
}

fn import_id(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// Uploads `body` and queues its import as the page's confirm does, without running the job: a
/// process that stopped right after the request.
async fn queue_without_running(t: &TestApp, c: &mut Client, body: &str) -> rodtrad_service::stat_import::QueuedUpload {
    upload(c, "fil.json", body).await.expect(200);
    let (upload, user_id): (rodtrad_store::statistics::Upload, Option<i64>) = on_db!(&t.db, pool => {
        let u = sqlx::query_as("SELECT id, file_name, body FROM stat_uploads ORDER BY id DESC LIMIT 1").fetch_one(pool).await.unwrap();
        let user: Option<i64> = sqlx::query_scalar("SELECT user_id FROM stat_uploads ORDER BY id DESC LIMIT 1").fetch_one(pool).await.unwrap();
        (u, user)
    });
    let author = Author { municipality_id: t.fx.municipality, user_id, name: "Styring".into() };
    stat_import::queue_upload(&t.db, &author, &upload).await.unwrap()
}

both!(large_uploads_run_as_a_durable_job_and_the_page_stops_refreshing, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let file = synthetic(30, 700);
    let preview = upload(&mut c, "stor.json", &file).await.expect(200);
    let token =
        preview.body.split("action=\"/statistics/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let location = c.post(&format!("/statistics/import/{token}"), &[]).await.expect(303).location().to_owned();
    let imp = wait_for_import(&t, import_id(&location)).await;
    assert_eq!((imp.state.as_str(), imp.cells_added), ("done", 21_000), "{imp:?}");
    let job = t.db.job(t.fx.municipality, imp.job_id.expect("an upload runs as a job")).await.unwrap();
    assert_eq!((job.kind.as_str(), job.state.as_str(), job.attempts), ("stat_upload", "done", 1));
    // The file is forgotten once imported, and the same preview cannot be confirmed twice.
    assert_eq!(count(&t, "stat_uploads").await, 0);
    c.post(&format!("/statistics/import/{token}"), &[]).await.expect(404);
    assert_eq!(count(&t, "stat_imports").await, 1);
    c.get(&location).await.expect(200).contains("Forsøk 1").lacks("http-equiv=\"refresh\"");
});

both!(a_job_left_running_by_a_stopped_process_runs_again_after_a_restart, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let queued = queue_without_running(&t, &mut c, POPULATION).await;
    // The process claimed the job and stopped: it stays running with an old heartbeat.
    assert!(t.db.job_claim(queued.job_id).await.unwrap().is_some());
    let old = rodtrad_store::now() - chrono::Duration::minutes(10);
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE jobs SET heartbeat_at = $1 WHERE id = $2").bind(old).bind(queued.job_id).execute(pool).await.unwrap();
    });
    let page = format!("/statistics/imports/{}", queued.import_ids[0]);
    c.get(&page).await.expect(200).contains("http-equiv=\"refresh\"");
    // A job still beating is left alone; the restarted process queues the stale one and runs it.
    let runner = rodtrad_service::jobs::Runner::new(t.db.clone());
    let fresh = queue_without_running(&t, &mut c, VGO_V1).await;
    assert!(t.db.job_claim(fresh.job_id).await.unwrap().is_some());
    assert_eq!(runner.recover(rodtrad_service::jobs::STALE_AFTER).await.unwrap(), vec![queued.job_id]);
    assert_eq!(runner.run_due().await, 1);
    let imp = t.db.stat_import(t.fx.municipality, queued.import_ids[0]).await.unwrap();
    assert_eq!(imp.state, "done", "{imp:?}");
    assert!(imp.cells_added > 100);
    let job = t.db.job(t.fx.municipality, queued.job_id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("done", 2));
    c.get(&page).await.expect(200).lacks("http-equiv=\"refresh\"").contains("Forsøk 2");
    assert_eq!(t.db.job(t.fx.municipality, fresh.job_id).await.unwrap().state, "running");
});

both!(a_job_that_cannot_succeed_fails_with_its_reason, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let runner = rodtrad_service::jobs::Runner::new(t.db.clone());
    // The stored file no longer parses: failed at once, no retry, the reason shown.
    let broken = queue_without_running(&t, &mut c, POPULATION).await;
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE stat_uploads SET body = $1 WHERE job_id = $2").bind(b"{}".as_slice()).bind(broken.job_id).execute(pool).await.unwrap();
    });
    assert_eq!(runner.run_due().await, 1);
    let job = t.db.job(t.fx.municipality, broken.job_id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 1));
    let imp = t.db.stat_import(t.fx.municipality, broken.import_ids[0]).await.unwrap();
    assert_eq!(imp.state, "failed");
    assert_eq!(imp.error, job.error);
    c.get(&format!("/statistics/imports/{}", imp.id))
        .await
        .expect(200)
        .contains("Teknisk årsak")
        .lacks("http-equiv=\"refresh\"");
    // A job that kept killing its worker is given up once its attempts are used.
    let crashing = queue_without_running(&t, &mut c, POPULATION).await;
    for _ in 0..3 {
        assert!(t.db.job_claim(crashing.job_id).await.unwrap().is_some());
        on_db!(&t.db, pool => {
            sqlx::query("UPDATE jobs SET heartbeat_at = NULL WHERE id = $1").bind(crashing.job_id).execute(pool).await.unwrap();
        });
        runner.recover(rodtrad_service::jobs::STALE_AFTER).await.unwrap();
    }
    assert_eq!(runner.run_due().await, 1);
    let job = t.db.job(t.fx.municipality, crashing.job_id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 4));
    assert!(job.error.as_deref().unwrap().starts_with("gave up after 3 attempts"), "{job:?}");
    assert_eq!(t.db.stat_import(t.fx.municipality, crashing.import_ids[0]).await.unwrap().state, "failed");
    assert_eq!(count(&t, "stat_uploads").await, 0);
    assert_eq!(stored_cells(&t).await, 0);
});
