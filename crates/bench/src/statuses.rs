//! 200 leaders reporting statuses at once through `POST /api/v1/followup/items/{id}/reports` of a
//! release server, on SQLite and on PostgreSQL (issue #13): acknowledged reports per second, 409s,
//! errors, and afterwards every acknowledged report looked up in `status_reports` by its id.

use crate::report::Table;
use crate::server::{self, Env, Server, Session, post_created};
use crate::writers::{Backend, Target};
use anyhow::{Result, bail};
use sqlx::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REPORTERS: usize = 200;
/// Items each reporter owns: a unit leader reports on a handful of their own measures, so the
/// reporters write to different items, as 200 leaders of 200 units do.
const ITEMS_PER_REPORTER: usize = 3;
const SESSIONS: usize = 4;
const REPORTER: &str = "kommunedirektor@demo.rodtrad.no";
/// Marks the comments the benchmark writes.
const MARK: &str = "[bench s";

/// The demo's assignments and measures (originals, not inherited copies) and an open month.
async fn items_and_period(client: &reqwest::Client, base: &str, s: &Session) -> Result<(Vec<i64>, i64)> {
    let mut items = Vec::new();
    let plans = server::get_json(client, base, s, "/api/v1/plans").await?;
    for plan in plans.as_array().into_iter().flatten() {
        let elements = server::get_json(client, base, s, &format!("/api/v1/plans/{}/elements", plan["id"])).await?;
        for e in elements.as_array().into_iter().flatten() {
            let kind = e["kind"].as_str().unwrap_or_default();
            if e["source_element_id"].is_null() && matches!(kind, "assignment" | "measure") {
                items.push(e["id"].as_i64().unwrap_or_default());
            }
        }
    }
    items.sort_unstable();
    items.dedup();
    if items.len() < REPORTERS * ITEMS_PER_REPORTER {
        let template = bench_parent(client, base, s, plans.as_array().map(Vec::as_slice).unwrap_or_default()).await?;
        for n in items.len()..REPORTERS * ITEMS_PER_REPORTER {
            items.push(add_measure(client, base, s, &template, n).await?);
        }
    }
    let periods = server::get_json(client, base, s, "/api/v1/followup/periods").await?;
    let period = periods
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["kind"] == "month" && p["closed"] == false)
        .filter_map(|p| p["id"].as_i64())
        .max();
    match (items.is_empty(), period) {
        (false, Some(p)) => Ok((items, p)),
        (true, _) => bail!("the demo has no assignments or measures"),
        (_, None) => bail!("the demo has no open reporting period"),
    }
}

/// Where the benchmark's own measures go: a unit plan in draft that the benchmark creates (the
/// demo's plans are adopted, and adopted plans are frozen) for the owner unit of a demo measure,
/// with a main goal and a sub-goal to hold the measures. The returned value carries the plan,
/// the parent and the demo measure's owner, responsible person and deadline.
async fn bench_parent(
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    plans: &[serde_json::Value],
) -> Result<serde_json::Value> {
    let mut model = None;
    for plan in plans {
        let elements = server::get_json(client, base, s, &format!("/api/v1/plans/{}/elements", plan["id"])).await?;
        model = elements
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| {
                e["kind"] == "measure"
                    && e["source_element_id"].is_null()
                    && !e["deadline"].is_null()
                    && !e["owner_unit_id"].is_null()
            })
            .cloned();
        if model.is_some() {
            break;
        }
    }
    let Some(model) = model else { bail!("the demo has no measure with an owner and a deadline") };
    let year: i64 = model["deadline"].as_str().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(2027);
    let plan = post_created(
        client,
        base,
        s,
        "/api/v1/plans",
        serde_json::json!({
            "plan_type": "unit_plan", "title": "Oppfølging (benchmark)", "start_year": year, "end_year": year,
            "owner_unit_id": model["owner_unit_id"],
        }),
    )
    .await?;
    let elements = format!("/api/v1/plans/{plan}/elements");
    let goal = post_created(
        client,
        base,
        s,
        &elements,
        serde_json::json!({
            "kind": "main_goal", "parent_id": null, "text": "Gode tjenester for innbyggerne",
            "owner_unit_id": model["owner_unit_id"],
        }),
    )
    .await?;
    let sub_goal = post_created(
        client,
        base,
        s,
        &elements,
        serde_json::json!({
            "kind": "sub_goal", "parent_id": goal, "text": "Tjenestene følges opp hver måned",
            "owner_unit_id": model["owner_unit_id"],
        }),
    )
    .await?;
    Ok(serde_json::json!({
        "plan_id": plan, "parent_id": sub_goal, "owner_unit_id": model["owner_unit_id"],
        "responsible_person_id": model["responsible_person_id"], "deadline": model["deadline"],
    }))
}

