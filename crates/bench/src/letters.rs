//! Assignment letters as PDF (issue #13): loads the demo municipality into a fresh SQLite database
//! (which issues every unit's letter), then renders the latest version of every letter of the demo
//! year to PDF through `service::letters::letter_pdf`, one after another, as the letter pages do.

use crate::report::Table;
use anyhow::Context;
use rodtrad_service::letters::{PdfLabels, letter_pdf};
use rodtrad_store::Db;
use rodtrad_store::password::HashCost;
use std::time::Instant;

/// Runs the benchmark.
pub async fn run(env: &crate::server::Env) -> anyhow::Result<Table> {
    use chrono::Datelike;
    let path = env.work.join("letters.db");
    let _ = std::fs::remove_file(&path);
    let db = Db::connect(&format!("sqlite://{}", path.display())).await?;
    db.migrate().await?;
    let demo = rodtrad_store::demo::load(&db, HashCost { memory_kib: 1024, iterations: 1 }).await?;
    let year = i64::from(chrono::Utc::now().year());
    let letters = db.letters_of_year(demo.municipality_id, year).await?;
    let mut versions = Vec::new();
    for l in &letters {
        let v = db.letter_versions(demo.municipality_id, l.id).await?.pop().context("an issued version")?;
        versions.push(v);
    }
    let s = |x: &str| x.to_owned();
    let labels = PdfLabels {
        title: s("Oppdragsbrev"),
        page: s("Side"),
        of: s("av"),
        frame: s("Økonomisk ramme"),
        no_frame: s("Ikke fastsatt"),
        goals: s("Mål"),
        assignments: s("Oppdrag"),
        expected: s("Forventet resultat"),
        deadline: s("Frist"),
        given_to: s("Gitt til"),
        guidance: s("Føringer"),
        version: s("Versjon"),
    };
    // The first render builds the template and parses the fonts once per process.
    let warm = Instant::now();
    letter_pdf(&versions[0].content.0, versions[0].number, "17.12.2026", &labels).map_err(anyhow::Error::msg)?;
    let warm = warm.elapsed();
    let started = Instant::now();
    let mut bytes = 0usize;
    for v in &versions {
        bytes += letter_pdf(&v.content.0, v.number, "17.12.2026", &labels).map_err(anyhow::Error::msg)?.len();
    }
    let took = started.elapsed().as_secs_f64();
    let n = versions.len();
    let mut table =
        Table::new("Assignment letters as PDF (typst), every letter of the demo year", &["measure", "value"]);
    table.row(vec![s("letters"), n.to_string()]);
    table.row(vec![s("seconds"), format!("{took:.2}")]);
    table.row(vec![s("letters/s"), format!("{:.1}", n as f64 / took)]);
    table.row(vec![s("mean PDF size (KiB)"), format!("{:.0}", bytes as f64 / n.max(1) as f64 / 1024.0)]);
    table.row(vec![s("first render incl. template and fonts (ms)"), format!("{:.0}", warm.as_secs_f64() * 1000.0)]);
    table.note("One thread, one letter after another; the web handler renders on a blocking thread per request.");
    Ok(table)
}
