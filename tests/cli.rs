//! End-to-end tests of the `uring-conform` binary: reports against the
//! documented schema, exit codes, clear errors on bad input, and the
//! unavailable-io_uring paths (a seccomp filter in a child process; the
//! sysctl only on explicit request).

use oracle::model::{RunReport, Summary};
use oracle::Outcome;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uring-conform"))
}

/// The sysctl test flips a machine-wide switch (kernel.io_uring_disabled):
/// it holds this lock for writing, every other test for reading, so no
/// test runs while io_uring is disabled.
static MACHINE: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn shared() -> std::sync::RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(|e| e.into_inner())
}

/// A fresh temp directory (random name, removed on drop) and `name` in it.
fn tmp(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::Builder::new().prefix("uring-conform-cli-").tempdir().unwrap();
    let p = d.path().join(name);
    (d, p)
}

/// A report parsed as the typed model (unknown fields refused), and
/// written back unchanged: the report is exactly what the model (and the
/// schema generated from it) says, nothing missing, nothing extra.
fn typed(v: &Value) -> RunReport {
    let r: RunReport = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not a RunReport: {e}"));
    assert_eq!(&serde_json::to_value(&r).unwrap(), v, "the report does not round-trip through the model");
    r
}

/// docs/run-report.schema.json is the schema generated from the model
/// (URING_CONFORM_UPDATE_DOCS=1 rewrites it).
#[test]
fn committed_schema_is_the_generated_one() {
    let _machine = shared();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/run-report.schema.json");
    let want = oracle::model::json_schema();
    if std::env::var_os("URING_CONFORM_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/run-report.schema.json is stale: run URING_CONFORM_UPDATE_DOCS=1 cargo test --test cli committed_schema");
}

/// Every committed report still loads as the current model.
#[test]
fn committed_reports_load() {
    let _machine = shared();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/runs");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let r = reports::load_run(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!r.results.is_empty(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 11, "only {n} committed reports");
}

#[test]
fn real_report_matches_schema() {
    let _machine = shared();
    let (_tmp_out, out) = tmp("report.json");
    let st = bin().args(["run", "--quiet", "--json"]).arg(&out).args(["nop/", "groups/"]).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).unwrap();
    let r = typed(&v);
    assert!(r.results.iter().any(|t| t.outcome == Outcome::Pass));
    // Skips carry the missing features by ID.
    for t in r.results.iter().filter(|t| t.outcome == Outcome::Skip) {
        assert!(!t.missing.is_empty(), "{t:?}");
    }
    assert_eq!(r.summary, Summary::of(&r.results));
}

