//! Subcommands: serve, migrate, demo, user, municipality, backup, restore.

use crate::config::Config;
use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use rodtrad_domain::{Email, Kommunenummer, Name, Role, RuleError};
use rodtrad_service::stat_import::ImportError;
use rodtrad_store::users::NewUser;
use rodtrad_store::{Author, Db, StoreError, demo, password};
use rodtrad_web::i18n::{I18n, Lang};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "rodtrad", version, about = "Rødtråd – plan- og virksomhetsstyring for kommuner")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web application (migrates first).
    Serve {
        /// Load the demo municipality if it is not there, and show the demo logins.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides RODTRAD_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo municipality (once; running it again changes nothing).
    Demo,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage municipalities (tenants).
    Municipality {
        #[command(subcommand)]
        command: MunicipalityCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Make the in-app notifications (due, overdue, new dialogues) of every municipality; with
    /// --digest also send today's e-mail digests over the configured SMTP server. For cron and
    /// tests; `serve` does both every hour.
    Notify {
        /// Also send the e-mail digests (needs `[smtp]` in the configuration).
        #[arg(long)]
        digest: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE while the app runs.
    Backup {
        /// Target file; must not exist.
        file: PathBuf,
    },
    /// Restore a SQLite backup over the configured database (stop the app first).
    Restore {
        /// Backup file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import JSON-stat files (2.0 datasets or collections, or 1.x bundles) as statistics tables.
    Stats {
        /// Municipality number the statistics are for, e.g. 3203.
        #[arg(long)]
        municipality: String,
        /// Files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import monthly actuals from the accounting system (CSV or XLSX, with the column mapping and
    /// codes saved on the economy settings page): the whole file is checked first, every bad row
    /// is listed and nothing is stored unless all rows are valid; then the actuals replace those of
    /// the months the file covers, and the roll-up of the last month is printed.
    Economy {
        /// Municipality number, e.g. 3203.
        #[arg(long)]
        municipality: String,
        /// Check the file and print what would be stored, without storing it.
        #[arg(long)]
        dry_run: bool,
        /// The accounting file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Municipality number, e.g. 3203.
        #[arg(long)]
        municipality: String,
        /// Roles: system_admin, management, leader, employee, politician, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Link to an existing person (id).
        #[arg(long)]
        person: Option<i64>,
    },
    /// Set a new password (read from standard input) and end the account's sessions.
    Reset {
        /// Login e-mail.
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum MunicipalityCommand {
    /// Add a municipality with its root organisation unit.
    Add {
        /// Four-digit kommunenummer.
        #[arg(long)]
        number: String,
        /// Name, e.g. "Asker kommune".
        #[arg(long)]
        name: String,
    },
}

/// Entry point: parses arguments, runs the command, maps errors to a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rodtrad: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rodtrad: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rodtrad: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// Turns an error into the bokmål message a user of the CLI reads: a rule error or an import that
/// cannot be stored is translated (never printed as its message key), with the context that wraps it
/// (such as the file name) in front.
fn describe(err: &anyhow::Error) -> String {
    let chain: Vec<&(dyn std::error::Error + 'static)> = err.chain().collect();
    let Some((at, rule)) = chain.iter().enumerate().find_map(|(i, e)| rule_of(*e).map(|r| (i, r))) else {
        return format!("{err:#}");
    };
    let message = match I18n::load() {
        Ok(i18n) => {
            let args: Vec<(&str, String)> = rule.args.iter().map(|(k, v)| (*k, v.clone())).collect();
            i18n.format(Lang::Nb, rule.key, &args)
        }
        Err(_) => format!("{err:#}"),
    };
    let context: Vec<String> = chain[..at].iter().map(|e| e.to_string()).collect();
    if context.is_empty() { message } else { format!("{}: {message}", context.join(": ")) }
}

/// The rule behind one error of a chain, if it is one a user should read in words.
fn rule_of(e: &(dyn std::error::Error + 'static)) -> Option<RuleError> {
    if let Some(rule) = e.downcast_ref::<RuleError>() {
        return Some(rule.clone());
    }
    if let Some(StoreError::Rule(rule)) = e.downcast_ref::<StoreError>() {
        return Some(rule.clone());
    }
    match e.downcast_ref::<ImportError>()? {
        ImportError::Unusable(key, value) => Some(RuleError::new(key).with("value", value.clone())),
        ImportError::Format(f) => Some(RuleError::new("err-stat-format").with("problem", f.to_string())),
        ImportError::Store(StoreError::Rule(rule)) => Some(rule.clone()),
        ImportError::Store(_) => None,
    }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("could not open the database {}", redact(&config.database_url)))?;
    db.migrate().await.context("migration failed")?;
    Ok(db)
}

/// Hides a password in a database URL before it is printed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn run(command: Command, config: Config) -> Result<()> {
    match command {
        Command::Serve { demo: with_demo, listen } => serve(config, with_demo, listen).await,
        Command::Migrate => {
            let db = open(&config).await?;
            println!("Database is up to date ({}).", db.backend());
            Ok(())
        }
        Command::Demo => {
            open(&config).await?.close().await; // migrates
            let i18n = std::sync::Arc::new(I18n::load().map_err(|e| anyhow!(e))?);
            let summary = load_demo(&config, i18n).await?;
            print_demo(&summary, None);
            Ok(())
        }
        Command::Import { command: ImportCommand::Stats { municipality, files } } => {
            import_stats(&config, &municipality, &files).await
        }
        Command::Import { command: ImportCommand::Economy { municipality, dry_run, file } } => {
            import_economy(&config, &municipality, &file, dry_run).await
        }
        Command::User { command } => user(config, command).await,
        Command::Notify { digest } => notify(&config, digest).await,
        Command::Municipality { command: MunicipalityCommand::Add { number, name } } => {
            let db = open(&config).await?;
            let id = db.municipality_create(&Name::parse(&name)?, &Kommunenummer::parse(&number)?, "CLI").await?;
            println!("Municipality {number} created (id {id}).");
            Ok(())
        }
        Command::Backup { file } => {
            let db = open(&config).await?;
            db.backup_to(&file).await?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!("Backup written to {} ({size} bytes).", file.display());
            Ok(())
        }
        Command::Restore { file } => {
            let target = config
                .database_url
                .strip_prefix("sqlite://")
                .map(|p| p.split('?').next().unwrap_or(p).to_owned())
                .ok_or_else(|| anyhow!(RuleError::new("err-backup-postgres")))?;
            rodtrad_store::backup::restore_sqlite(&file, std::path::Path::new(&target)).await?;
            println!("Restored {} to {target}.", file.display());
            Ok(())
        }
    }
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    password::check_policy(&password)?;
    Ok(password)
}

async fn user(config: Config, command: UserCommand) -> Result<()> {
    let db = open(&config).await?;
    match command {
        UserCommand::Add { email, name, municipality, roles, person } => {
            let m = db.municipality_by_number(&municipality).await?.ok_or_else(|| {
                anyhow!(RuleError::new("err-kommunenummer-unknown").with("number", municipality.clone()))
            })?;
            let roles = roles.iter().map(|r| Role::parse(r)).collect::<Result<Vec<_>, _>>()?;
            if let Some(p) = person {
                db.person(m.id, p).await.map_err(|_| RuleError::new("err-person-unknown"))?;
            }
            eprintln!("Password (one line, at least {} characters):", password::MIN_LENGTH);
            let password = read_password()?;
            let new = NewUser {
                municipality_id: m.id,
                person_id: person,
                email: Email::parse(&email)?,
                display_name: Name::parse(&name)?,
                password_hash: password::hash(&password, config.hash_cost()),
                roles,
            };
            let author = Author { municipality_id: m.id, user_id: None, name: "CLI".into() };
            let id = db.user_create(&author, &new).await?;
            println!("User {email} created (id {id}).");
        }
        UserCommand::Reset { email } => {
            let user = db.user_by_email(&email).await?.ok_or_else(|| anyhow!("no account with e-mail {email}"))?;
            eprintln!("New password (one line, at least {} characters):", password::MIN_LENGTH);
            let password = read_password()?;
            let author = Author { municipality_id: user.municipality_id, user_id: None, name: "CLI".into() };
            db.user_set_password(&author, user.id, &password::hash(&password, config.hash_cost())).await?;
            println!("Password for {email} changed; all its sessions have ended.");
        }
    }
    Ok(())
}

fn print_demo(summary: &demo::DemoSummary, url: Option<&str>) {
    if summary.created {
        println!("Demo municipality loaded.");
    } else {
        println!("Demo municipality already present (not loaded again).");
    }
    if let Some(url) = url {
        println!("\n  Rødtråd is running at {url}\n");
    }
    println!("  Demo logins (password: {}):", demo::DEMO_PASSWORD);
    for login in &summary.logins {
        println!("    {:<36} {:<14} {}", login.email, login.role.code(), login.note);
    }
    println!();
}

/// Imports statistics files, printing each table, its dimensions and the cells stored.
async fn import_stats(config: &Config, municipality: &str, files: &[PathBuf]) -> Result<()> {
    let db = open(config).await?;
    let m = db
        .municipality_by_number(municipality)
        .await?
        .ok_or_else(|| anyhow!("no municipality with number {municipality}"))?;
    let author = Author { municipality_id: m.id, user_id: None, name: "CLI".into() };
    let progress = rodtrad_service::stat_import::Progress::default();
    for file in files {
        let reader = std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
        );
        let prepared =
            rodtrad_service::stat_import::prepare_all(reader).with_context(|| format!("{}", file.display()))?;
        for p in &prepared {
            let dims: Vec<String> =
                p.dataset.dimensions.iter().map(|d| format!("{} ({})", d.id, d.categories.len())).collect();
            println!("{}: {} [{}]", file.display(), p.meta.label, p.meta.source_key);
            println!("  dimensions: {}", dims.join(" × "));
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (id, counts) = rodtrad_service::stat_import::run(&db, &author, p, "cli", &name, &progress).await?;
            println!(
                "  import {id}: {} cells stored ({} new, {} changed, {} unchanged)",
                counts.total, counts.added, counts.changed, counts.unchanged
            );
        }
    }
    Ok(())
}

/// Imports an accounting file as the economy page does (parsed whole, staged, confirmed), then
/// prints the municipality's roll-up for the last month the file covers.
async fn import_economy(config: &Config, municipality: &str, file: &std::path::Path, dry_run: bool) -> Result<()> {
    use rodtrad_domain::economy::format_nok;
    let db = open(config).await?;
    let m = db
        .municipality_by_number(municipality)
        .await?
        .ok_or_else(|| anyhow!("no municipality with number {municipality}"))?;
    let author = Author { municipality_id: m.id, user_id: None, name: "CLI".into() };
    let actor = rodtrad_domain::Actor {
        municipality_id: m.id,
        roles: [rodtrad_domain::Role::SystemAdmin].into(),
        ..rodtrad_domain::Actor::default()
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot open {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (settings, maps) = rodtrad_service::economy::code_maps(&db, m.id).await?;
    let kind = rodtrad_service::economy::FileKind::detect(&name, &bytes);
    let parsed = match rodtrad_service::economy::parse_file(kind, bytes, &settings.columns, &maps) {
        Ok(parsed) => parsed,
        Err(problems) => {
            let i18n = I18n::load().map_err(|e| anyhow!(e))?;
            for p in problems.iter().take(100) {
                let rule = p.problem.rule();
                let args: Vec<(&str, String)> = rule.args.iter().map(|(k, v)| (*k, v.clone())).collect();
                eprintln!("{}: linje {}: {}", file.display(), p.row, i18n.format(Lang::Nb, rule.key, &args));
            }
            if problems.len() > 100 {
                eprintln!("… og {} problemer til", problems.len() - 100);
            }
            return Err(anyhow!("{}: {} rader med feil; ingenting er lagret", file.display(), problems.len()));
        }
    };
    let months = parsed.months();
    println!(
        "{}: {} rows, {} sums, months {:?}, total {}",
        file.display(),
        parsed.rows,
        parsed.totals.len(),
        months,
        format_nok(parsed.sum())
    );
    if dry_run {
        println!("dry run: nothing stored");
        return Ok(());
    }
    let id = db.economy_import_stage(&author, &name, &parsed).await?;
    let written = rodtrad_service::economy::confirm_import(&db, (&actor, &author), id).await?;
    println!("import {id}: {written} sums stored");
    if let Some(&(year, month)) = months.last() {
        let tree = db.org_tree(m.id).await?;
        let overview = rodtrad_service::economy::overview(&db, &tree, m.id, year, month).await?;
        if let Some(root) = tree.children(None).first() {
            let f = overview.of(*root);
            println!(
                "roll-up {year}-{month:02}: budget {}, actual to date {}, forecast {}",
                format_nok(f.budget),
                format_nok(f.actual),
                format_nok(f.forecast)
            );
        }
    }
    Ok(())
}

/// Makes the notifications and, with `digest`, sends the digests; prints what it did.
async fn notify(config: &Config, digest: bool) -> Result<()> {
    let db = open(config).await?;
    let today = chrono::Utc::now().date_naive();
    let made = rodtrad_service::notify::run_all(&db, today).await?;
    println!("Notifications: {made} new.");
    if digest {
        let smtp = config.smtp.as_ref().ok_or_else(|| anyhow!("SMTP is not configured: add [smtp] to rodtrad.toml"))?;
        let mailer = rodtrad_service::mail::Mailer::new(smtp)?;
        let i18n = std::sync::Arc::new(I18n::load().map_err(|e| anyhow!(e))?);
        let s = rodtrad_web::dashboard::digest::send_digests(&db, i18n, &mailer, &config.base_url(), today).await?;
        println!("Digests: {} sent, {} with nothing to say, {} failed.", s.sent, s.nothing, s.failed);
        if s.failed > 0 {
            return Err(anyhow!("{} digests could not be sent (see the log)", s.failed));
        }
    }
    Ok(())
}

/// The hourly task of `serve`: notifications for everyone, and from `digest_hour` (Norwegian time)
/// the day's digests when SMTP is configured. Both are idempotent, so a run after a restart or
/// beside another process changes nothing twice.
async fn notify_every_hour(db: Db, i18n: std::sync::Arc<I18n>, config: Config) {
    let mailer = match config.smtp.as_ref().map(rodtrad_service::mail::Mailer::new) {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            tracing::error!(error = %e, "SMTP configuration refused; no digests are sent");
            None
        }
        None => None,
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = chrono::Utc::now();
        let today = rodtrad_domain::norwegian_time::oslo_date(now);
        match rodtrad_service::notify::run_all(&db, today).await {
            Ok(made) => tracing::info!(made, "notifications made"),
            Err(e) => tracing::warn!(error = %e, "making notifications failed"),
        }
        let hour = chrono::Timelike::hour(&rodtrad_domain::norwegian_time::oslo_time(now));
        if let (Some(mailer), true) = (&mailer, hour >= config.digest_hour) {
            match rodtrad_web::dashboard::digest::send_digests(&db, i18n.clone(), mailer, &config.base_url(), today)
                .await
            {
                Ok(s) => tracing::info!(sent = s.sent, failed = s.failed, "digests"),
                Err(e) => tracing::warn!(error = %e, "sending digests failed"),
            }
        }
    }
}

/// Loads the demo municipality (once; a second run changes nothing): the organisation, plans and
/// follow-up, then the statistics, then the council reports, which are composed from the rest.
/// Each step's time is logged, since a slow demo is what a first-time user meets first.
async fn load_demo(config: &Config, i18n: std::sync::Arc<I18n>) -> Result<demo::DemoSummary> {
    let started = std::time::Instant::now();
    let bulk = Db::connect_for_bulk_load(&config.database_url)
        .await
        .with_context(|| format!("could not open the database {}", redact(&config.database_url)))?;
    let db = &bulk;
    let summary = demo::load(db, config.hash_cost()).await?;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "demo: municipality, plans and follow-up");
    let step = std::time::Instant::now();
    rodtrad_service::stat_import::load_demo(db, summary.municipality_id).await?;
    tracing::info!(elapsed_ms = step.elapsed().as_millis() as u64, "demo: statistics");
    let step = std::time::Instant::now();
    rodtrad_web::reports::demo::load(db, i18n, summary.municipality_id)
        .await
        .map_err(|e| anyhow!("demo reports: {e}"))?;
    tracing::info!(elapsed_ms = step.elapsed().as_millis() as u64, "demo: council reports");
    bulk.close().await;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "demo loaded");
    Ok(summary)
}

async fn serve(config: Config, with_demo: bool, listen: Option<String>) -> Result<()> {
    let db = open(&config).await?;
    let state = rodtrad_web::AppState::new(db.clone(), config.web(with_demo)).map_err(|e| anyhow!(e))?;
    let summary = if with_demo { Some(load_demo(&config, state.i18n.clone()).await?) } else { None };
    // Background jobs: those a stopped process left running are queued again, then due jobs are
    // polled for (retries after a back-off, jobs queued by another process).
    let jobs = state.jobs.start(std::time::Duration::from_secs(5));
    let state_i18n = state.i18n.clone();
    let app = rodtrad_web::router(state);
    let addr = listen.unwrap_or_else(|| config.listen.clone());
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("could not listen on {addr}"))?;
    let local = listener.local_addr()?;
    let url = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    match &summary {
        Some(s) => print_demo(s, Some(&url)),
        None => println!("\n  Rødtråd is running at {url}\n"),
    }
    tracing::info!(%url, backend = db.backend(), "listening");
    let pruner = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = db.sessions_prune().await {
                    tracing::warn!(error = %e, "session pruning failed");
                }
            }
        }
    });
    let fetcher = (!config.stats_fetch.is_empty()).then(|| {
        let db = db.clone();
        let specs = config.stats_fetch.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(120)).build();
            let Ok(client) = client else { return };
            let progress = rodtrad_service::stat_import::Progress::default();
            // Each query runs when it is due (its own interval since its last successful import).
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                rodtrad_service::stat_import::fetch_due(&db, &client, &specs, &progress).await;
            }
        })
    });
    let notifier = tokio::spawn(notify_every_hour(db.clone(), state_i18n, config.clone()));
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    pruner.abort();
    notifier.abort();
    jobs.abort();
    if let Some(f) = fetcher {
        f.abort();
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(redact("postgres://app:secret@db/rodtrad"), "postgres://app:***@db/rodtrad");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://rodtrad.db"), "sqlite://rodtrad.db");
    }

    #[test]
    fn import_errors_are_described_in_words_never_as_message_keys() {
        let text = r#"{"version":"2.0","class":"dataset","id":["Tid"],"size":[2],"role":{"time":["Tid"]},
            "dimension":{"Tid":{"category":{"index":["2023","2024"]}}},"value":[1,"prikket"]}"#;
        let err = rodtrad_service::stat_import::prepare_all(text.as_bytes())
            .map(|_| ())
            .context("tabell.json")
            .expect_err("text values are refused");
        let message = describe(&err);
        assert!(message.starts_with("tabell.json: Cellen value[1] («prikket») inneholder tekst"), "{message}");
        let broken = rodtrad_service::stat_import::prepare_all(&b"{"[..]).map(|_| ()).context("x.json").unwrap_err();
        let message = describe(&broken);
        assert!(message.starts_with("x.json: Filen er ikke gyldig JSON-stat: "), "{message}");
        for err in [
            anyhow!(ImportError::Unusable("err-stat-empty", String::new())),
            anyhow!(RuleError::new("err-stat-no-time")),
        ] {
            let message = describe(&err);
            assert!(!message.contains("err-"), "a message key reached the user: {message}");
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
