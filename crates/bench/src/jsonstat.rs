//! JSON-stat import of a generated 1,000,000-cell JSON-stat 2.0 file shaped like an SSB table, beside
//! pyjstat turning the same file into a pandas DataFrame. Every step runs as its own child process so
//! its wall time and peak resident memory (from `wait4`) are its own.

use crate::report::{Table, mib};
use crate::server::Env;
use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REGIONS: usize = 1000;
const CONTENTS: usize = 20;
const YEARS: usize = 50;
/// Cells in the generated file.
pub const CELLS: usize = REGIONS * CONTENTS * YEARS;

const COUNTIES: [(&str, &str); 15] = [
    ("03", "Oslo"),
    ("11", "Rogaland"),
    ("15", "Møre og Romsdal"),
    ("18", "Nordland"),
    ("31", "Østfold"),
    ("32", "Akershus"),
    ("33", "Buskerud"),
    ("34", "Innlandet"),
    ("39", "Vestfold"),
    ("40", "Telemark"),
    ("42", "Agder"),
    ("46", "Vestland"),
    ("50", "Trøndelag"),
    ("55", "Troms"),
    ("56", "Finnmark"),
];

const PYJSTAT: &str = r#"
import json, sys, time
from pyjstat import pyjstat
started = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
df = pyjstat.from_json_stat(data)[0]
print(f"{time.perf_counter() - started:.3f} {len(df)}")
"#;

/// Writes the file: region × contents × year, bokmål labels, about 3 % "." and 2 % ".." cells.
pub fn generate(path: &Path) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(6);
    let mut regions = vec![("0".to_owned(), "Hele landet".to_owned())];
    regions.extend(COUNTIES.iter().map(|(c, n)| ((*c).to_owned(), (*n).to_owned())));
    'outer: for n in 1.. {
        for (c, county) in COUNTIES {
            if regions.len() == REGIONS {
                break 'outer;
            }
            regions.push((format!("{c}{n:02}"), format!("Kommune {c}{n:02} ({county})")));
        }
    }
    let contents: Vec<(String, String)> =
        (1..=CONTENTS).map(|i| (format!("KOSTRA{i:02}"), format!("Andel innbyggere, nøkkeltall {i}"))).collect();
    let years: Vec<String> = (0..YEARS).map(|y| (2024 - YEARS + 1 + y).to_string()).collect();

    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let category = |items: &[(String, String)]| {
        let index: Vec<String> = items.iter().enumerate().map(|(i, (c, _))| format!("{c:?}: {i}")).collect();
        let label: Vec<String> = items.iter().map(|(c, l)| format!("{c:?}: {}", serde_json::json!(l))).collect();
        format!("\"index\": {{{}}}, \"label\": {{{}}}", index.join(", "), label.join(", "))
    };
    let years_items: Vec<(String, String)> = years.iter().map(|y| (y.clone(), y.clone())).collect();
    let units: Vec<String> =
        contents.iter().map(|(c, _)| format!("{c:?}: {{\"base\": \"prosent\", \"decimals\": 1}}")).collect();
    write!(
        w,
        "{{\"version\": \"2.0\", \"class\": \"dataset\", \
         \"label\": \"99999: Generert nøkkeltall, etter region, statistikkvariabel og år\", \
         \"source\": \"Statistisk sentralbyrå\", \"updated\": \"2025-02-20T07:00:00Z\", \
         \"role\": {{\"time\": [\"Tid\"], \"metric\": [\"ContentsCode\"], \"geo\": [\"Region\"]}}, \
         \"id\": [\"Region\", \"ContentsCode\", \"Tid\"], \"size\": [{REGIONS}, {CONTENTS}, {YEARS}], \
         \"dimension\": {{\
         \"Region\": {{\"label\": \"region\", \"category\": {{{}}}}}, \
         \"ContentsCode\": {{\"label\": \"statistikkvariabel\", \"category\": {{{}, \"unit\": {{{}}}}}}}, \
         \"Tid\": {{\"label\": \"år\", \"category\": {{{}}}}}}}, \
         \"extension\": {{\"px\": {{\"tableid\": \"99999\", \"decimals\": 1, \"language\": \"no\"}}}}, \
         \"value\": [",
        category(&regions),
        category(&contents),
        units.join(", "),
        category(&years_items),
    )?;
    let mut statuses = Vec::new();
    for i in 0..CELLS {
        if i > 0 {
            w.write_all(b",")?;
        }
        let roll: f64 = rng.random();
        if roll < 0.03 {
            w.write_all(b"null")?;
            statuses.push((i, "."));
        } else if roll < 0.05 {
            w.write_all(b"null")?;
            statuses.push((i, ".."));
        } else {
            write!(w, "{:.1}", rng.random_range(0.0..100.0f64))?;
        }
    }
    w.write_all(b"], \"status\": {")?;
    for (n, (i, s)) in statuses.iter().enumerate() {
        if n > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\"{i}\": \"{s}\"")?;
    }
    w.write_all(b"}}\n")?;
    w.flush()?;
    Ok(())
}