#[test]
fn probe_json_has_contract_fields_and_all_opcodes() {
    let _machine = shared();
    let o = bin().args(["probe", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["availability"], "ok");
    for k in ["release", "version", "machine"] {
        assert!(v["kernel"][k].is_string());
    }
    assert_eq!(v["features"]["op.nop"], true);
    assert!(v["params"]["features"].as_u64().unwrap() > 0);
}

#[test]
fn usage_errors_exit_2_without_panicking() {
    let _machine = shared();
    for args in [
        vec!["frobnicate"],
        vec!["run", "--jobs", "zero"],
        vec!["run", "--feature", "op.nonsense"],
        vec!["run", "no-such-trial-anywhere"],
        vec!["diff", "only-one.json"],
        vec!["run", "--variant", "huge"],
    ] {
        let o = bin().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("uring-conform: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let o = bin().arg("--help").output().unwrap();
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("EXIT STATUS"));
    // A timeout scale of 0 or garbage is refused, never 0 ms waits.
    for bad in ["0", "-1", "fast", "inf", ""] {
        let o = bin().args(["run", "nop"]).env(oracle::timing::SCALE_ENV, bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("URING_CONFORM_TIMEOUT_SCALE: a timeout scale is a positive finite number"), "{bad:?}: {err}");
    }
}

/// What a run prepares (the O_DIRECT directory under $TMPDIR) is gone
/// when it ends, on the normal path and on the usage-error path.
#[test]
fn prepared_environment_is_removed_after_a_run() {
    let _machine = shared();
    for args in [&["run", "ops/nop/*", "--quiet"][..], &["run", "no-such-trial-anywhere"][..]] {
        let (_tmp_dir, dir) = tmp(&format!("envsetup-{}", args.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = bin().args(args).env("TMPDIR", &dir).env_remove("URING_CONFORM_ODIRECT_DIR").output().unwrap();
        assert!(out.status.code().is_some(), "{args:?}: killed by a signal");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(left.is_empty(), "{args:?} left {left:?} in TMPDIR");
    }
}

#[test]
fn diff_of_a_run_with_itself_is_empty() {
    let _machine = shared();
    let (_tmp_out, out) = tmp("diff.json");
    bin().args(["run", "--quiet", "--json"]).arg(&out).arg("nop/").status().unwrap();
    let o = bin().arg("diff").arg(&out).arg(&out).output().unwrap();
    std::fs::remove_file(&out).unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("newly failing (0)") && s.contains("newly passing (0)"), "{s}");
}

#[test]
fn ktap_and_junit_from_a_real_run() {
    let _machine = shared();
    let (_tmp_junit, junit) = tmp("junit.xml");
    let o = bin().args(["run", "--quiet", "--ktap", "--junit"]).arg(&junit).arg("nop/").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let k = String::from_utf8_lossy(&o.stdout);
    let mut lines = k.lines();
    assert_eq!(lines.next(), Some("KTAP version 1"));
    let plan = k.lines().find_map(|l| l.strip_prefix("1..")).expect("plan line");
    let results = k.lines().filter(|l| l.starts_with("ok ") || l.starts_with("not ok ")).count();
    assert_eq!(plan.parse::<usize>().unwrap(), results, "{k}");
    let x = std::fs::read_to_string(&junit).unwrap();
    std::fs::remove_file(&junit).unwrap();
    assert!(x.starts_with("<?xml") && x.contains(&format!("tests=\"{results}\"")), "{x}");
}

#[test]
fn failed_run_report_and_matrix_render() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("matrix");
    std::fs::create_dir_all(&dir).unwrap();
    let o = bin().args(["failed-run", "--kernel", "9.9.9-test", "--label", "vm", "--reason", "no end marker"]).output().unwrap();
    assert!(o.status.success());
    let failed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let errs: Vec<&str> = failed["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert!(!errs.is_empty() && errs.iter().all(|o| *o == "error"), "every trial of a failed VM run is an error");
    typed(&failed);
    let a = dir.join("a.json");
    std::fs::write(&a, &o.stdout).unwrap();
    let b = dir.join("b.json");
    assert!(bin().args(["run", "--quiet", "--json"]).arg(&b).arg("nop/").status().unwrap().success());
    let m = bin().arg("matrix").arg("--out").arg(&dir).arg(&a).arg(&b).output().unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let md = std::fs::read_to_string(dir.join("matrix.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("matrix.html")).unwrap();
    let csv = std::fs::read_to_string(dir.join("matrix.csv")).unwrap();
    let data: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("matrix.json")).unwrap()).unwrap();
    // The page links each kernel to runs/<file>: matrix --out put them there.
    for k in data["kernels"].as_array().unwrap() {
        let report = k["report"].as_str().unwrap();
        assert!(dir.join(report).is_file(), "{report} is not beside the page");
        assert!(html.contains(&format!("\"file\":\"{}\"", report.trim_start_matches("runs/"))), "the page does not link {report}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(data["schema"], "uring-conform/matrix/1");
    let k = data["kernels"].as_array().unwrap().iter().find(|k| k["release"] == "9.9.9-test").unwrap();
    assert_eq!(k["capabilities"]["recv.multishot"]["state"], "undetermined", "a failed run decides nothing: {k}");
    // Case summaries travel with the page (the binary links the cases).
    assert!(html.contains("NOP CQEs carry each SQE's user_data unchanged"), "the page lacks the case summaries");
    assert!(md.contains("9.9.9-test") && md.contains("| nop |"), "{md}");
    assert!(html.starts_with("<!doctype html>") && html.contains("</table>") && html.contains("9.9.9-test"));
    assert_eq!(csv.lines().next().unwrap(), "kernel,release,label,kind,name,measure,value");
    assert!(csv.contains(",9.9.9-test,vm,area,nop,pass,0\n"), "the failed run passes nothing in the tidy CSV");
}

/// `matrix --compare A B` prints what B has that A lacks, the reverse and
/// what deviates on either, from the committed runs; an unknown kernel is
/// a usage error naming the kernels there are.
#[test]
fn matrix_compare_prints_what_one_kernel_has_that_another_lacks() {
    let _machine = shared();
    let runs: Vec<std::path::PathBuf> =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/runs")).unwrap().map(|e| e.unwrap().path()).collect();
    let o = bin().args(["matrix", "--compare", "6.1", "6.12"]).args(&runs).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let gained = out.split("capabilities 6.12 has that 6.1 lacks").nth(1).unwrap().split("\n\n").next().unwrap();
    for cap in ["waitid (", "futex (", "read.multishot (", "recvsend.bundle ("] {
        assert!(gained.contains(&format!("\n  {cap}")), "{cap} missing: {out}");
    }
    assert!(out.contains("capabilities 6.1 has that 6.12 lacks (0):"), "{out}");
    assert!(out.contains("features 6.12 has that 6.1 lacks (") && out.contains("op.waitid"), "{out}");
    assert!(out.contains("capabilities that deviate or are broken on either (") && out.contains("  cancel ("), "{out}");
    let o = bin().args(["matrix", "--compare", "6.1", "9.9"]).args(&runs).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no kernel 9.9 in these reports (there are: 5.10, 6.1,"), "{err}");
    let o = bin().args(["matrix", "--compare", "6.1"]).args(&runs[..1]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "--compare with one kernel is a usage error");
}

/// Runs the binary under a seccomp filter that answers io_uring_setup with
/// `errno`, as container runtimes do.
fn under_seccomp(errno: u32, args: &[&str]) -> Output {
    under_seccomp_for(libc::SYS_io_uring_setup as u32, errno, args)
}

/// The same for any one system call.
fn under_seccomp_for(nr: u32, errno: u32, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let filter = [
                libc::sock_filter { code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16, jt: 0, jf: 0, k: 0 },
                libc::sock_filter { code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16, jt: 0, jf: 1, k: nr },
                libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: libc::SECCOMP_RET_ERRNO | errno },
                libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: libc::SECCOMP_RET_ALLOW },
            ];
            let prog = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr() as *mut _ };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog as *const _) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().unwrap()
}

#[test]
fn seccomp_enosys_is_reported_blocked_with_exit_3() {
    let _machine = shared();
    let o = under_seccomp(libc::ENOSYS as u32, &["probe", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["availability"], "blocked");
    assert!(v["availability_detail"].as_str().unwrap().contains("seccomp"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("io_uring is unavailable"));
    // What the probe could not examine is undetermined with the reason,
    // never a kernel that lacks it.
    let und = v["undetermined"].as_object().unwrap();
    for id in ["op.nop", "setup.sqpoll", "feat.nodrop", "reg.buffers"] {
        assert!(und.get(id).and_then(|w| w.as_str()).is_some_and(|w| w.contains("seccomp")), "{id} not undetermined: {und:?}");
    }
    assert!(!und.contains_key("env.root"), "the environment's own features are still detected");
    let text = under_seccomp(libc::ENOSYS as u32, &["probe"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(!text.contains("absent: op.nop"), "{text}");
}

#[test]
fn seccomp_eperm_run_writes_all_skipped_report_with_exit_3() {
    let _machine = shared();
    let (_tmp_out, out) = tmp("blocked.json");
    let o = under_seccomp(libc::EPERM as u32, &["run", "--quiet", "--json", out.to_str().unwrap(), "links/"]);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert_eq!(v["probe"]["availability"], "blocked");
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["outcome"], "skip");
        assert!(r["message"].as_str().unwrap().starts_with("io_uring unavailable"), "{r}");
    }
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

/// Flips kernel.io_uring_disabled: machine-wide, so only on request
/// (URING_CONFORM_SYSCTL_TESTS=1, as root) and restored afterwards.
#[test]
fn sysctl_disabled_is_reported_with_exit_3() {
    let _machine = MACHINE.write().unwrap_or_else(|e| e.into_inner());
    if std::env::var("URING_CONFORM_SYSCTL_TESTS").as_deref() != Ok("1") {
        eprintln!("not run: set URING_CONFORM_SYSCTL_TESTS=1 (root) to flip kernel.io_uring_disabled");
        return;
    }
    let path = "/proc/sys/kernel/io_uring_disabled";
    let old = std::fs::read_to_string(path).unwrap();
    for level in ["2", "1"] {
        std::fs::write(path, level).unwrap();
        let o = bin().args(["probe", "--json"]).output();
        std::fs::write(path, old.trim()).unwrap();
        let o = o.unwrap();
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        // At level 1, CAP_SYS_ADMIN (root) and io_uring_group members are still allowed.
        if level == "2" || v["availability"] != "ok" {
            assert_eq!(o.status.code(), Some(3), "level {level}");
            assert_eq!(v["availability"], "disabled", "level {level}");
            assert!(v["availability_detail"].as_str().unwrap().contains(&format!("io_uring_disabled = {level}")));
        }
    }
}

/// A probe step that crashes or hangs (the self-check hook makes one do
/// so) is recorded against its feature as broken (a kernel that does not
/// know a feature refuses it at once), so its trials run; the probe goes
/// on and every other feature is still detected.
#[test]
fn a_probe_step_that_crashes_or_hangs_is_isolated() {
    let _machine = shared();
    let normal = bin().args(["probe", "--json"]).output().unwrap();
    let normal: Value = serde_json::from_slice(&normal.stdout).unwrap();
    for (mode, id, says) in [("crash", "op.read", "crashed: killed by signal 6 (SIGABRT)"), ("hang", "setup.sqpoll", "hung: no answer within 1 s")] {
        let out = bin().args(["probe", "--json"]).env("URING_CONFORM_PROBE_SELFTEST", format!("{mode}:{id}")).output().unwrap();
        assert!(out.status.success(), "{mode}: exit {:?}", out.status);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["features"][id], Value::Bool(true), "{mode}: {id}'s trials do not run");
        let note = v["broken"][id].as_str().unwrap_or("");
        assert!(note.contains(says), "{mode}: broken {note:?}");
        assert_eq!(v["notes"][id].as_str(), Some(note), "{mode}: notes");
        for (k, want) in normal["features"].as_object().unwrap() {
            if k != id {
                assert_eq!(&v["features"][k], want, "{mode}: {k} changed");
            }
        }
    }
    // A child lost between steps (a ring left with requests, dropped at
    // the end) costs no finding: the steps it finished stand, a fresh
    // child does the rest, and io_uring is not "unavailable".
    let out = bin().args(["probe", "--json"]).env("URING_CONFORM_PROBE_SELFTEST", "crash-after:op.read").output().unwrap();
    assert!(out.status.success(), "crash-after: exit {:?}", out.status);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["availability"], normal["availability"], "crash-after: availability");
    assert_eq!(v["features"], normal["features"], "crash-after: the findings");
    assert!(String::from_utf8_lossy(&out.stderr).contains("between steps, after op.read finished"), "crash-after: stderr says where");
}

/// The pids whose parent is `ppid` (from /proc/PID/stat).
fn children_of(ppid: u32) -> Vec<u32> {
    let mut out = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // pid (comm) state ppid ...: comm may hold spaces, split after ')'.
        let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        if after.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(ppid) {
            out.push(pid);
        }
    }
    out
}

/// Polls `cond` every 10 ms for up to `secs` (a bound, not a sleep used as
/// synchronisation: the condition decides).
fn within(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cond()
}

/// A runner killed with SIGKILL takes its child processes with it
/// (PR_SET_PDEATHSIG): here the probe's child, held in a step by the
/// self-check hook.
#[test]
fn children_die_with_a_killed_parent() {
    let _machine = shared();
    let mut parent = bin()
        .args(["probe"])
        .env("URING_CONFORM_PROBE_SELFTEST", "hang-long:op.nop")
        .env("URING_CONFORM_ENV_SETUP", "off")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ppid = parent.id();
    let mut kids = vec![];
    assert!(
        within(20, || {
            kids = children_of(ppid);
            !kids.is_empty()
        }),
        "the probe child never started"
    );
    parent.kill().unwrap();
    parent.wait().unwrap();
    let alive =
        |p: &u32| std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| !s.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')));
    assert!(within(10, || !kids.iter().any(alive)), "children {kids:?} outlived their killed parent");
}

/// Output problems are found before the run, one output failing does not
/// lose the others, and option-like values are refused.
#[test]
fn outputs_and_values_are_checked_before_the_run() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("outputs");
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        vec!["run", "--json", "/proc/nope/x.json", "ops/nop/"],
        vec!["run", "--json", dir.to_str().unwrap(), "ops/nop/"],
        vec!["run", "--junit", "/nonexistent-dir/j.xml", "ops/nop/"],
        vec!["run", "--json", "--ktap"],
        vec!["run", "--timeout-scale", "inf"],
        vec!["features", "extra"],
        vec!["run", "--area", "no-such-area"],
    ] {
        let o = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains(" trials on ") && !err.contains(" trial on "), "{args:?} ran trials before refusing: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `AREA/` selects that area only (links/ is not hardlinks/).
#[test]
fn area_filters_select_that_area_only() {
    let _machine = shared();
    let o = bin().args(["list", "--json", "links/"]).env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| id.starts_with("links/")), "{ids:?}");
}

