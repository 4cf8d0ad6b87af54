//! `sluice script run|check`: try scripts from the shell, like `jq`.
//!
//! `run` reads newline-delimited JSON events (from a file or stdin), runs the script on
//! each in order with a fresh metadata record and a `state` that persists, and prints every
//! emitted value as one JSON line. Diagnostics go to stderr and the next event is processed;
//! the exit code is 1 if any event failed, 2 if the script does not compile.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

/// The `script` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ScriptCmd {
    /// Run a script on newline-delimited JSON events and print what it emits.
    Run {
        /// The tremor-script file.
        script: PathBuf,
        /// Events, one JSON document per line (default: stdin).
        input: Option<PathBuf>,
        /// Prefix every output line with its port and a tab.
        #[arg(long)]
        ports: bool,
        /// Directory to search for `use`d modules (repeatable; SLUICE_PATH is searched too).
        #[arg(short = 'I')]
        include: Vec<PathBuf>,
        /// The events' origin for `tremor::origin::*`, as a URI (`tcp://10.0.0.1:514/logs`).
        #[arg(long, value_name = "URI")]
        origin: Option<String>,
    },
    /// Compile a script and report every error.
    Check {
        /// The tremor-script file.
        script: PathBuf,
        /// Directory to search for `use`d modules (repeatable; SLUICE_PATH is searched too).
        #[arg(short = 'I')]
        include: Vec<PathBuf>,
    },
}

fn compile(path: &PathBuf, include: Vec<PathBuf>) -> anyhow::Result<Result<Script, String>> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read script {}", path.display()))?;
    let opts = CompileOptions {
        file_name: path.display().to_string(),
        include_paths: include,
        ..CompileOptions::default()
    }
    .with_env_paths();
    let compiled = Script::compile(&src, &opts).map_err(|d| d.to_string());
    if let Ok(s) = &compiled {
        // Unknown names fail only when reached (as in tremor): say so before running.
        eprint!("{}", s.warnings().render_warnings());
    }
    Ok(compiled)
}

/// Runs a `script` subcommand.
///
/// # Errors
/// I/O errors on the script or the input (not per-event failures, which are reported and
/// counted).
pub fn run(cmd: ScriptCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ScriptCmd::Check { script, include } => match compile(&script, include)? {
            Ok(s) => {
                let extra: Vec<&str> = s.ports().iter().skip(2).map(String::as_str).collect();
                if extra.is_empty() {
                    eprintln!("{}: ok", script.display());
                } else {
                    eprintln!(
                        "{}: ok (ports: out, err, {})",
                        script.display(),
                        extra.join(", ")
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(d) => {
                eprint!("{d}");
                Ok(ExitCode::from(1))
            }
        },
        ScriptCmd::Run {
            script,
            input,
            ports,
            include,
            origin,
        } => {
            let origin = origin
                .map(|u| sluice_script::stdlib::origin_from_uri(&u))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--origin: {e}"))?;
            let compiled = match compile(&script, include)? {
                Ok(s) => s,
                Err(d) => {
                    eprint!("{d}");
                    return Ok(ExitCode::from(2));
                }
            };
            let (reader, interactive): (Box<dyn Read>, bool) = match &input {
                Some(p) => (
                    Box::new(
                        File::open(p)
                            .with_context(|| format!("cannot open input {}", p.display()))?,
                    ),
                    false,
                ),
                None => (Box::new(io::stdin()), io::stdin().is_terminal()),
            };
            run_events(
                compiled,
                BufReader::new(reader),
                ports,
                interactive,
                origin.as_ref(),
            )
        }
    }
}

fn run_events(
    script: Script,
    mut input: impl BufRead,
    ports: bool,
    interactive: bool,
    origin: Option<&Value<'static>>,
) -> anyhow::Result<ExitCode> {
    let port_names = script.ports().to_vec();
    let mut runner = Runner::new(Arc::new(script), Env::default(), Value::record());
    let mut decoder = JsonDecoder::new();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut line = Vec::new();
    let mut encoded = Vec::new();
    let mut failed = false;
    let mut lineno = 0usize;
    loop {
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("reading input")?
            == 0
        {
            break;
        }
        lineno += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut event = match decoder.decode(&mut line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("input line {lineno}: {e}");
                failed = true;
                continue;
            }
        };
        let mut meta = Value::record();
        match runner.run(&mut event, &mut meta, 0, origin) {
            Ok(Outcome::Emit { port, .. }) => {
                encoded.clear();
                if ports {
                    encoded.extend_from_slice(
                        port_names
                            .get(port)
                            .map_or("out", String::as_str)
                            .as_bytes(),
                    );
                    encoded.push(b'\t');
                }
                sluice_script::write_json(&event, &mut encoded);
                encoded.push(b'\n');
                if let Err(e) = out.write_all(&encoded) {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        return Ok(exit(failed));
                    }
                    return Err(e).context("writing output");
                }
            }
            Ok(Outcome::Drop) => {}
            Err(e) => {
                // Keep stdout and stderr in order for a person watching both.
                let _ = out.flush();
                eprint!("input line {lineno}: {e}");
                failed = true;
            }
        }
        if interactive {
            let _ = out.flush();
        }
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e).context("writing output"),
        _ => {}
    }
    Ok(exit(failed))
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
