//! `sluice script` end to end, through the built binary.

use std::io::Write;
use std::process::{Command, Stdio};

fn sluice() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
    c.env_remove("SLUICE_PATH");
    c
}

/// `sluice ARGS SCRIPT INPUT`, waited for.
fn run(args: &[&str], script: &std::path::Path, input: &std::path::Path) -> std::process::Output {
    sluice().args(args).arg(script).arg(input).output().unwrap()
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn run_prints_one_json_line_per_emitted_event_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "s.tremor",
        "let state = match state of case null => 1 default => state + 1 end;\nmatch event of case %{ skip == true } => drop default => {\"n\": state, \"e\": event} end",
    );
    let input = write(
        dir.path(),
        "in.ndjson",
        "{\"a\":1}\n\n{\"skip\":true}\n[2]\n",
    );
    let out = run(&["script", "run"], &script, &input);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"n\":1,\"e\":{\"a\":1}}\n{\"n\":3,\"e\":[2]}\n"
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn run_reads_stdin_and_prefixes_ports() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "s.tremor",
        "match event.level of case \"error\" => emit event => \"alerts\" default => emit end",
    );
    let mut child = sluice()
        .args(["script", "run", "--ports"])
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"level\":\"error\"}\n{\"level\":\"info\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "alerts\t{\"level\":\"error\"}\nout\t{\"level\":\"info\"}\n"
    );
    assert!(out.status.success());
}

#[test]
fn failing_events_are_reported_and_the_run_continues() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "s.tremor", "event.a + 1");
    let input = write(
        dir.path(),
        "in",
        "{\"a\":1}\n{\"b\":1}\nnot json\n{\"a\":5}\n",
    );
    let out = run(&["script", "run"], &script, &input);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n6\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input line 2: runtime error[E0201]: no key `a` in event"),
        "{err}"
    );
    assert!(err.contains("s.tremor:1:7"), "{err}");
    assert!(err.contains("input line 3: invalid JSON"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn check_reports_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.tremor", "emit event => \"x\"");
    let out = sluice()
        .args(["script", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ok (ports: out, err, x)"));
    // An unknown name is a warning (it fails only when reached, as in tremor).
    let typo = write(dir.path(), "typo.tremor", "let a = 1;\nevnt.a");
    let out = sluice()
        .args(["script", "check"])
        .arg(&typo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning[E0101]: unknown name `evnt`"), "{err}");
    assert!(err.contains("typo.tremor:2:1"), "{err}");
    assert!(err.contains("hint: did you mean `event`?"), "{err}");
    let bad = write(dir.path(), "bad.tremor", "let a = 1;\nlet = 2");
    let out = sluice()
        .args(["script", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[E0001]"), "{err}");
    assert!(err.contains("bad.tremor:2:"), "{err}");
    let out = sluice().args(["script", "run"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn modules_come_from_include_paths_and_sluice_path() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    write(&lib, "text/util.tremor", "fn twice(s) with s + s end");
    let script = write(
        dir.path(),
        "main/s.tremor",
        "use text::util;\nutil::twice(event)",
    );
    let input = write(dir.path(), "in", "\"ab\"\n");
    let out = sluice()
        .args(["script", "run", "-I"])
        .arg(&lib)
        .arg(&script)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\"abab\"\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sluice()
        .env("SLUICE_PATH", &lib)
        .args(["script", "run"])
        .arg(&script)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"abab\"\n");
    let out = run(&["script", "run"], &script, &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("module `text::util` not found"));
}

#[test]
fn origin_flag_sets_what_the_origin_functions_return() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "s.tremor",
        "use tremor::origin;\n[origin::as_uri_string(), origin::host(), origin::port(), origin::path()]",
    );
    let input = write(dir.path(), "in.ndjson", "0\n");
    let out = run(
        &["script", "run", "--origin", "snot://test:23/snot/badger"],
        &script,
        &input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[\"snot://test:23/snot/badger\",\"test\",23,[\"snot\",\"badger\"]]\n"
    );
    // Without the flag the event has no origin.
    let out = run(&["script", "run"], &script, &input);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[null,null,null,null]\n"
    );
    // A malformed URI is refused before anything runs.
    let out = run(&["script", "run", "--origin", "no-scheme"], &script, &input);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--origin"));
}

#[test]
fn unknown_names_warn_and_fail_only_when_reached() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "s.tremor",
        "match event of case 1 => \"one\" case _ => nosuch end",
    );
    let input = write(dir.path(), "in.ndjson", "1\n2\n");
    let out = run(&["script", "run"], &script, &input);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"one\"\n");
    assert!(
        err.contains("warning[E0101]: unknown name `nosuch`"),
        "{err}"
    );
    assert!(err.contains("input line 2"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}
