//! What Sluice's own log lines look like where operators read them: stderr redirected to a
//! file or to journald gets plain text (no ANSI colour codes), at `info` unless `RUST_LOG`
//! says otherwise.

mod common;

use common::{default_config, free_port, Sluice};

/// Starts and stops the embedded config with `RUST_LOG` set to `rust_log` (or unset), stderr
/// a pipe and `NO_COLOR` unset; returns what it logged.
fn log_of_a_run(rust_log: Option<&str>) -> String {
    let s = Sluice::start_with(&default_config(free_port()), |c| {
        c.env_remove("NO_COLOR");
        match rust_log {
            Some(v) => c.env("RUST_LOG", v),
            None => c.env_remove("RUST_LOG"),
        };
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    exit.stderr
}

#[test]
fn logs_to_a_pipe_are_plain_text_at_info_by_default() {
    let log = log_of_a_run(None);
    assert!(
        log.contains("INFO") && log.contains("sluice is running"),
        "info lines by default: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no escape codes on a pipe: {:?}",
        log.lines().next()
    );
}

#[test]
fn rust_log_still_chooses_the_level() {
    let log = log_of_a_run(Some("warn"));
    assert!(
        !log.contains("sluice is running"),
        "RUST_LOG=warn hides info lines: {log}"
    );
    // A per-target directive: the filter is parsed, not just a level.
    let log = log_of_a_run(Some("warn,sluice=info"));
    assert!(
        log.contains("sluice is running"),
        "RUST_LOG=warn,sluice=info shows sluice's info lines: {log}"
    );
}

#[test]
fn a_malformed_rust_log_is_reported_and_info_is_used() {
    let log = log_of_a_run(Some("sluice=loud"));
    assert!(
        log.contains("RUST_LOG is not a valid filter"),
        "the bad filter is named: {log}"
    );
    assert!(
        log.contains("sluice is running"),
        "info lines as without RUST_LOG: {log}"
    );
}
