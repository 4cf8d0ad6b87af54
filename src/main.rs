//! The `sluice` binary. (Minimal main with the `script` subcommand; the full CLI is wired
//! by the lead.)

mod script_cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "sluice",
    version,
    about = "Thread-per-core data plane for logs, metrics and events"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run or check tremor-script scripts.
    #[command(subcommand)]
    Script(script_cli::ScriptCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Script(c) => script_cli::run(c),
    };
    r.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
}
