//! (c) 200 concurrent writers editing goal elements and measures through the JSON API of a release
//! server, on SQLite and on PostgreSQL, and (d) the same load with the server killed (SIGKILL) midway
//! and restarted: every acknowledged write must be there and the database must pass its integrity check.

use crate::report::Table;
use crate::server::{self, Env, Nginx, Server, Session};
use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const WRITERS: usize = 200;
const SESSIONS: usize = 4;
const EDITOR: &str = "kommunedirektor@demo.rodtrad.no";

/// A database to run against.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database, dropped afterwards.
    Postgres,
}

impl Backend {
    /// Name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A fresh database for one run.
pub(crate) struct Target {
    pub(crate) backend: Backend,
    pub(crate) url: String,
    admin: Option<String>,
    database: String,
}

impl Target {
    pub(crate) async fn create(env: &Env, backend: Backend, name: &str) -> Result<Target> {
        match backend {
            Backend::Sqlite => {
                let (url, _) = env.sqlite(name)?;
                Ok(Target { backend, url, admin: None, database: String::new() })
            }
            Backend::Postgres => {
                let database = format!("rodtrad_bench_{:08x}", rand::rng().random::<u32>());
                let mut admin = sqlx::PgConnection::connect(&env.postgres)
                    .await
                    .with_context(|| format!("cannot connect to PostgreSQL at {}", env.postgres))?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&mut admin).await?;
                admin.close().await?;
                let base = env.postgres.rsplit_once('/').map(|(b, _)| b).unwrap_or(&env.postgres);
                Ok(Target { backend, url: format!("{base}/{database}"), admin: Some(env.postgres.clone()), database })
            }
        }
    }

    pub(crate) async fn drop_database(self) -> Result<()> {
        if let Some(admin) = &self.admin {
            let mut admin = sqlx::PgConnection::connect(admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
        }
        Ok(())
    }

    /// Every element update in the audit log (written in the same transaction as the update), in order.
    async fn audited_updates(&self) -> Result<Vec<Audited>> {
        let rows: Vec<(i64, Option<String>, Option<String>)> = match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
                let rows = sqlx::query_as(
                    "SELECT entity_id, before_json, after_json FROM audit_log
                     WHERE entity = 'goal_element' AND action = 'update' ORDER BY id",
                )
                .fetch_all(&mut c)
                .await?;
                c.close().await?;
                rows
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await?;
                let rows = sqlx::query_as(
                    "SELECT entity_id, before_json::text, after_json::text FROM audit_log
                     WHERE entity = 'goal_element' AND action = 'update' ORDER BY id",
                )
                .fetch_all(&mut c)
                .await?;
                c.close().await?;
                rows
            }
        };
        let json = |s: Option<String>| s.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok());
        Ok(rows
            .into_iter()
            .map(|(element, before, after)| Audited {
                element,
                base_version: json(before).and_then(|b| b["version"].as_i64()),
                text: json(after).and_then(|a| a["text"].as_str().map(str::to_owned)).unwrap_or_default(),
            })
            .collect())
    }

    /// SQLite `PRAGMA integrity_check`, or amcheck's `bt_index_check` over every btree index of the schema.
    async fn integrity(&self) -> Result<String> {
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
                let answer: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut c).await?;
                c.close().await?;
                Ok(format!("integrity_check: {answer}"))
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck").execute(&mut c).await?;
                let indexes: Vec<String> = sqlx::query_scalar(
                    "SELECT c.oid::regclass::text FROM pg_index i
                     JOIN pg_class c ON c.oid = i.indexrelid
                     JOIN pg_am am ON am.oid = c.relam
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE am.amname = 'btree' AND n.nspname = current_schema() AND i.indisvalid",
                )
                .fetch_all(&mut c)
                .await?;
                for index in &indexes {
                    // heapallindexed: every heap tuple must also be found in the index.
                    sqlx::query("SELECT bt_index_check($1::regclass, true)::text")
                        .bind(index)
                        .fetch_one(&mut c)
                        .await
                        .with_context(|| format!("amcheck failed on {index}"))?;
                }
                c.close().await?;
                Ok(format!("amcheck: {} btree indexes ok", indexes.len()))
            }
        }
    }
}

/// An element the writers may edit.
#[derive(Clone)]
struct Editable {
    id: i64,
    text: String,
    plan: i64,
    /// The element as the API gave it, to make a sibling of the same kind from.
    json: serde_json::Value,
}