/// A selection word that matches no trial is an error naming it (a typo
/// in a CI job's selection must not pass as a smaller run), found before
/// the environment is prepared: `=loop` always leaves an O_DIRECT note
/// (the image, or why not) when it runs, so no `environment:` line means
/// nothing was prepared. So is a selection whose words match only apart
/// from its --area.
#[test]
fn a_selection_word_that_matches_nothing_is_an_error() {
    let _machine = shared();
    for args in [
        &["run", "nop/", "no-such-word-xyz"][..],
        &["run", "no-such-word-xyz"],
        &["list", "links/", "no-such-word-xyz"],
        &["run", "--quiet", "no-such-word-xyz", "nop/", "*[sqpoll]x"],
        &["run", "--area", "links", "nop/"],
    ] {
        let o = bin().args(args).env("URING_CONFORM_ENV_SETUP", "loop").env_remove("URING_CONFORM_ODIRECT_DIR").output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let said = if args.contains(&"--area") { "the selection matches no trial".to_string() } else { "\"no-such-word-xyz\"".to_string() };
        assert!(err.starts_with("uring-conform: ") && err.contains(&said) && err.contains("no trial"), "{args:?}: {err}");
        assert!(!err.contains("environment:") && !err.contains(" trials on "), "{args:?} prepared or ran before refusing: {err}");
    }
    let o = bin().args(["run", "a-typo-xyz", "another-typo-xyz"]).env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\"a-typo-xyz\", \"another-typo-xyz\" match no trial"), "every word named at once: {err}");
}

