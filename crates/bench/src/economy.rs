//! Importing 1,000,000 accounting lines (issue #14): `rodtrad import economy` on a fresh SQLite with
//! the demo municipality (its responsibility codes and account structure), the roll-up after, beside
//! Python's `csv` module and a pandas groupby of the same file. Each runs as its own child process,
//! whose wall time and peak resident memory are taken from `wait4`.

use crate::jsonstat::Measured;
use crate::report::{Table, mib};
use crate::server::Env;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// What the Python reference does: read every row with `csv`, build a DataFrame, turn the Norwegian
/// amounts into numbers, map each account to its line by prefix and sum per responsibility, line and
/// period. It prints the grand total, which must match Rødtråd's.
const PANDAS: &str = r#"
import csv, sys
import pandas as pd
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f, delimiter=";"))
df = pd.DataFrame(rows[1:], columns=rows[0])
df["amount"] = df["Beløp"].str.replace(" ", "", regex=False).str.replace(",", ".", regex=False).astype(float)
prefix = df["Art"].str[:2]
df["line"] = prefix.map(lambda p: "salaries" if p == "10" else ("income" if p >= "16" else "operating"))
sums = df.groupby(["Ansvar", "line", "Periode"])["amount"].sum()
print(f"{sums.sum():.2f} {len(sums)}")
"#;

/// Runs a child to its end and measures it (see [`crate::jsonstat::measure`]), its output in the
/// scratch directory.
fn measure(cmd: &mut Command, work: &Path) -> Result<Measured> {
    crate::jsonstat::measure(cmd, &work.join("economy-out.txt"))
}

/// Writes `lines` accounting lines for the responsibility `codes`: every code × account × month of
/// `year`, accounts of the three lines' prefixes, amounts as Norwegian accounting exports write them
/// (space as thousands separator, decimal comma, income negative). Returns the exact total in øre.
pub fn generate(path: &Path, codes: &[String], lines: usize, year: i32) -> Result<i128> {
    let per_code = lines.div_ceil(codes.len() * 12);
    // Six-digit accounts: the line's two-digit prefix, then a running number, so each is unique.
    let accounts: Vec<u32> = (0..per_code as u32)
        .map(|i| {
            let prefix = match i % 10 {
                0..=3 => 10,
                4..=7 => 11 + i % 5,
                _ => 16 + i % 4,
            };
            prefix * 10_000 + i
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "Ansvar;Art;Periode;Beløp")?;
    let (mut written, mut total, mut state) = (0usize, 0i128, 0x2545_f491_4f6c_dd1du64);
    'all: for code in codes {
        for account in &accounts {
            for month in 1..=12 {
                if written == lines {
                    break 'all;
                }
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mut ore = (state % 25_000_000) as i128 + 100; // up to 250 000 kr
                if *account >= 160_000 {
                    ore = -ore;
                }
                total += ore;
                writeln!(out, "{code};{account};{year}-{month:02};{}", norwegian(ore))?;
                written += 1;
            }
        }
    }
    out.flush()?;
    Ok(total)
}

/// An amount in øre as `-12 345,67`.
fn norwegian(ore: i128) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let (kr, ore) = (ore.abs() / 100, ore.abs() % 100);
    let digits = kr.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{ore:02}")
}

/// Runs the benchmark; `python` is an interpreter with pandas installed.
pub async fn run(env: &Env, python: &Path, quick: bool) -> Result<Table> {
    let lines = if quick { 100_000 } else { 1_000_000 };
    let (url, _) = env.sqlite("economy")?;
    eprintln!("economy: loading the demo municipality into a fresh SQLite");
    env.rodtrad(&url, &["demo"])?;
    let db = rodtrad_store::Db::connect(&url).await?;
    let m = db.municipality_by_number(rodtrad_store::demo::DEMO_NUMBER).await?.context("no demo municipality")?;
    let codes: Vec<String> = db.economy_responsibilities(m.id).await?.into_iter().map(|(c, _)| c).collect();
    db.close().await;
    if codes.is_empty() {
        bail!("the demo has no responsibility codes");
    }
    let file = env.work.join("economy-actuals.csv");
    eprintln!("economy: writing {lines} lines for {} responsibility codes", codes.len());
    let total_ore = generate(&file, &codes, lines, 2025)?;
    let size = std::fs::metadata(&file)?.len();

    eprintln!("economy: rodtrad import economy");
    let mut cmd = Command::new(&env.rodtrad);
    cmd.args(["import", "economy", "--municipality", rodtrad_store::demo::DEMO_NUMBER])
        .arg(&file)
        .current_dir(&env.work)
        .env("RODTRAD_DATABASE_URL", &url)
        .env("RUST_LOG", "warn");
    let ours = measure(&mut cmd, &env.work)?;
    let expected = format!(
        "total {}",
        rodtrad_domain::economy::format_nok(rodtrad_domain::economy::Decimal::from_i128_with_scale(total_ore, 2))
    );
    if !ours.stdout.contains(&expected) {
        bail!("rodtrad's import printed another total than the file's ({expected}): {}", ours.stdout);
    }

    eprintln!("economy: Python csv + pandas groupby");
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(PANDAS).arg(&file).current_dir(&env.work);
    let theirs = measure(&mut cmd, &env.work)?;
    let pandas_total: f64 =
        theirs.stdout.split_whitespace().next().and_then(|t| t.parse().ok()).context("pandas printed no total")?;
    let exact = total_ore as f64 / 100.0;
    if (pandas_total - exact).abs() > 1.0 {
        bail!("pandas summed {pandas_total}, the file holds {exact}");
    }

    let file_mib = size as f64 / 1024.0 / 1024.0;
    let mut table = Table::new(
        &format!("Economy import: {lines} accounting lines ({file_mib:.1} MiB CSV) into SQLite, with roll-up"),
        &["", "wall", "peak memory", "memory / file size"],
    );
    for (name, m) in
        [("`rodtrad import economy` (parse, store, roll-up)", &ours), ("Python csv + pandas groupby", &theirs)]
    {
        table.row(vec![
            name.to_owned(),
            format!("{:.2} s", m.wall.as_secs_f64()),
            mib(m.max_rss_kib),
            format!("{:.2}×", m.max_rss_kib as f64 * 1024.0 / size as f64),
        ]);
    }
    table.note(format!(
        "rodtrad / pandas wall time: {:.2}×. Both read the same file; the totals agree (rodtrad exactly to the øre, pandas in floating point).",
        ours.wall.as_secs_f64() / theirs.wall.as_secs_f64()
    ));
    table.note("Each is a child process measured from start to exit with wait4 (wall time, ru_maxrss). rodtrad's time includes opening and migrating the database, the whole-file validation, staging, the confirmed write and the roll-up of the last month; pandas' includes starting Python and importing pandas.");
    Ok(table)
}