/// Local goal elements and measures in plans that may still be edited. The demo's plans are adopted
/// (frozen), so each is first moved to "under revision" through the plan page's status form, as a
/// municipality does when it revises its plans.
async fn editable(client: &reqwest::Client, base: &str, s: &Session) -> Result<Vec<Editable>> {
    let plans = server::get_json(client, base, s, "/api/v1/plans").await?;
    for plan in plans.as_array().into_iter().flatten() {
        if plan["status"].as_str() != Some("adopted") {
            continue;
        }
        let version = plan["version"].to_string();
        let answer = client
            .post(format!("{base}/plans/{}/status", plan["id"]))
            .header("cookie", &s.cookie)
            .form(&[("status", "under_revision"), ("version", &version), ("csrf_token", &s.csrf)])
            .send()
            .await?;
        if answer.status() != 303 {
            bail!("plan {} could not be put under revision: {}", plan["id"], answer.status());
        }
    }
    let mut out = Vec::new();
    let plans = server::get_json(client, base, s, "/api/v1/plans").await?;
    for plan in plans.as_array().into_iter().flatten() {
        if !matches!(plan["status"].as_str(), Some("draft" | "hearing" | "under_revision")) {
            continue;
        }
        let elements = server::get_json(client, base, s, &format!("/api/v1/plans/{}/elements", plan["id"])).await?;
        for e in elements.as_array().into_iter().flatten() {
            let kind = e["kind"].as_str().unwrap_or_default();
            if e["source_element_id"].is_null() && matches!(kind, "main_goal" | "sub_goal" | "measure") {
                let text = e["text"].as_str().unwrap_or_default();
                out.push(Editable {
                    id: e["id"].as_i64().unwrap_or_default(),
                    text: text.to_owned(),
                    plan: plan["id"].as_i64().unwrap_or_default(),
                    json: e.clone(),
                });
            }
        }
    }
    if out.is_empty() {
        bail!("the demo has no editable goal elements or measures");
    }
    Ok(out)
}

/// One new element per writer, a sibling of an editable element (same plan, parent, kind, owner and
/// responsible person), created through the API as a user adds a measure.
async fn own_elements(client: &reqwest::Client, base: &str, s: &Session, pool: &[Editable]) -> Result<Vec<Editable>> {
    let mut out = Vec::with_capacity(WRITERS);
    for w in 0..WRITERS {
        let e = &pool[w % pool.len()];
        let text = format!("Tiltak for skriveprøve {w}");
        let body = serde_json::json!({
            "kind": e.json["kind"], "parent_id": e.json["parent_id"], "text": text,
            "owner_unit_id": e.json["owner_unit_id"], "responsible_person_id": e.json["responsible_person_id"],
            "deadline": e.json["deadline"], "status": e.json["status"],
        });
        let id = server::post_created(client, base, s, &format!("/api/v1/plans/{}/elements", e.plan), body).await?;
        out.push(Editable { id, text, plan: e.plan, json: serde_json::Value::Null });
    }
    Ok(out)
}

/// A phase of the writers benchmark: which elements the writers edit, through which servers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Every writer picks at random among the same few dozen elements, so most saves meet a newer
    /// version: the test of optimistic locking under contention.
    Shared,
    /// Each writer edits its own element, as 200 people editing their own measures do: the
    /// throughput of the write path itself.
    Own,
    /// As `Own`, through nginx in front of two app processes on the same PostgreSQL database.
    TwoNodes,
}

impl Phase {
    /// Marks this phase's texts, so each phase is checked on its own writes.
    fn tag(self) -> &'static str {
        match self {
            Phase::Shared => "s",
            Phase::Own => "o",
            Phase::TwoNodes => "n",
        }
    }

    /// The goal of issue #18 for the row: throughput is asked of the own-element phases, and
    /// of PostgreSQL with two app processes; the shared phase must lose nothing.
    fn goal(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Phase::Shared, _) => "0 lost",
            (_, Backend::Sqlite) => "≥ 500/s, 0 lost, 0 errors",
            (Phase::Own, Backend::Postgres) => "(one process)",
            (Phase::TwoNodes, Backend::Postgres) => "≥ 1,000/s, 0 lost",
        }
    }
}

/// One acknowledged write.
struct Ack {
    element: i64,
    text: String,
}

/// One update as the audit log holds it.
struct Audited {
    element: i64,
    /// The version the write replaced.
    base_version: Option<i64>,
    text: String,
}

