//! The runner's process isolation: a hanging trial times out and is
//! killed with its process group, a crashing one is reported as a crash,
//! a result line is parsed, and a trial without one is an error.

use exec::runner::{Isolation, Trial};
use oracle::case::{Case, Variant};
use oracle::Outcome;
use std::time::Instant;

static CASE: Case =
    Case { id: "selftest/isolation", summary: "", requires: &[], variants: &[Variant::Default], timeout_ms: 300, serial: false, refs: &[], run: |_| Ok(()) };

fn sh(script: &str) -> (Outcome, String, f64) {
    let iso = Isolation {
        exe: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        probe_json: "{}".into(),
        kmsg: false,
        timeout_scale: oracle::timing::Scale::ONE,
        mutate: None,
        // A shell script is no fork server.
        executor: exec::runner::Executor::Exec,
    };
    let t = Trial { case: &CASE, variant: Variant::Default, id: "selftest/isolation[default]".into(), skip: None };
    let r = iso.run(&t).expect("nothing interrupts these runs");
    (r.outcome, r.message, r.duration_ms)
}

#[test]
fn hang_times_out_and_group_is_killed() {
    let t0 = Instant::now();
    // The grandchild would keep the pipes open; the group kill ends it.
    let (o, m, _) = sh("sleep 30 & sleep 30");
    assert_eq!(o, Outcome::Timeout, "{m}");
    assert!(t0.elapsed().as_secs() < 10, "took {:?}", t0.elapsed());
}

#[test]
fn signal_is_a_crash() {
    let (o, m, _) = sh("kill -SEGV $$");
    assert_eq!(o, Outcome::Crash);
    assert!(m.contains("SIGSEGV"), "{m}");
}

#[test]
fn result_line_is_parsed() {
    let (o, m, d) = sh(r#"echo noise; echo '@@uring-conform@@ {"trial":{"outcome":"fail","message":"expected 1, got 2","comparisons":1,"mutated":null}}'"#);
    assert_eq!(o, Outcome::Fail);
    assert_eq!(m, "expected 1, got 2");
    assert!(d > 0.0);
}

#[test]
fn exit_without_result_is_an_error() {
    let (o, m, _) = sh("echo oops >&2; exit 4");
    assert_eq!(o, Outcome::Error);
    assert!(m.contains("oops"), "{m}");
}

/// A result line saying that a timed window was disturbed.
const DISTURBED: &str = r#"@@uring-conform@@ {"trial":{"outcome":"error","message":"machine too loaded to time this: run delay 80 ms","comparisons":0,"mutated":null,"disturbed":true}}"#;

#[test]
fn a_trial_disturbed_every_time_is_an_error_after_three_tries() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("starts");
    let (o, m, _) = sh(&format!("echo x >> {}; echo '{DISTURBED}'", count.display()));
    assert_eq!(o, Outcome::Error, "{m}");
    assert!(m.contains("machine too loaded") && m.contains("disturbed on all 3 tries"), "{m}");
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 3, "trial starts");
}

#[test]
fn a_disturbed_trial_is_run_again_and_its_next_verdict_stands() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("starts");
    // The first start is disturbed; the second fails undisturbed.
    let script = format!(
        r#"echo x >> {c}; if [ "$(wc -l < {c})" = 1 ]; then echo '{DISTURBED}'; else echo '@@uring-conform@@ {{"trial":{{"outcome":"fail","message":"late","comparisons":1,"mutated":null}}}}'; fi"#,
        c = count.display()
    );
    let (o, m, _) = sh(&script);
    assert_eq!((o, m.as_str()), (Outcome::Fail, "late"));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 2, "trial starts");
}

/// The child protocol never turns a broken result line into a verdict:
/// a truncated line, a garbled one, a line with text after the JSON, or
/// an unknown outcome is the harness's error, never a pass.
#[test]
fn a_truncated_or_garbled_result_line_is_an_error() {
    for line in [
        r#"@@uring-conform@@ {"trial":{"outcome":"pass","message":"","compar"#,
        r#"@@uring-conform@@ {"trial":{"outcome":"pass","message":""#,
        r#"@@uring-conform@@ "#,
        r#"@@uring-conform@@ not json"#,
        r#"@@uring-conform@@ {"trial":{"outcome":"pass","message":"","comparisons":0,"mutated":null}} trailing"#,
        r#"@@uring-conform@@ {"trial":{"outcome":"passed","message":"","comparisons":0,"mutated":null}}"#,
        r#"@@uring-conform@@ {"trial":{"outcome":"pass","message":"","comparisons":0,"mutated":null,"extra":1}}"#,
        r#"@@uring-conform@@ {"outcome":"pass","message":"","comparisons":0,"mutated":null}"#,
        r#"@@uring-conform@@ {"probe":{"start":"op.nop"}}"#,
    ] {
        let (o, m, _) = sh(&format!("echo '{line}'"));
        assert_eq!(o, Outcome::Error, "{line}: {m}");
    }
    // A good line followed by a broken one: the last word is broken.
    let (o, m, _) =
        sh(r#"echo '@@uring-conform@@ {"trial":{"outcome":"pass","message":"","comparisons":0,"mutated":null}}'; printf '@@uring-conform@@ {"outc'"#);
    assert_eq!(o, Outcome::Error, "{m}");
}

/// A process that gave a verdict and then exited with a failure status
/// (a thread calling exit, a destructor failing) is not trusted.
#[test]
fn a_result_then_a_failing_exit_is_an_error() {
    let (o, m, _) = sh(r#"echo '@@uring-conform@@ {"trial":{"outcome":"pass","message":"","comparisons":0,"mutated":null}}'; exit 3"#);
    assert_eq!(o, Outcome::Error, "{m}");
    assert!(m.contains("exited with 3"), "{m}");
}
