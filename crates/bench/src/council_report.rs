//! The demo's annual report as PDF (issue #15): typst, as the report's PDF route makes it, beside
//! printing the report's own public web page to PDF with headless Chromium in the same run. Starts
//! `rodtrad serve --demo` on a fresh SQLite file (which loads the demo and its council reports),
//! reads last year's adopted annual report from that database, renders its PDF in this process
//! several times, then prints `/public/{number}/reports/{id}` with `chromium --headless
//! --print-to-pdf` the same number of times. Reports seconds per document and pages of each.

use crate::report::Table;
use crate::server::{Env, Server};
use anyhow::{Context, Result, bail};
use rodtrad_domain::reports::ReportKind;
use rodtrad_service::reports::{FrozenReport, content, pdf};
use rodtrad_store::Db;
use std::process::Command;
use std::time::Instant;

/// Pages of a PDF: its page objects (`/Type /Page`, not `/Pages`).
fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let mut n = 0;
    for (i, _) in text.match_indices("/Type") {
        let rest = text[i + 5..].trim_start();
        if rest.starts_with("/Page") && !rest.starts_with("/Pages") {
            n += 1;
        }
    }
    n
}

fn chromium() -> Result<&'static str> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return Ok(c);
        }
    }
    bail!("no headless Chromium found: apt-get install chromium (scripts/bench installs it)")
}

/// Runs the benchmark.
pub async fn run(env: &Env, quick: bool) -> Result<Table> {
    let rounds = if quick { 2 } else { 5 };
    let browser = chromium()?;
    let (url, _) = env.sqlite("report")?;
    let server = Server::start(env, &url, "report").await?;
    let db = Db::connect(&url).await?;
    let m = db.municipality_by_number("3203").await?.context("the demo municipality")?;
    let report = db
        .reports(m.id)
        .await?
        .into_iter()
        .find(|r| r.kind == ReportKind::Annual && r.adopted())
        .context("the demo's adopted annual report")?;
    let tree = db.org_tree(m.id).await?;
    let today = chrono::Utc::now().date_naive();
    let frozen = FrozenReport::of(&report, content(&db, &tree, &report, today).await?);
    let i18n = std::sync::Arc::new(rodtrad_web::i18n::I18n::load().map_err(anyhow::Error::msg)?);
    let tr = rodtrad_web::i18n::Tr::new(i18n, rodtrad_web::i18n::Lang::Nb);
    let words = |k: &str| tr.t(k);

    // typst: the first render parses the template and the fonts once per process.
    let warm = Instant::now();
    let first = pdf(&frozen, &words)?;
    let warm = warm.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..rounds {
        pdf(&frozen, &words)?;
    }
    let typst = started.elapsed().as_secs_f64() / f64::from(rounds);
    let typst_pages = pages(&first);

    // Chromium: the same report's public page, printed as a user's browser would.
    let page = format!("{}/public/{}/reports/{}", server.base, m.number, report.id);
    let out = env.work.join("report-chromium.pdf");
    let profile = env.work.join("chromium-profile");
    let print = || -> Result<f64> {
        let _ = std::fs::remove_file(&out);
        let t = Instant::now();
        let status = Command::new(browser)
            .args([
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--no-pdf-header-footer",
                &format!("--user-data-dir={}", profile.display()),
                &format!("--print-to-pdf={}", out.display()),
                &page,
            ])
            .output()
            .context("cannot run chromium")?;
        let took = t.elapsed().as_secs_f64();
        if !status.status.success() || !out.exists() {
            bail!("chromium could not print {page}: {}", String::from_utf8_lossy(&status.stderr));
        }
        Ok(took)
    };
    print()?; // warm the profile and the disk cache
    let mut chrome = 0.0;
    for _ in 0..rounds {
        chrome += print()?;
    }
    let chrome = chrome / f64::from(rounds);
    let chrome_pages = pages(&std::fs::read(&out)?);
    server.stop();

    let s = |x: &str| x.to_owned();
    let mut table = Table::new(
        "The demo's annual report as PDF: typst beside headless Chromium printing the report's web page",
        &["measure", "typst (PDF/A-2b)", "Chromium --print-to-pdf"],
    );
    table.row(vec![s("pages"), typst_pages.to_string(), chrome_pages.to_string()]);
    table.row(vec![s("seconds per document"), format!("{typst:.3}"), format!("{chrome:.3}")]);
    table.row(vec![
        s("seconds per page"),
        format!("{:.4}", typst / typst_pages.max(1) as f64),
        format!("{:.4}", chrome / chrome_pages.max(1) as f64),
    ]);
    table.row(vec![s("typst faster by"), format!("{:.1}×", chrome / typst), String::new()]);
    table.row(vec![
        s("per page, typst faster by"),
        format!("{:.1}×", (chrome / chrome_pages.max(1) as f64) / (typst / typst_pages.max(1) as f64)),
        String::new(),
    ]);
    table.note(format!(
        "Mean of {rounds} runs each after one warm-up; typst's first render in the process (template and fonts) took {:.0} ms. \
         Chromium's time includes starting the browser, as a print service without a running browser would.",
        warm * 1000.0
    ));
    Ok(table)
}
