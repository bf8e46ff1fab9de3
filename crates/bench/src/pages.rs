//! (a) The dashboard and the red-thread page under 64 concurrent connections, beside the same bytes
//! served as static files by nginx, loaded by the same client in the same run.

use crate::report::{Table, ms, quantile};
use crate::server::{self, Env, Nginx, Server, Session};
use anyhow::{Result, bail};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 64;

/// Runs the benchmark.
pub async fn run(env: &Env, quick: bool) -> Result<Table> {
    let duration = Duration::from_secs(if quick { 4 } else { 10 });
    let (url, _) = env.sqlite("pages")?;
    let app = Server::start(env, &url, "pages-server").await?;
    let client = server::client(CONNECTIONS)?;
    let session = server::login(&client, &app.base, "kommunedirektor@demo.rodtrad.no").await?;

    let static_dir = env.work.join("pages-static");
    server::fresh_dir(&static_dir)?;
    let mut pages = Vec::new();
    for (name, path, file) in [("dashboard", "/", "dashboard.html"), ("red thread", "/red-thread", "red-thread.html")] {
        let (status, body) = server::get(&client, &app.base, &session, path).await?;
        // A signed-in page has the logout form; the login page does not.
        if status != 200 || !String::from_utf8_lossy(&body).contains("action=\"/logout\"") {
            bail!("{path} answered {status} without the signed-in page");
        }
        std::fs::write(static_dir.join(file), &body)?;
        pages.push((name, path, file, body.len()));
    }
    let nginx = Nginx::serve_dir(env, &static_dir)?;

    let mut table = Table::new(
        "(a) Pages at 64 concurrent connections",
        &["page", "served by", "bytes", "requests", "req/s", "p50", "p99", "errors"],
    );
    for (name, path, file, bytes) in &pages {
        for (by, base, session) in
            [("rodtrad", app.base.as_str(), Some(&session)), ("nginx, static file", nginx.base.as_str(), None)]
        {
            let target = if session.is_some() { path.to_string() } else { format!("/{file}") };
            let r = load(&client, &format!("{base}{target}"), session, *bytes, duration).await?;
            let mut lat = r.latencies;
            lat.sort_unstable();
            table.row(vec![
                (*name).to_owned(),
                by.to_owned(),
                bytes.to_string(),
                lat.len().to_string(),
                format!("{:.0}", lat.len() as f64 / r.elapsed.as_secs_f64()),
                quantile(&lat, 0.5).map(ms).unwrap_or_default(),
                quantile(&lat, 0.99).map(ms).unwrap_or_default(),
                r.errors.to_string(),
            ]);
        }
    }
    table.note(format!(
        "{CONNECTIONS} connections, {} s per row after 1 s warm-up; one Rust client (reqwest, {CONNECTIONS} tasks) on the same machine records every latency.",
        duration.as_secs()
    ));
    table.note("rodtrad: release build, SQLite, signed in as the chief executive (kommunedirektør); every request checks the session, loads the actor and renders the page.");
    table.note("An error is any answer other than 200 or a body of another length than the page fetched first.");
    drop(nginx);
    // Idle keep-alive connections would hold up the server's graceful shutdown.
    drop(client);
    app.stop();
    Ok(table)
}

struct Load {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
}

async fn load(
    client: &reqwest::Client,
    url: &str,
    session: Option<&Session>,
    bytes: usize,
    duration: Duration,
) -> Result<Load> {
    let cookie = Arc::new(session.map(|s| s.cookie.clone()));
    let run = |until: Instant| {
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                let client = client.clone();
                let url = url.to_owned();
                let cookie = cookie.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut errors = 0u64;
                    while Instant::now() < until {
                        let started = Instant::now();
                        let mut req = client.get(&url);
                        if let Some(c) = cookie.as_deref() {
                            req = req.header("cookie", c);
                        }
                        let ok = match req.send().await {
                            Ok(r) if r.status() == 200 => r.bytes().await.is_ok_and(|b| b.len() == bytes),
                            _ => false,
                        };
                        latencies.push(started.elapsed());
                        errors += u64::from(!ok);
                    }
                    (latencies, errors)
                })
            })
            .collect();
        async move {
            let mut all = Load { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
            for t in tasks {
                let (l, e) = t.await?;
                all.latencies.extend(l);
                all.errors += e;
            }
            anyhow::Ok(all)
        }
    };
    run(Instant::now() + Duration::from_secs(1)).await?;
    let started = Instant::now();
    let mut result = run(started + duration).await?;
    result.elapsed = started.elapsed();
    Ok(result)
}