/// `COMMAND --help` (anywhere among its arguments) and `help COMMAND`
/// print that command's own help on stdout, exit 0: its usage, an exit
/// status section, and no other command's synopsis (the global help,
/// which lists every command, is what they printed before).
#[test]
fn each_command_answers_help_with_its_own() {
    let _machine = shared();
    let global = bin().arg("--help").output().unwrap();
    assert!(global.status.success());
    let global = String::from_utf8_lossy(&global.stdout).into_owned();
    for cmd in ["probe", "list", "run", "diff", "matrix", "features", "failed-run"] {
        assert!(global.contains(&format!("\n    uring-conform {cmd} ")), "the global help lists {cmd}: {global}");
        for args in [vec![cmd, "--help"], vec![cmd, "-h"], vec![cmd, "--json", "x.json", "--help"], vec!["help", cmd]] {
            if args.contains(&"--json") && cmd != "run" {
                continue;
            }
            let o = bin().args(&args).env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
            let out = String::from_utf8_lossy(&o.stdout);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
            assert!(out.starts_with(&format!("uring-conform {cmd}: ")), "{args:?}: {out}");
            assert!(out.contains(&format!("USAGE:\n    uring-conform {cmd}")) && out.contains("\nEXIT STATUS:\n"), "{args:?}: {out}");
            let other = ["probe", "list", "run", "diff", "matrix", "features", "failed-run"]
                .into_iter()
                .find(|o| *o != cmd && out.contains(&format!("\n    uring-conform {o} ")));
            assert!(other.is_none(), "{args:?} printed {other:?}'s synopsis too (the global help?): {out}");
            assert!(o.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
    // An unknown command is not helped; a usage error points at its
    // command's help.
    assert_eq!(bin().args(["frobnicate", "--help"]).output().unwrap().status.code(), Some(2));
    let o = bin().args(["run", "--jobs", "0"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("Run 'uring-conform run --help' for usage."));
}

/// How the child's private mount namespace covers its TMPDIR.
#[derive(Clone, Copy)]
enum TmpMount {
    /// A read-only bind mount of the directory itself.
    ReadOnly,
    /// A fresh ramfs (no fallocate, no xattrs).
    Ramfs,
}

/// `uring-conform ARGS` with TMPDIR `dir` covered by `how` in a private
/// mount namespace of the child (root only), ENV_SETUP `setup`.
fn with_tmpdir_mount(dir: &std::path::Path, how: TmpMount, setup: &str, args: &[&str]) -> Result<Output, String> {
    use std::os::unix::ffi::OsStrExt;
    if !rustix::process::geteuid().is_root() {
        return Err("a mount namespace needs root".into());
    }
    let mut cmd = bin();
    cmd.args(args).env("TMPDIR", dir).env("URING_CONFORM_ENV_SETUP", setup).env_remove("URING_CONFORM_ODIRECT_DIR");
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).unwrap();
    let (root, ramfs) = (std::ffi::CString::new("/").unwrap(), std::ffi::CString::new("ramfs").unwrap());
    // SAFETY: only async-signal-safe calls (unshare, mount) between fork
    // and exec, on strings made before the fork.
    unsafe {
        cmd.pre_exec(move || {
            let null = std::ptr::null();
            // The namespace first: the mounts below must never reach ours.
            if libc::unshare(libc::CLONE_NEWNS) != 0 || libc::mount(null, root.as_ptr(), null, libc::MS_REC | libc::MS_PRIVATE, std::ptr::null()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let covered = match how {
                TmpMount::ReadOnly => {
                    libc::mount(path.as_ptr(), path.as_ptr(), null, libc::MS_BIND, std::ptr::null()) == 0
                        && libc::mount(null, path.as_ptr(), null, libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY, std::ptr::null()) == 0
                }
                TmpMount::Ramfs => libc::mount(ramfs.as_ptr(), path.as_ptr(), ramfs.as_ptr(), 0, std::ptr::null()) == 0,
            };
            if !covered {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().map_err(|e| format!("a mount in a private mount namespace: {e}"))
}

/// Runs the binary with TMPDIR set to `dir` made read-only the way the
/// kernel answers it: as root (whom permission bits do not stop) a
/// read-only bind mount of it in a private mount namespace of the child;
/// otherwise mode 0555. Err: why this machine cannot make it read-only.
fn with_read_only_tmpdir(dir: &std::path::Path, args: &[&str]) -> Result<Output, String> {
    if rustix::process::geteuid().is_root() {
        return with_tmpdir_mount(dir, TmpMount::ReadOnly, "loop", args);
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).map_err(|e| format!("chmod: {e}"))?;
    bin().args(args).env("TMPDIR", dir).env("URING_CONFORM_ENV_SETUP", "loop").env_remove("URING_CONFORM_ODIRECT_DIR").output().map_err(|e| e.to_string())
}

/// A TMPDIR whose file system lacks fallocate and xattrs (ramfs) is the
/// environment, never the kernel: with nothing prepared the cases that need
/// them skip naming env.tmp_fallocate / env.tmp_xattr; as root with the
/// loop-mounted ext4 prepared, the trials' files move there and they run.
#[test]
fn a_tmpdir_without_fallocate_or_xattrs_skips_or_moves_never_fails() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("ramfs");
    std::fs::create_dir_all(&dir).unwrap();
    let sel = ["run", "ops/fallocate/", "ops/fsetxattr/", "ops/fgetxattr/", "ops/setxattr/", "ops/getxattr/"];
    let o = match with_tmpdir_mount(&dir, TmpMount::Ramfs, "off", &sel) {
        Ok(o) => o,
        Err(why) => {
            eprintln!("not run: {why}");
            return;
        }
    };
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("environment lacks env.tmp_fallocate") && out.contains("environment lacks env.tmp_xattr"), "{out}");
    assert!(out.contains(" 0 failed, "), "{out}");
    let o = with_tmpdir_mount(&dir, TmpMount::Ramfs, "on", &sel).unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains(" 0 failed, 0 skipped "), "{out}");
    assert!(err.contains("the trials' temp files go to the loop-mounted ext4"), "{err}");
}

/// A TMPDIR the run cannot create files in stops it before anything is
/// prepared or run (exit 2, one line naming TMPDIR and the kernel's
/// answer), instead of every trial ending in `error` after the run.
#[test]
fn a_read_only_tmpdir_stops_the_run_before_it_starts() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("read-only");
    std::fs::create_dir_all(&dir).unwrap();
    for args in [&["run", "ops/nop/"][..], &["probe"]] {
        let o = match with_read_only_tmpdir(&dir, args) {
            Ok(o) => o,
            Err(why) => {
                eprintln!("not run: cannot make a read-only TMPDIR here: {why}");
                return;
            }
        };
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(&format!("TMPDIR {} is not writable", dir.display())), "{args:?}: {err}");
        assert!(err.contains("Read-only file system") || err.contains("Permission denied"), "{args:?}: the kernel's answer: {err}");
    }
    // The directory stays writable for its removal.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A reader that goes away ends a listing quietly (no panic, exit 0).
#[test]
fn a_closed_stdout_ends_quietly() {
    let _machine = shared();
    for cmd in ["list", "features"] {
        let mut c =
            bin().arg(cmd).env("URING_CONFORM_ENV_SETUP", "off").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let mut first = [0u8; 1];
        std::io::Read::read_exact(c.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(c.stdout.take());
        let o = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{cmd}: {err}");
        assert_eq!(o.status.code(), Some(0), "{cmd}");
    }
}

/// The binary names its commit; the probe starts with a summary; counts
/// are worded right for one.
#[test]
fn version_probe_summary_and_wording() {
    let _machine = shared();
    let v = bin().arg("--version").output().unwrap();
    let v = String::from_utf8_lossy(&v.stdout);
    assert!(!v.contains("unknown") && v.starts_with("uring-conform "), "{v}");
    let p = bin().arg("probe").env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
    let p = String::from_utf8_lossy(&p.stdout);
    let summary = p.find("summary (present/total").expect("a summary");
    assert!(summary < p.find("\nop (").expect("the op table"), "the summary comes first");
    let r = bin().args(["run", "--jobs", "1", "ops/nop/completes[default]"]).env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("(1 job)") && err.contains("1 trial on"), "{err}");
}

/// A trial killed at its timeout leaves nothing in $TMPDIR.
#[test]
fn killed_trials_leave_no_temp_dirs() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("killed");
    std::fs::create_dir_all(&dir).unwrap();
    let o = bin()
        .args(["run", "--quiet", "--timeout-scale", "0.0001", "ops/read/", "ops/write/"])
        .env("TMPDIR", &dir)
        .env("URING_CONFORM_ENV_SETUP", "off")
        .env_remove("URING_CONFORM_ODIRECT_DIR")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("TIMEOUT"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(left.is_empty(), "left {left:?}");
}

/// A run with `--json` in `dir` as its TMPDIR (as root with the loop-mounted
/// ext4 prepared), its stderr piped: the child, its report path, and
/// whether it runs as root.
fn run_in_tmpdir(dir: &std::path::Path) -> (std::process::Child, std::path::PathBuf, bool) {
    std::fs::create_dir_all(dir).unwrap();
    let json = dir.join("r.json");
    let root = rustix::process::geteuid().is_root();
    let c = bin()
        .args(["run", "--json", json.to_str().unwrap()])
        .env("TMPDIR", dir)
        .env("URING_CONFORM_ENV_SETUP", if root { "loop" } else { "on" })
        .env_remove("URING_CONFORM_ODIRECT_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    (c, json, root)
}

/// SIGINT during a run: the trials stop, the prepared environment (the
/// loop-mounted ext4 as root) is undone, the partial report is written
/// and marked, exit 130.
#[test]
fn an_interrupted_run_cleans_up_and_writes_a_partial_report() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("interrupt");
    let (mut c, json, _) = run_in_tmpdir(&dir);
    // Wait for the run to start (the line before the first trial).
    let mut err = std::io::BufReader::new(c.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut err, &mut line).unwrap() > 0 && !line.contains(" trials on ") {
        line.clear();
    }
    rustix::process::kill_process(rustix::process::Pid::from_child(&c), rustix::process::Signal::INT).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = c.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("interrupted by SIGINT after"), "{rest}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["interrupted"], "SIGINT");
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(!mounts.contains(dir.to_str().unwrap()), "a mount under the run's TMPDIR remains");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).filter(|n| n != "r.json").collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(left.is_empty(), "left {left:?}");
}

/// SIGKILL of the runner (as the OOM killer would): its guardian undoes
/// what the run prepared (the loop-mounted ext4 as root, its loop device,
/// the run directory with the trials' temp files), and the report written
/// while the run went is there, marked unfinished, with the trials that
/// finished before the kill.
#[test]
fn a_run_killed_with_sigkill_leaves_nothing_but_its_unfinished_report() {
    let _machine = shared();
    let (_tmp_dir, dir) = tmp("sigkill");
    let (mut c, json, root) = run_in_tmpdir(&dir);
    // The first snapshot comes 2 s into the run: wait for the report file
    // (bounded), reading progress so the pipe never fills.
    let mut err = std::io::BufReader::new(c.stderr.take().unwrap());
    let mut line = String::new();
    let t0 = std::time::Instant::now();
    // Not the file's existence: the run's check of its output paths
    // creates and removes it before anything is prepared.
    let snapshot = || std::fs::read_to_string(&json).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok()).is_some_and(|v| v["unfinished"] == true);
    while !snapshot() {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut err, &mut line).unwrap() > 0, "the run ended before its first snapshot");
        assert!(t0.elapsed() < std::time::Duration::from_secs(120), "no snapshot within 120 s");
    }
    let mounted = std::fs::read_to_string("/proc/self/mounts").unwrap().contains(dir.to_str().unwrap());
    assert_eq!(mounted, root, "the loop mount of a root run (and only of one) is there while it runs");
    c.kill().unwrap();
    c.wait().unwrap();
    drop(err);
    // The guardian cleans up on its own once the runner is gone: wait
    // (bounded) for the run directory to go.
    // The three go in steps (the directory's files, the unmount, the loop
    // device, whose detach the kernel finishes after the last close), so
    // the wait is for all three, not for the first.
    let left = || -> Vec<std::ffi::OsString> { std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).filter(|n| n != "r.json").collect() };
    let mounts = || std::fs::read_to_string("/proc/self/mounts").unwrap();
    let loops = || Command::new("losetup").arg("-a").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let under = |text: String| text.contains(dir.to_str().unwrap());
    let t0 = std::time::Instant::now();
    while (!left().is_empty() || under(mounts()) || under(loops())) && t0.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!under(mounts()), "a mount under the run's TMPDIR remains");
    assert!(!under(loops()), "a loop device on the run's image remains: {}", loops());
    assert!(left().is_empty(), "left {:?}", left());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["unfinished"], true);
    assert!(!v["results"].as_array().unwrap().is_empty(), "the snapshot holds no finished trial");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A filter that blocks only io_uring_register, or only io_uring_enter,