/// The child-process side of the read measurement: reads the file, prints seconds and cells.
pub fn read_only(path: &Path) -> Result<()> {
    let started = Instant::now();
    let file = std::fs::File::open(path)?;
    let datasets = rodtrad_export::jsonstat::read_datasets(file)?;
    let cells: usize = datasets.iter().map(|d| d.cell_count()).sum();
    println!("{:.3} {cells}", started.elapsed().as_secs_f64());
    Ok(())
}

pub(crate) struct Measured {
    pub(crate) wall: Duration,
    pub(crate) max_rss_kib: u64,
    pub(crate) stdout: String,
}

/// Runs a child to its end and takes its own resource usage from `wait4`.
pub(crate) fn measure(cmd: &mut Command, out: &Path) -> Result<Measured> {
    let file = std::fs::File::create(out)?;
    cmd.stdin(Stdio::null()).stdout(file).stderr(Stdio::inherit());
    let started = Instant::now();
    let child = cmd.spawn().with_context(|| format!("cannot start {cmd:?}"))?;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if pid < 0 {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed (status {status})");
    }
    // Linux reports ru_maxrss in KiB.
    Ok(Measured { wall, max_rss_kib: usage.ru_maxrss as u64, stdout: std::fs::read_to_string(out)? })
}

fn first_number(s: &str) -> Option<f64> {
    s.split_whitespace().next()?.parse().ok()
}

/// Runs the benchmark; `python` is an interpreter with pyjstat and pandas installed.
pub fn run(env: &Env, python: &Path, quick: bool) -> Result<Table> {
    let runs = if quick { 1 } else { 3 };
    let file = env.work.join("jsonstat-1m.json");
    let started = Instant::now();
    generate(&file)?;
    let generated = started.elapsed();
    let size = std::fs::metadata(&file)?.len();
    let out = env.work.join("jsonstat-child.out");
    let me = std::env::current_exe()?;

    let mut rows: Vec<(&str, Vec<Measured>)> = Vec::new();
    let mut read = Vec::new();
    let mut import = Vec::new();
    let mut python_runs = Vec::new();
    for _ in 0..runs {
        read.push(measure(Command::new(&me).arg("jsonstat-read").arg(&file), &out)?);
        let (url, _) = env.sqlite("jsonstat-import")?;
        env.rodtrad(&url, &["municipality", "add", "--number", "3203", "--name", "Asker kommune"])?;
        let m = measure(
            Command::new(&env.rodtrad)
                .args(["import", "stats", "--municipality", "3203"])
                .arg(&file)
                .current_dir(&env.work)
                .env("RODTRAD_DATABASE_URL", &url)
                .env("RUST_LOG", crate::server::LOG_FILTER),
            &out,
        )?;
        if !m.stdout.contains(&format!("{CELLS} cells stored")) {
            bail!("import did not store {CELLS} cells: {}", m.stdout);
        }
        import.push(m);
        python_runs.push(measure(Command::new(python).arg("-c").arg(PYJSTAT).arg(&file), &out)?);
    }
    rows.push(("rodtrad_export::jsonstat::read", read));
    rows.push(("rodtrad import stats (read + store in fresh SQLite)", import));
    rows.push(("pyjstat from_json_stat → DataFrame", python_runs));

    let mut table = Table::new(
        "JSON-stat 2.0 import, 1,000,000 cells",
        &["step", "wall s (process)", "s inside the process", "peak RSS", "pyjstat ÷ this (wall)"],
    );
    let median_of = |ms: &[Measured], f: &dyn Fn(&Measured) -> f64| {
        let mut v: Vec<f64> = ms.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let py_wall = median_of(&rows[2].1, &|m| m.wall.as_secs_f64());
    for (name, ms) in &rows {
        let wall = median_of(ms, &|m| m.wall.as_secs_f64());
        let inside = ms.iter().all(|m| first_number(&m.stdout).is_some()).then(|| {
            let v = median_of(ms, &|m| first_number(&m.stdout).unwrap_or(0.0));
            format!("{v:.2}")
        });
        let rss = ms.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);
        table.row(vec![
            (*name).to_owned(),
            format!("{wall:.2}"),
            inside.unwrap_or_else(|| "—".to_owned()),
            mib(rss),
            format!("{:.1}×", py_wall / wall),
        ]);
    }
    let import_wall = median_of(&rows[1].1, &|m| m.wall.as_secs_f64());
    let ratio = py_wall / import_wall;
    table.note(format!(
        "File: {CELLS} cells ({REGIONS} regions × {CONTENTS} contents × {YEARS} years, 5 % missing with \".\" or \"..\"), {:.1} MB, generated in {:.1} s. Median of {runs} run(s); peak RSS is the largest of the runs.",
        size as f64 / 1e6,
        generated.as_secs_f64()
    ));
    table.note(format!(
        "Goal of issue #6: full import at least 5× faster than pyjstat → {ratio:.1}× ({}).",
        if ratio >= 5.0 { "met" } else { "not met" }
    ));
    table.note("Wall time is the whole child process (pyjstat's includes starting Python and importing pandas); \"inside\" is what each process timed around reading the file (and for pyjstat, building the DataFrame).");
    std::fs::remove_file(&file)?;
    Ok(table)
}
