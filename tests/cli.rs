//! End-to-end tests of the `uring-conform` binary: reports against the
//! documented schema, exit codes, clear errors on bad input, and the
//! unavailable-io_uring paths (a seccomp filter in a child process; the
//! sysctl only on explicit request).

use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uring-conform"))
}

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("uring-conform-cli-{}-{name}", std::process::id()))
}

/// A minimal JSON Schema checker for the subset docs/run-report.schema.json
/// uses: type, required, properties, enum, items, additionalProperties, $ref.
fn validate(schema: &Value, root: &Value, v: &Value, path: &str) -> Vec<String> {
    let mut errs = vec![];
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).expect("ref"),
        None => schema,
    };
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{path}: expected {types:?}, got {v}"));
            return errs;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{path}: {v} not in {e:?}"));
        }
    }
    if let Some(req) = schema.get("required").and_then(Value::as_array) {
        for k in req.iter().filter_map(Value::as_str) {
            if v.get(k).is_none() {
                errs.push(format!("{path}: missing {k}"));
            }
        }
    }
    if let (Some(props), Some(obj)) = (schema.get("properties").and_then(Value::as_object), v.as_object()) {
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                errs.extend(validate(s, root, x, &format!("{path}.{k}")));
            }
        }
    }
    if let (Some(ap), Some(obj)) = (schema.get("additionalProperties"), v.as_object()) {
        for (k, x) in obj {
            if schema.get("properties").and_then(|p| p.get(k)).is_none() {
                errs.extend(validate(ap, root, x, &format!("{path}.{k}")));
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            errs.extend(validate(items, root, x, &format!("{path}[{i}]")));
        }
    }
    errs
}

fn schema() -> Value {
    serde_json::from_str(include_str!("../docs/run-report.schema.json")).unwrap()
}

#[test]
fn real_report_matches_schema() {
    let out = tmp("report.json");
    let st = bin().args(["run", "--quiet", "--json"]).arg(&out).args(["nop/", "groups/"]).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).unwrap();
    let s = schema();
    let errs = validate(&s, &s, &v, "$");
    assert!(errs.is_empty(), "{errs:#?}");
    let results = v["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["outcome"] == "pass"));
    // Skips carry the missing features by ID.
    for r in results.iter().filter(|r| r["outcome"] == "skip") {
        assert!(!r["missing"].as_array().unwrap().is_empty(), "{r}");
    }
    let sum: u64 = v["summary"].as_object().unwrap().values().map(|x| x.as_u64().unwrap()).sum();
    assert_eq!(sum as usize, results.len());
}

#[test]
fn probe_json_has_contract_fields_and_all_opcodes() {
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
    for args in [vec!["frobnicate"], vec!["run", "--jobs", "zero"], vec!["run", "--feature", "op.nonsense"], vec!["run", "no-such-trial-anywhere"], vec!["diff", "only-one.json"], vec!["run", "--variant", "huge"]] {
        let o = bin().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("uring-conform: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let o = bin().arg("--help").output().unwrap();
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("EXIT STATUS"));
}

/// What a run prepares (the O_DIRECT directory under $TMPDIR) is gone
/// when it ends, on the normal path and on the usage-error path.
#[test]
fn prepared_environment_is_removed_after_a_run() {
    for args in [&["run", "ops/nop/*", "--quiet"][..], &["run", "no-such-trial-anywhere"][..]] {
        let dir = tmp(&format!("envsetup-{}", args.len()));
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
    let out = tmp("diff.json");
    bin().args(["run", "--quiet", "--json"]).arg(&out).arg("nop/").status().unwrap();
    let o = bin().arg("diff").arg(&out).arg(&out).output().unwrap();
    std::fs::remove_file(&out).unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("newly failing (0)") && s.contains("newly passing (0)"), "{s}");
}

#[test]
fn ktap_and_junit_from_a_real_run() {
    let junit = tmp("junit.xml");
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
    let dir = tmp("matrix");
    std::fs::create_dir_all(&dir).unwrap();
    let o = bin().args(["failed-run", "--kernel", "9.9.9-test", "--label", "vm", "--reason", "no end marker"]).output().unwrap();
    assert!(o.status.success());
    let failed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let errs: Vec<&str> = failed["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert!(!errs.is_empty() && errs.iter().all(|o| *o == "error"), "every trial of a failed VM run is an error");
    let s = schema();
    let bad = validate(&s, &s, &failed, "$");
    assert!(bad.is_empty(), "failed-run report against the schema: {bad:#?}");
    let a = dir.join("a.json");
    std::fs::write(&a, &o.stdout).unwrap();
    let b = dir.join("b.json");
    assert!(bin().args(["run", "--quiet", "--json"]).arg(&b).arg("nop/").status().unwrap().success());
    let m = bin().arg("matrix").arg("--out").arg(&dir).arg(&a).arg(&b).output().unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let md = std::fs::read_to_string(dir.join("matrix.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("matrix.html")).unwrap();
    let csv = std::fs::read_to_string(dir.join("matrix.csv")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(md.contains("9.9.9-test") && md.contains("| nop |"), "{md}");
    assert!(html.starts_with("<!doctype html>") && html.contains("</table>") && html.contains("9.9.9-test"));
    assert_eq!(csv.lines().next().unwrap(), "kernel,release,label,kind,name,measure,value");
    assert!(csv.contains(",9.9.9-test,vm,area,nop,pass,0\n"), "the failed run passes nothing in the tidy CSV");
}

/// Runs the binary under a seccomp filter that answers io_uring_setup with
/// `errno`, as container runtimes do.
fn under_seccomp(errno: u32, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let filter = [
                libc::sock_filter { code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16, jt: 0, jf: 0, k: 0 },
                libc::sock_filter { code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16, jt: 0, jf: 1, k: libc::SYS_io_uring_setup as u32 },
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
    let o = under_seccomp(libc::ENOSYS as u32, &["probe", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["availability"], "blocked");
    assert!(v["availability_detail"].as_str().unwrap().contains("seccomp"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("io_uring is unavailable"));
}

#[test]
fn seccomp_eperm_run_writes_all_skipped_report_with_exit_3() {
    let out = tmp("blocked.json");
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
#[serial_test::serial]
fn sysctl_disabled_is_reported_with_exit_3() {
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
/// so) is recorded against its feature; the probe goes on and every other
/// feature is still detected.
#[test]
fn a_probe_step_that_crashes_or_hangs_is_isolated() {
    let normal = bin().args(["probe", "--json"]).output().unwrap();
    let normal: Value = serde_json::from_slice(&normal.stdout).unwrap();
    for (mode, id, says) in [("crash", "op.read", "crashed: killed by signal 6 (SIGABRT)"), ("hang", "setup.sqpoll", "hung: no answer within 1 s")] {
        let out = bin().args(["probe", "--json"]).env("URING_CONFORM_PROBE_SELFTEST", format!("{mode}:{id}")).output().unwrap();
        assert!(out.status.success(), "{mode}: exit {:?}", out.status);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["features"][id], Value::Bool(false), "{mode}: {id} is not reported present");
        let note = v["notes"][id].as_str().unwrap_or("");
        assert!(note.contains(says), "{mode}: note {note:?}");
        for (k, want) in normal["features"].as_object().unwrap() {
            if k != id {
                assert_eq!(&v["features"][k], want, "{mode}: {k} changed");
            }
        }
    }
}