/// is a blocked environment naming the call (exit 3), not a kernel
/// without opcodes.
#[test]
fn seccomp_on_register_or_enter_is_reported_blocked() {
    let _machine = shared();
    for (nr, name) in [(libc::SYS_io_uring_register, "io_uring_register"), (libc::SYS_io_uring_enter, "io_uring_enter")] {
        let o = under_seccomp_for(nr as u32, libc::EPERM as u32, &["probe", "--json"]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["availability"], "blocked", "{name}");
        assert!(v["availability_detail"].as_str().unwrap().starts_with(name), "{name}: {}", v["availability_detail"]);
    }
}

/// Runs the binary with these limits (soft = hard), as `user` if given.
fn with_limits(limits: &[(libc::__rlimit_resource_t, u64)], user: Option<u32>, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.args(args).env("URING_CONFORM_ENV_SETUP", "off");
    let limits = limits.to_vec();
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for (res, n) in &limits {
                let rl = libc::rlimit { rlim_cur: *n, rlim_max: *n };
                if libc::setrlimit(*res, &rl) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some(uid) = user {
                if libc::setgid(uid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    cmd.output().unwrap()
}

/// Limits are the environment's verdict, said once: too few fds is exit 2
/// with one line; too little locked memory is io_uring unavailable (exit
/// 3, the limit named) rather than features absent at random; root lifts
/// a memlock limit of 0 for the trials that drop privileges.
#[test]
fn environment_limits_are_never_kernel_verdicts() {
    let _machine = shared();
    if !rustix::process::geteuid().is_root() {
        eprintln!("not run: needs root (to run as nobody, and to show that root lifts the memlock limit)");
        return;
    }
    let nobody = Some(65534);
    let o = with_limits(&[(libc::RLIMIT_NOFILE, 16)], nobody, &["run", "--quiet", "ops/nop/"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    assert!(err.contains("RLIMIT_NOFILE is 16"), "{err}");
    for kib in [8u64, 128] {
        let o = with_limits(&[(libc::RLIMIT_MEMLOCK, kib << 10)], nobody, &["probe", "--json"]);
        assert_eq!(o.status.code(), Some(3), "memlock {kib} KiB: {}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["availability"], "no_memory");
        assert!(v["availability_detail"].as_str().unwrap().contains(&format!("RLIMIT_MEMLOCK is {kib} KiB")), "{}", v["availability_detail"]);
    }
    // As root, a memlock limit of 0: a case that drops privileges skips
    // naming the limit (root keeps CAP_IPC_LOCK; nobody would get ENOMEM).
    let o = with_limits(&[(libc::RLIMIT_MEMLOCK, 0)], None, &["run", "--quiet", "sqpoll/unprivileged-setup"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 failed, 1 skipped"), "{out}");
}

/// The progress line and the summary count the same way (xfail apart
/// from pass), whatever this kernel's outcomes are.
#[test]
fn progress_and_summary_agree() {
    let _machine = shared();
    let o = bin().args(["run", "timeouts/timens-", "cancel/futex"]).env("URING_CONFORM_ENV_SETUP", "off").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    let progress = err.lines().rev().find(|l| l.starts_with('[')).expect("a progress line");
    let num = |s: &str, after: &str| {
        s.split(after).nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u32>().ok())
    };
    let summary = out.lines().find(|l| l.starts_with("uring-conform: ") && l.contains(" passed, ")).expect("a summary");
    let passed: u32 = summary.trim_start_matches("uring-conform: ").split_whitespace().next().unwrap().parse().unwrap();
    let xfail: u32 = summary.split(" error, ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap();
    assert_eq!(num(progress, "] pass"), Some(passed), "{progress} / {summary}");
    assert_eq!(num(progress, "xfail"), Some(xfail), "{progress} / {summary}");
}

/// A report from another machine, made without io_uring: `failed-run`'s
/// report with `results` as its trials, io_uring `ok`, and the summary
/// counting them.
fn report_with(results: &[(&str, Outcome)]) -> Value {
    let o = bin().args(["failed-run", "--kernel", "6.18.0-test", "--label", "ci", "--reason", "unused"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rs: Vec<oracle::TrialResult> = results.iter().map(|(id, out)| oracle::TrialResult::of(id, *out, "")).collect();
    v["results"] = serde_json::to_value(&rs).unwrap();
    v["summary"] = serde_json::to_value(Summary::of(&rs)).unwrap();
    v["probe"]["availability"] = "ok".into();
    v["probe"]["availability_detail"] = "".into();
    v
}

/// `uring-conform diff` of two reports written into a fresh directory.
fn diff_of(old: &Value, new: &Value) -> Output {
    let (_dir, old_path) = tmp("old.json");
    let new_path = old_path.with_file_name("new.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    std::fs::write(&new_path, new.to_string()).unwrap();
    bin().arg("diff").arg(&old_path).arg(&new_path).output().unwrap()
}

/// What CI gates on: a trial the old run lacked that fails now, and
/// io_uring lost, each exit 1 with the reason on stdout.
#[test]
fn diff_gates_added_failures_and_lost_io_uring() {
    let _machine = shared();
    let old = report_with(&[("nop/a[default]", Outcome::Pass)]);
    let added = report_with(&[("nop/a[default]", Outcome::Pass), ("nop/b[default]", Outcome::Timeout)]);
    let o = diff_of(&old, &added);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("newly failing (1):\n  nop/b[default]: absent -> timeout"), "{out}");
    let mut lost = report_with(&[("nop/a[default]", Outcome::Skip)]);
    lost["probe"]["availability"] = "disabled".into();
    lost["probe"]["availability_detail"] = "kernel.io_uring_disabled = 2".into();
    let o = diff_of(&old, &lost);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("io_uring availability: ok -> disabled (kernel.io_uring_disabled = 2)"), "{out}");
    assert_eq!(diff_of(&old, &old).status.code(), Some(0));
}

/// A report that names a trial twice, or whose summary contradicts its
/// results, is refused by diff and matrix with the reason (exit 2), never
/// read as something else and never a panic.
#[test]
fn inconsistent_reports_are_refused() {
    let _machine = shared();
    let good = report_with(&[("nop/a[default]", Outcome::Pass)]);
    let mut dup = report_with(&[("nop/a[default]", Outcome::Fail), ("nop/b[default]", Outcome::Pass), ("nop/a[default]", Outcome::Pass)]);
    let mut lying = report_with(&[("nop/a[default]", Outcome::Fail)]);
    lying["summary"]["fail"] = 0.into();
    lying["summary"]["pass"] = 1.into();
    for (bad, why) in [(&mut dup, "trial nop/a[default] appears 2 times"), (&mut lying, "summary (1 pass, 0 fail")] {
        for o in [diff_of(&good, bad), diff_of(bad, &good)] {
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(err.starts_with("uring-conform: ") && err.contains(why) && !err.contains("panicked"), "{err}");
        }
        let (_dir, path) = tmp("bad.json");
        std::fs::write(&path, bad.to_string()).unwrap();
        let o = bin().arg("matrix").arg("--out").arg(path.with_file_name("m")).arg(&path).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(why) && !err.contains("panicked"), "{err}");
    }
}

/// IDs, messages, releases and commits from a report reach the terminal
/// with every control character escaped (a report cannot clear the
/// screen, retitle the terminal or forge a line of the diff), and so do
/// the reasons a report is refused for.
#[test]
fn diff_prints_no_raw_control_characters() {
    let _machine = shared();
    let id = "nop/x\u{1b}[2J\u{7}\0\nnop/y[default]: fail -> pass\r\u{9b}[default]";
    let mut old = report_with(&[(id, Outcome::Pass), ("nop/gone\u{1b}[default]", Outcome::Pass)]);
    old["kernel"]["release"] = "6.18\u{1b}]0;pwned\u{7}".into();
    old["suite"]["commit"] = "abc\u{1b}[0m".into();
    let mut new = report_with(&[(id, Outcome::Fail), ("nop/new\u{0}[default]", Outcome::Error)]);
    new["results"][0]["message"] = "\u{1b}[32mfine\u{7}".into();
    let o = diff_of(&old, &new);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let raw: Vec<char> = out.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(raw.is_empty(), "raw control characters {raw:?} in {out:?}");
    assert!(out.contains("\n  nop/x\\u{1b}[2J\\u{7}\\u{0}\\nnop/y[default]: fail -> pass\\r\\u{9b}[default]: pass -> fail: \\u{1b}[32mfine\\u{7}\n"), "{out}");
    // A duplicate hostile ID in a refused report is named escaped, too.
    let dup = report_with(&[(id, Outcome::Pass), (id, Outcome::Pass)]);
    let o = diff_of(&old, &dup);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n') && err.contains("nop/x\\u{1b}[2J"), "{err:?}");
}

#[test]
fn findings_lists_each_finding_with_status_and_reproducer() {
    let out = bin().args(["findings"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cancel-running-erestartsys: "), "{text}");
    assert!(text.contains("report:   docs/findings/cancel-running-erestartsys.md"), "{text}");
    assert!(text.contains("cc -O2 -o cancel-interrupted-open expectations/repro/cancel-interrupted-open.c && ./cancel-interrupted-open eintr"), "{text}");
    assert!(text.contains("upstream: not found upstream"), "{text}");
    let out = bin().args(["findings", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), oracle::findings::FINDINGS.len());
    assert!(list.iter().all(|f| f["doc"].as_str().unwrap().starts_with("docs/findings/") && f["kernels"].is_array() && f["upstream"].is_string()));
    let out = bin().args(["findings", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("uring-conform findings:"));
    let out = bin().args(["findings", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["findings", "--json", "--check-repros", "/nonexistent"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `findings --check-repros DIR` (what ci/repro-vm.sh runs in a VM): one
/// line per reproducer run; a reproducer missing from DIR is an error (exit
/// 1), and one that says what the suite expects agrees.
#[test]
fn findings_check_repros_compares_each_verdict_with_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["findings", "--check-repros"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let runs: usize = oracle::findings::FINDINGS.iter().map(|f| f.repros.len()).sum();
    assert!(text.starts_with("repro kernel "), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("repro ") && l.ends_with(" ERROR")).count(), runs, "{text}");
    // A stand-in drain-order that says what the suite expects on this
    // kernel agrees; one that says the opposite disagrees.
    let u = rustix::system::uname();
    let release = oracle::expectations::effective_release(&u.release().to_string_lossy(), &u.version().to_string_lossy());
    let f = oracle::findings::FINDINGS.iter().find(|f| f.name == "drain-order-6-1").unwrap();
    let want = oracle::findings::expected_verdict(&oracle::expectations::Expectations::builtin(), &f.repros[0], &release);
    let (right, wrong) = if want == oracle::findings::Verdict::Bad { (("BAD", 1), ("GOOD", 0)) } else { (("GOOD", 0), ("BAD", 1)) };
    let stub = dir.path().join("drain-order");
    for ((word, code), agree) in [(right, "agree"), (wrong, "DISAGREE")] {
        std::fs::write(&stub, format!("#!/bin/sh\necho '{word}: stand-in'\nexit {code}\n")).unwrap();
        std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let out = bin().args(["findings", "--check-repros"]).arg(dir.path()).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.lines().any(|l| l == format!("repro drain-order: {word}: stand-in (suite: {want:?}) {agree}")), "{text}");
    }
}
