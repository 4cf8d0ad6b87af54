//! What Sluice's own log lines look like where operators read them: stderr redirected to a
//! file or to journald gets plain text (no ANSI colour codes), at `info` unless `RUST_LOG`
//! says otherwise.

mod common;

use common::{default_config, free_port, Sluice};

#[test]
fn logs_to_a_pipe_are_plain_text_at_info_by_default() {
    let s = Sluice::start_with(&default_config(free_port()), |c| {
        c.env_remove("RUST_LOG").env_remove("NO_COLOR");
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("INFO") && exit.stderr.contains("sluice is running"),
        "info lines by default: {}",
        exit.stderr
    );
    assert!(
        !exit.stderr.contains('\u{1b}'),
        "no escape codes on a pipe: {:?}",
        exit.stderr.lines().next()
    );
}

#[test]
fn rust_log_still_chooses_the_level() {
    let s = Sluice::start_with(&default_config(free_port()), |c| {
        c.env("RUST_LOG", "warn");
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        !exit.stderr.contains("sluice is running"),
        "RUST_LOG=warn hides info lines: {}",
        exit.stderr
    );
    // A per-target directive: the filter is parsed, not just a level.
    let s = Sluice::start_with(&default_config(free_port()), |c| {
        c.env("RUST_LOG", "warn,sluice=info");
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("sluice is running"),
        "RUST_LOG=warn,sluice=info shows sluice's info lines: {}",
        exit.stderr
    );
}

#[test]
fn a_malformed_rust_log_is_reported_and_info_is_used() {
    let s = Sluice::start_with(&default_config(free_port()), |c| {
        c.env("RUST_LOG", "sluice=loud");
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("RUST_LOG is not a valid filter"),
        "the bad filter is named: {}",
        exit.stderr
    );
    assert!(
        exit.stderr.contains("sluice is running"),
        "info lines as without RUST_LOG: {}",
        exit.stderr
    );
}