/// Adds one measure under the benchmark's sub-goal through the plan API and returns its id.
async fn add_measure(
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    template: &serde_json::Value,
    n: usize,
) -> Result<i64> {
    let body = serde_json::json!({
        "kind": "measure",
        "parent_id": template["parent_id"],
        "text": format!("Oppfølgingstiltak {n} for benchmark"),
        "owner_unit_id": template["owner_unit_id"],
        "responsible_person_id": template["responsible_person_id"],
        "deadline": template["deadline"],
    });
    post_created(client, base, s, &format!("/api/v1/plans/{}/elements", template["plan_id"]), body).await
}

#[derive(Default)]
struct Outcome {
    attempts: u64,
    acks: Vec<i64>,
    conflicts: u64,
    errors: BTreeMap<String, u64>,
}

/// Each reporter owns every `REPORTERS`-th item (as a leader owns their unit's), reads each item's
/// version once, then reports in a loop, sending the version its last acknowledged report returned.
async fn hammer(
    client: &reqwest::Client,
    base: &str,
    sessions: &[Session],
    items: &[i64],
    period: i64,
    until: Instant,
) -> Result<Outcome> {
    let items = Arc::new(items.to_vec());
    let tasks: Vec<_> = (0..REPORTERS)
        .map(|w| {
            let (client, base, session, items) =
                (client.clone(), base.to_owned(), sessions[w % sessions.len()].clone(), items.clone());
            tokio::spawn(async move {
                let mine: Vec<i64> = items.iter().skip(w).step_by(REPORTERS).copied().collect();
                let mut versions: HashMap<i64, i64> = HashMap::new();
                let mut out = Outcome::default();
                let mut seq = 0usize;
                while Instant::now() < until && !mine.is_empty() {
                    let item = mine[seq % mine.len()];
                    seq += 1;
                    out.attempts += 1;
                    let version = match versions.get(&item) {
                        Some(v) => *v,
                        None => {
                            match server::get_json(&client, &base, &session, &format!("/api/v1/followup/items/{item}"))
                                .await
                            {
                                Ok(v) => v["version"].as_i64().unwrap_or(0),
                                Err(_) => {
                                    *out.errors.entry("GET".into()).or_default() += 1;
                                    continue;
                                }
                            }
                        }
                    };
                    let (status, progress) =
                        if seq.is_multiple_of(10) { ("at_risk", 40) } else { ("on_track", (seq * 7 % 90 + 5) as i64) };
                    let body = serde_json::json!({"period_id": period, "status": status, "progress": progress,
                        "comment": format!("{MARK}{w}-{seq}]"), "version": version});
                    let answer = client
                        .post(format!("{base}/api/v1/followup/items/{item}/reports"))
                        .header("cookie", &session.cookie)
                        .header("x-csrf-token", &session.csrf)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    match answer {
                        Ok(a) if a.status() == 201 => match a
                            .bytes()
                            .await
                            .ok()
                            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                            .ok_or(())
                        {
                            Ok(saved) => {
                                versions.insert(item, saved["version"].as_i64().unwrap_or(0));
                                out.acks.push(saved["report_id"].as_i64().unwrap_or(-1));
                            }
                            Err(_) => *out.errors.entry("answer lost".into()).or_default() += 1,
                        },
                        Ok(a) if a.status() == 409 => {
                            versions.remove(&item);
                            out.conflicts += 1;
                        }
                        Ok(a) => *out.errors.entry(format!("POST {}", a.status().as_u16())).or_default() += 1,
                        Err(_) => *out.errors.entry("connection".into()).or_default() += 1,
                    }
                }
                out
            })
        })
        .collect();
    let mut all = Outcome::default();
    for t in tasks {
        let o = t.await?;
        all.attempts += o.attempts;
        all.acks.extend(o.acks);
        all.conflicts += o.conflicts;
        for (k, v) in o.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    Ok(all)
}

/// The ids of the benchmark's reports in the database (written in the same transaction as the
/// item's status and the audit row, so a stored report is a committed one).
async fn stored(target: &Target) -> Result<HashSet<i64>> {
    let sql = "SELECT id FROM status_reports WHERE comment LIKE '[bench s%'";
    let ids: Vec<i64> = match target.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&target.url).await?;
            let ids = sqlx::query_scalar(sql).fetch_all(&mut c).await?;
            c.close().await?;
            ids
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&target.url).await?;
            let ids = sqlx::query_scalar(sql).fetch_all(&mut c).await?;
            c.close().await?;
            ids
        }
    };
    Ok(ids.into_iter().collect())
}