/// Marks the texts the writers save, to tell them from the demo's own audit rows.
const MARK: &str = " [bench w";

#[derive(Default)]
struct Outcome {
    attempts: u64,
    acks: Vec<Ack>,
    conflicts: u64,
    errors: BTreeMap<String, u64>,
    errors_after_kill: u64,
}

impl Outcome {
    fn errors(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// `WRITERS` tasks, each reading an element of its pool (`pools[w % pools.len()]`) for its version and
/// saving a change with a unique marker, until `until`.
async fn hammer(
    tag: &'static str,
    client: &reqwest::Client,
    base: &str,
    sessions: &[Session],
    pools: Vec<Vec<Editable>>,
    until: Instant,
    killed: Arc<AtomicBool>,
) -> Result<Outcome> {
    let pools = Arc::new(pools);
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let client = client.clone();
            let base = base.to_owned();
            let session = sessions[w % sessions.len()].clone();
            let pools = pools.clone();
            let killed = killed.clone();
            tokio::spawn(async move {
                let pool = &pools[w % pools.len()];
                let mut rng = rand::rngs::StdRng::seed_from_u64(w as u64);
                let mut out = Outcome::default();
                let mut seq = 0u64;
                while Instant::now() < until {
                    let e = &pool[rng.random_range(0..pool.len())];
                    seq += 1;
                    out.attempts += 1;
                    let text = format!("{}{MARK}{tag}{w}-{seq}]", e.text);
                    match write(&client, &base, &session, e.id, &text).await {
                        Ok(Written::Ack) => out.acks.push(Ack { element: e.id, text }),
                        Ok(Written::Conflict) => out.conflicts += 1,
                        Ok(Written::Refused(why)) | Err(why) => {
                            if killed.load(Ordering::SeqCst) {
                                out.errors_after_kill += 1;
                                // The server is gone: do not spin on refused connections.
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            } else {
                                *out.errors.entry(why).or_default() += 1;
                            }
                        }
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
        all.errors_after_kill += o.errors_after_kill;
        for (k, v) in o.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    Ok(all)
}

enum Written {
    Ack,
    Conflict,
    Refused(String),
}

async fn write(
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    id: i64,
    text: &str,
) -> std::result::Result<Written, String> {
    let url = format!("{base}/api/v1/elements/{id}");
    let current = client.get(&url).header("cookie", &s.cookie).send().await.map_err(|_| "connection".to_owned())?;
    if current.status() != 200 {
        return Ok(Written::Refused(format!("GET {}", current.status().as_u16())));
    }
    let bytes = current.bytes().await.map_err(|_| "connection".to_owned())?;
    let e: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| "GET not JSON".to_owned())?;
    let body = serde_json::json!({
        "kind": e["kind"], "text": text, "owner_unit_id": e["owner_unit_id"],
        "responsible_person_id": e["responsible_person_id"], "deadline": e["deadline"], "status": e["status"],
        "sdg_targets": e["sdg_targets"], "sdg_adapted": e["sdg_adapted"], "version": e["version"],
    });
    let answer = client
        .put(&url)
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|_| "connection".to_owned())?;
    match answer.status().as_u16() {
        // The answer's body is the element re-read after the commit, which may already show a later
        // writer's save; the audit log, not the body, says what this write did.
        200 => match answer.bytes().await {
            Ok(_) => Ok(Written::Ack),
            Err(_) => Err("answer lost".to_owned()),
        },
        409 => Ok(Written::Conflict),
        other => Ok(Written::Refused(format!("PUT {other}"))),
    }
}

/// What the database holds after the run.
struct Verified {
    /// Acknowledged writes present in the audit log.
    found: usize,
    /// Writes in the audit log that were never acknowledged (cut off by a kill).
    unacknowledged: usize,
    /// Elements whose current text is their last audited write.
    current: usize,
    elements: usize,
    /// Audited writes that replaced a version another audited write had already replaced (lost updates).
    stale_bases: usize,
}

/// Checks the writes of the phase tagged `tag` against what the database holds.
async fn verify(
    tag: &str,
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    target: &Target,
    acks: &[Ack],
) -> Result<Verified> {
    let mark = format!("{MARK}{tag}");
    let audited: Vec<Audited> =
        target.audited_updates().await?.into_iter().filter(|a| a.text.contains(&mark)).collect();
    let texts: HashSet<&str> = audited.iter().map(|a| a.text.as_str()).collect();
    let acked: HashSet<&str> = acks.iter().map(|a| a.text.as_str()).collect();
    let found = acks.iter().filter(|a| texts.contains(a.text.as_str())).count();
    let unacknowledged = audited.iter().filter(|a| !acked.contains(a.text.as_str())).count();
    let mut bases = HashSet::new();
    let stale_bases = audited.iter().filter(|a| !bases.insert((a.element, a.base_version))).count();
    let mut last: HashMap<i64, &str> = HashMap::new();
    for a in &audited {
        last.insert(a.element, &a.text);
    }
    for a in acks {
        last.entry(a.element).or_insert("(acknowledged, not audited)");
    }
    let mut current = 0;
    for (id, text) in &last {
        let e = server::get_json(client, base, s, &format!("/api/v1/elements/{id}")).await?;
        current += usize::from(e["text"].as_str() == Some(*text));
    }
    Ok(Verified { found, unacknowledged, current, elements: last.len(), stale_bases })
}

fn error_note(backend: Backend, o: &Outcome) -> Option<String> {
    (!o.errors.is_empty()).then(|| {
        let kinds: Vec<String> = o.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{} errors by kind: {}.", backend.name(), kinds.join(", "))
    })
}

async fn sessions(client: &reqwest::Client, base: &str) -> Result<Vec<Session>> {
    let mut out = Vec::new();
    for _ in 0..SESSIONS {
        out.push(server::login(client, base, EDITOR).await?);
    }
    Ok(out)
}

/// (c): runs the writers on each backend.
pub async fn run(env: &Env, backends: &[Backend], quick: bool) -> Result<Table> {
    let duration = Duration::from_secs(if quick { 5 } else { 15 });
    let mut table = Table::new(
        "(c) 200 concurrent writers",
        &[
            "database",
            "elements",
            "seconds",
            "attempts",
            "acknowledged",
            "writes/s",
            "goal (issue #18)",
            "409 conflicts",
            "errors",
            "acknowledged found in audit log",
            "audited, not acknowledged",
            "current = last audited write",
            "lost updates",
        ],
    );
    let mut notes = Vec::new();
    for &backend in backends {
        let target = Target::create(env, backend, "writers").await?;
        let app = Server::start(env, &target.url, "writers-server").await?;
        let client = server::client(WRITERS)?;
        let sessions = sessions(&client, &app.base).await?;
        let pool = editable(&client, &app.base, &sessions[0]).await?;
        let own = own_elements(&client, &app.base, &sessions[0], &pool).await?;
        let own_pools: Vec<Vec<Editable>> = own.iter().map(|e| vec![e.clone()]).collect();
        let mut phases = vec![
            (Phase::Shared, format!("{} shared", pool.len()), vec![pool.clone()]),
            (Phase::Own, format!("{} own", own.len()), own_pools.clone()),
        ];
        if backend == Backend::Postgres {
            phases.push((Phase::TwoNodes, format!("{} own, 2 app processes behind nginx", own.len()), own_pools));
        }
        for (phase, label, pools) in phases {
            // Two app processes on the one database, behind nginx passing requests to each in turn;
            // the writers sign in and write through nginx, so a session made on one node is used on both.
            let second = match phase {
                Phase::TwoNodes => Some(Server::start(env, &target.url, "writers-server-2").await?),
                _ => None,
            };
            let nginx = match &second {
                Some(second) => Some(Nginx::balance(env, &[&app.base, &second.base])?),
                None => None,
            };
            let base = nginx.as_ref().map_or(app.base.as_str(), |n| n.base.as_str());
            let phase_sessions = match nginx {
                Some(_) => self::sessions(&client, base).await?,
                None => sessions.clone(),
            };
            let started = Instant::now();
            let o =
                hammer(phase.tag(), &client, base, &phase_sessions, pools, started + duration, Arc::default()).await?;
            let elapsed = started.elapsed();
            let v = verify(phase.tag(), &client, base, &phase_sessions[0], &target, &o.acks).await?;
            table.row(vec![
                backend.name().to_owned(),
                label,
                format!("{:.1}", elapsed.as_secs_f64()),
                o.attempts.to_string(),
                o.acks.len().to_string(),
                format!("{:.0}", o.acks.len() as f64 / elapsed.as_secs_f64()),
                phase.goal(backend).to_owned(),
                o.conflicts.to_string(),
                o.errors().to_string(),
                format!("{}/{}", v.found, o.acks.len()),
                v.unacknowledged.to_string(),
                format!("{}/{} elements", v.current, v.elements),
                v.stale_bases.to_string(),
            ]);
            notes.extend(error_note(backend, &o));
            drop(nginx);
            if let Some(second) = second {
                second.stop();
            }
        }
        drop(client);
        app.stop();
        target.drop_database().await?;
    }
    table.note(format!(
        "{WRITERS} writers over {SESSIONS} sessions of the chief executive, each in a loop: GET /api/v1/elements/{{id}} for the version, PUT the element with a unique marker in its text. A 409 is the optimistic-concurrency answer to a stale version."
    ));
    table.note("Found: acknowledged texts present in the audit log, which is written in the same transaction as the change. Audited, not acknowledged: saves in the log whose answer the writer never got. Current: elements whose text now is their last write in the log. Lost updates: writes in the log that replaced a version another write had already replaced (the `version` in each row's before-image).");
    table.note("Plans are put under revision first (the demo's plans are adopted, hence frozen). Shared: every writer picks at random among the local main goals, sub-goals and measures, so most saves meet a version another writer has just replaced and are refused with 409; this checks optimistic locking under contention, and its writes/s is bounded by the contention the benchmark makes. Own: each writer first adds a measure of its own beside one of them (POST /api/v1/plans/{id}/elements) and then edits only that, as people editing their own measures do; this is the write path's throughput, which the goal is about. On PostgreSQL the own phase runs again with a second `rodtrad serve` on the same database and nginx (round robin, kept-alive upstream connections) in front of both; the writers sign in through nginx.");
    for n in notes {
        table.note(n);
    }
    Ok(table)
}

/// (d): the same load, the server killed with SIGKILL halfway, restarted on the same database.
pub async fn crash(env: &Env, backends: &[Backend], quick: bool) -> Result<Table> {
    let duration = Duration::from_secs(if quick { 6 } else { 16 });
    let mut table = Table::new(
        "(d) SIGKILL during 200 concurrent writers, then restart",
        &[
            "database",
            "acknowledged before the kill",
            "refused after the kill",
            "restart until /healthz",
            "acknowledged found after restart",
            "audited, not acknowledged",
            "current = last audited write",
            "lost updates",
            "integrity",
        ],
    );
    for &backend in backends {
        let target = Target::create(env, backend, "crash").await?;
        let mut app = Server::start(env, &target.url, "crash-server").await?;
        let client = server::client(WRITERS)?;
        let sessions = sessions(&client, &app.base).await?;
        let pool = editable(&client, &app.base, &sessions[0]).await?;
        let killed = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let load = {
            let (client, base, sessions, pools, killed) =
                (client.clone(), app.base.clone(), sessions.clone(), vec![pool.clone()], killed.clone());
            tokio::spawn(async move { hammer("c", &client, &base, &sessions, pools, started + duration, killed).await })
        };
        tokio::time::sleep(duration / 2).await;
        // Flag first, so every failure the kill causes is counted as such; a 200 that arrives is still an
        // acknowledgement and must survive.
        killed.store(true, Ordering::SeqCst);
        app.kill();
        eprintln!("{}: killed pid {} after {:.1} s", backend.name(), app.pid(), started.elapsed().as_secs_f64());
        let o = load.await??;
        let restarted = Instant::now();
        let app = Server::start(env, &target.url, "crash-server-restarted").await?;
        let restart = restarted.elapsed();
        let session = server::login(&client, &app.base, EDITOR).await?;
        let v = verify("c", &client, &app.base, &session, &target, &o.acks).await?;
        drop(client);
        app.stop();
        let integrity = target.integrity().await?;
        table.row(vec![
            backend.name().to_owned(),
            o.acks.len().to_string(),
            o.errors_after_kill.to_string(),
            format!("{:.1} s", restart.as_secs_f64()),
            format!("{}/{}", v.found, o.acks.len()),
            v.unacknowledged.to_string(),
            format!("{}/{} elements", v.current, v.elements),
            v.stale_bases.to_string(),
            integrity,
        ]);
        if o.errors() > 0 {
            table.note(format!("{}: {} errors before the kill.", backend.name(), o.errors()));
        }
        target.drop_database().await?;
    }
    table.note(format!(
        "The same load as (c) for {} s; the server gets SIGKILL at half time, the writers go on (their requests fail) until the end, then the server is started again on the same database.",
        duration.as_secs()
    ));
    table.note(
        "Writes in flight at the kill were never acknowledged; those that committed show as audited, not acknowledged.",
    );
    Ok(table)
}
