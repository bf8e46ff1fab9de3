//! `rodtrad`: the Rødtråd application binary.

mod cli;
mod config;

fn main() -> std::process::ExitCode {
    cli::main()
}