pub async fn run(env: &Env, backends: &[Backend], quick: bool) -> Result<Table> {
    let duration = Duration::from_secs(if quick { 5 } else { 15 });
    let mut table = Table::new(
        "Status reporting: 200 leaders at once",
        &[
            "database",
            "seconds",
            "attempts",
            "acknowledged",
            "acknowledged writes/s",
            "409 conflicts",
            "errors",
            "acknowledged found (rows)",
            "rows not acknowledged",
        ],
    );
    let mut notes = Vec::new();
    for &backend in backends {
        let target = Target::create(env, backend, "statuses").await?;
        let app = Server::start(env, &target.url, "statuses-server").await?;
        let client = server::client(REPORTERS)?;
        let mut sessions = Vec::new();
        for _ in 0..SESSIONS {
            sessions.push(server::login(&client, &app.base, REPORTER).await?);
        }
        let (items, period) = items_and_period(&client, &app.base, &sessions[0]).await?;
        let started = Instant::now();
        let o = hammer(&client, &app.base, &sessions, &items, period, started + duration).await?;
        let elapsed = started.elapsed();
        let rows = stored(&target).await?;
        let acked: HashSet<i64> = o.acks.iter().copied().collect();
        let found = o.acks.iter().filter(|id| rows.contains(id)).count();
        let extra = rows.iter().filter(|id| !acked.contains(id)).count();
        table.row(vec![
            backend.name().to_owned(),
            format!("{:.1}", elapsed.as_secs_f64()),
            o.attempts.to_string(),
            o.acks.len().to_string(),
            format!("{:.0}", o.acks.len() as f64 / elapsed.as_secs_f64()),
            o.conflicts.to_string(),
            o.errors.values().sum::<u64>().to_string(),
            format!("{found}/{}", o.acks.len()),
            extra.to_string(),
        ]);
        if !o.errors.is_empty() {
            let kinds: Vec<String> = o.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            notes.push(format!("{} errors by kind: {}.", backend.name(), kinds.join(", ")));
        }
        notes.push(format!(
            "{}: {} assignments and measures (the demo's, and measures the benchmark added through the plan API to a draft unit plan of its own so that each reporter has {ITEMS_PER_REPORTER} items of its own), one open month.",
            backend.name(),
            items.len()
        ));
        drop(client);
        app.stop();
        target.drop_database().await?;
    }
    table.note(format!(
        "{REPORTERS} reporters over {SESSIONS} sessions of the chief executive (who may report on every item), each owning every {REPORTERS}th item as a leader owns their unit's (no two reporters share an item; a 409 means a reporter's own version was stale): one GET of an item's version, then POST /api/v1/followup/items/{{id}}/reports in a loop with the version the last answer returned; every tenth report is a risk of deviation, which opens a management dialogue when none is open. A report is one transaction: the report row (only while the period is open), the item's status with its version check, the audit row."
    ));
    table.note("Found: acknowledged report ids present in status_reports after the run. Rows not acknowledged: reports stored whose answer the reporter never got.");
    for n in notes {
        table.note(n);
    }
    Ok(table)
}
