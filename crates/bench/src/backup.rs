//! (e) Backup → restore → every export of the restored database equals the original's.

use crate::report::Table;
use crate::server::{self, Env, Server, Session};
use anyhow::{Result, bail};
use sqlx::Connection;
use std::io::Read;

/// Runs the benchmark.
pub async fn run(env: &Env) -> Result<Table> {
    let (original_url, original_path) = env.sqlite("backup-original")?;
    let (restored_url, _) = env.sqlite("backup-restored")?;
    let file = env.work.join("backup-copy.db");
    if file.exists() {
        std::fs::remove_file(&file)?;
    }
    let original = Server::start(env, &original_url, "backup-original").await?;
    // Online: the application keeps running while the backup is taken.
    env.rodtrad(&original_url, &["backup", &file.display().to_string()])?;
    env.rodtrad(&restored_url, &["restore", &file.display().to_string()])?;
    let restored = Server::start(env, &restored_url, "backup-restored").await?;

    let client = server::client(8)?;
    let a = server::login(&client, &original.base, "kommunedirektor@demo.rodtrad.no").await?;
    let b = server::login(&client, &restored.base, "kommunedirektor@demo.rodtrad.no").await?;
    let paths = exports(&client, &original.base, &a, &original_path).await?;

    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut different = Vec::new();
    for (kind, path) in &paths {
        let (sa, ba) = server::get(&client, &original.base, &a, path).await?;
        let (sb, bb) = server::get(&client, &restored.base, &b, path).await?;
        if sa != 200 {
            bail!("{path} answered {sa} on the original");
        }
        let same = sa == sb && if path.ends_with(".xlsx") { same_workbook(&ba, &bb)? } else { ba == bb };
        let entry = by_kind.entry(kind).or_default();
        entry.1 += 1;
        if same {
            entry.0 += 1;
        } else {
            different.push(path.clone());
        }
    }
    drop(client);
    original.stop();
    restored.stop();

    let mut table = Table::new("(e) Backup → restore → exports compared", &["export", "identical / total"]);
    let (mut same, mut total) = (0, 0);
    for (kind, (s, t)) in &by_kind {
        table.row(vec![(*kind).to_owned(), format!("{s}/{t}")]);
        same += s;
        total += t;
    }
    table.row(vec!["**all**".to_owned(), format!("**{same}/{total}**")]);
    table.note("`rodtrad backup` while the demo server runs, `rodtrad restore` into a fresh file, a second server on the restored file; each export fetched from both with a signed-in session and compared byte for byte.");
    table.note("XLSX files are compared entry by entry after unzipping, leaving out docProps/core.xml, which holds the time the file was written.");
    if !different.is_empty() {
        table.note(format!("Different: {}", different.join(", ")));
    }
    Ok(table)
}

/// Every export path of the demo municipality, with a kind for the table.
async fn exports(
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    db: &std::path::Path,
) -> Result<Vec<(&'static str, String)>> {
    let mut out = vec![
        ("JSON API", "/api/v1/plans".to_owned()),
        ("JSON API", "/api/v1/org-units".to_owned()),
        ("JSON API", "/api/v1/people".to_owned()),
        ("JSON API", "/api/v1/sdg".to_owned()),
    ];
    let plans = server::get_json(client, base, s, "/api/v1/plans").await?;
    for plan in plans.as_array().into_iter().flatten() {
        let id = &plan["id"];
        out.push(("goal structure CSV", format!("/plans/{id}/export.csv")));
        out.push(("goal structure XLSX", format!("/plans/{id}/export.xlsx")));
        out.push(("JSON API", format!("/api/v1/plans/{id}")));
        out.push(("JSON API", format!("/api/v1/plans/{id}/elements")));
        let elements = server::get_json(client, base, s, &format!("/api/v1/plans/{id}/elements")).await?;
        for e in elements.as_array().into_iter().flatten() {
            out.push(("JSON API", format!("/api/v1/elements/{}", e["id"])));
        }
    }
    let units = server::get_json(client, base, s, "/api/v1/org-units").await?;
    for u in units.as_array().into_iter().flatten() {
        out.push(("JSON API", format!("/api/v1/org-units/{}", u["id"])));
    }
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
    let series: Vec<i64> = sqlx::query_scalar("SELECT id FROM stat_series ORDER BY id").fetch_all(&mut c).await?;
    c.close().await?;
    for id in series {
        out.push(("statistics CSV", format!("/statistics/series/{id}/compare.csv")));
        out.push(("statistics XLSX", format!("/statistics/series/{id}/compare.xlsx")));
        out.push(("statistics JSON-stat", format!("/statistics/series/{id}/compare.json")));
    }
    Ok(out)
}

/// Two XLSX files hold the same entries with the same bytes, apart from the document's write time.
fn same_workbook(a: &[u8], b: &[u8]) -> Result<bool> {
    Ok(entries(a)? == entries(b)?)
}

fn entries(xlsx: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx))?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        let name = f.name()?.into_owned();
        if name == "docProps/core.xml" {
            continue;
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        out.push((name, bytes));
    }
    out.sort();
    Ok(out)
}
