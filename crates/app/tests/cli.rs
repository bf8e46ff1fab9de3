//! The real `rodtrad` binary as an operator meets it on the command line: a refused command says why
//! in words on standard error (never a message key) and exits non-zero.
//!
//! Building this test also makes cargo build the binary in the same invocation and with the same
//! features as the rest of the test suite, so the browser suites start it without a second build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory with its own SQLite database, removed when dropped.
struct Workdir(PathBuf);

impl Workdir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rodtrad-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the work directory");
        Workdir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn rodtrad(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rodtrad"))
            .args(args)
            .current_dir(&self.0)
            .env("RODTRAD_DATABASE_URL", format!("sqlite://{}", self.0.join("rodtrad.db").display()))
            .env("RODTRAD_CONFIG", self.0.join("none.toml"))
            .env_remove("RODTRAD_LISTEN")
            .output()
            .expect("run rodtrad")
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A message key (`err-…`) is for the translation files, never for the person at the terminal.
fn assert_words(text: &str) {
    assert!(!text.contains("err-"), "a message key reached the user: {text}");
}

#[test]
fn help_names_every_command() {
    let dir = Workdir::new("help");
    let out = dir.rodtrad(&["--help"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for command in ["serve", "migrate", "demo", "user", "municipality", "import", "notify", "backup", "restore"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(command)), "--help lacks {command}:\n{help}");
    }
}

#[test]
fn a_refused_municipality_says_why_and_a_second_add_changes_nothing() {
    let dir = Workdir::new("municipality");
    let out = dir.rodtrad(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = dir.rodtrad(&["municipality", "add", "--number", "3203", "--name", "Asker kommune"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("3203"), "{}", stdout(&out));

    // The same number again: refused in words, and still one municipality.
    let out = dir.rodtrad(&["municipality", "add", "--number", "3203", "--name", "Asker kommune"]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("finnes allerede"), "{message}");
    assert_words(&message);

    // A number that is not in SSB's list of municipalities.
    let out = dir.rodtrad(&["municipality", "add", "--number", "3299", "--name", "Ingensteds kommune"]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("3299"), "{message}");
    assert_words(&message);
}

#[test]
fn a_bad_accounting_file_names_each_missing_column_in_words() {
    let dir = Workdir::new("economy");
    assert!(dir.rodtrad(&["migrate"]).status.success());
    assert!(dir.rodtrad(&["municipality", "add", "--number", "3203", "--name", "Asker kommune"]).status.success());
    let file = dir.path().join("regnskap.csv");
    std::fs::write(&file, "konto;ansvar;belop\n1;2;abc\n").expect("write the file");

    let out = dir.rodtrad(&["import", "economy", "--municipality", "3203", file.to_str().unwrap_or_default()]);
    assert!(!out.status.success(), "a file without the required columns was accepted");
    let message = stderr(&out);
    assert_words(&message);
    for column in ["art", "periode", "beløp"] {
        assert!(message.contains(&format!("«{column}»")), "the missing column {column} is not named:\n{message}");
    }
    assert!(message.contains("ingenting er lagret"), "{message}");

    // An unknown municipality is named, not a key or a stack trace.
    let out =
        dir.rodtrad(&["import", "economy", "--municipality", "9999", "--dry-run", file.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("9999"), "{message}");
    assert_words(&message);
}
