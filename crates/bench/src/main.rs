//! `rodtrad-bench`: the benchmarks of issues #5 and #6. Each subcommand prints one Markdown table on
//! standard output (progress goes to standard error); `scripts/bench` builds, installs what is missing,
//! runs them and collects the tables.

mod backup;
mod council_report;
mod economy;
mod jsonstat;
mod letters;
mod pages;
mod report;
mod risk;
mod rollup;
mod server;
mod statuses;
mod thread;
mod writers;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use writers::Backend;

#[derive(Parser)]
#[command(name = "rodtrad-bench", about = "Benchmarks of Rødtråd (issues #5 and #6)")]
struct Cli {
    /// Shorter runs (for a quick look; figures are noisier).
    #[arg(long, global = true)]
    quick: bool,
    /// The `rodtrad` binary (default: next to this one).
    #[arg(long, global = true)]
    rodtrad: Option<PathBuf>,
    /// Scratch directory for databases, logs and generated files.
    #[arg(long, global = true, default_value = "target/bench/work")]
    work: PathBuf,
    /// A PostgreSQL database to connect to for creating (and dropping) the benchmark's own databases.
    #[arg(
        long,
        global = true,
        env = "RODTRAD_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres: String,
    #[command(subcommand)]
    command: Bench,
}

#[derive(Clone, Copy, ValueEnum)]
enum Db {
    Sqlite,
    Postgres,
    Both,
}

impl Db {
    fn backends(self) -> Vec<Backend> {
        match self {
            Db::Sqlite => vec![Backend::Sqlite],
            Db::Postgres => vec![Backend::Postgres],
            Db::Both => vec![Backend::Sqlite, Backend::Postgres],
        }
    }
}

#[derive(Subcommand)]
enum Bench {
    /// (a) Dashboard and red-thread page at 64 connections, beside nginx serving the same bytes.
    Pages,
    /// (b) Red-thread break detection over 1,000,000 generated elements, beside a bare loop.
    Thread,
    /// Every demo assignment letter rendered as PDF (issue #13).
    Letters,
    /// Status roll-up over 1,000,000 items in 2,000 units, beside a bare loop (issue #13).
    Rollup,
    /// The municipal risk picture over 100,000 risk items in 2,000 units, beside a bare loop (issue #16).
    Risk,
    /// (c) 200 concurrent writers on goal elements and measures.
    Writers {
        #[arg(long, value_enum, default_value = "both")]
        db: Db,
    },
    /// 200 leaders reporting statuses at once through the API (issue #13).
    Statuses {
        #[arg(long, value_enum, default_value = "both")]
        db: Db,
    },
    /// (d) The writers' server killed with SIGKILL midway and restarted.
    Crash {
        #[arg(long, value_enum, default_value = "both")]
        db: Db,
    },
    /// (e) Backup, restore, and every export of both compared.
    Backup,
    /// JSON-stat import of 1,000,000 cells beside pyjstat (issue #6).
    Jsonstat {
        /// Python interpreter with pyjstat and pandas.
        #[arg(long, default_value = "python3")]
        python: PathBuf,
    },
    /// Importing 1,000,000 accounting lines with roll-up, beside Python csv + pandas (issue #14).
    Economy {
        /// Python interpreter with pandas.
        #[arg(long, default_value = "python3")]
        python: PathBuf,
    },
    /// The demo's annual report as PDF with typst beside headless Chromium printing its page (issue #15).
    Report,
    /// Internal: read one JSON-stat file and print seconds and cells (run as a child process).
    #[command(hide = true)]
    JsonstatRead { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rodtrad-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    std::fs::create_dir_all(&cli.work)?;
    let rodtrad = match cli.rodtrad {
        Some(p) => p,
        None => std::env::current_exe()?.with_file_name("rodtrad"),
    };
    let env = server::Env { rodtrad, work: std::path::absolute(&cli.work)?, postgres: cli.postgres };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let table = match cli.command {
        Bench::Pages => runtime.block_on(pages::run(&env, cli.quick))?,
        Bench::Thread => thread::run(cli.quick),
        Bench::Rollup => rollup::run(cli.quick),
        Bench::Risk => risk::run(cli.quick),
        Bench::Letters => runtime.block_on(letters::run(&env))?,
        Bench::Writers { db } => runtime.block_on(writers::run(&env, &db.backends(), cli.quick))?,
        Bench::Statuses { db } => runtime.block_on(statuses::run(&env, &db.backends(), cli.quick))?,
        Bench::Crash { db } => runtime.block_on(writers::crash(&env, &db.backends(), cli.quick))?,
        Bench::Backup => runtime.block_on(backup::run(&env))?,
        Bench::Jsonstat { python } => jsonstat::run(&env, &python, cli.quick)?,
        Bench::Economy { python } => runtime.block_on(economy::run(&env, &python, cli.quick))?,
        Bench::Report => runtime.block_on(council_report::run(&env, cli.quick))?,
        Bench::JsonstatRead { file } => return jsonstat::read_only(&file),
    };
    print!("{}", table.markdown());
    Ok(())
}
