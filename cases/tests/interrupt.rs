//! The `cargo test` entry (tests/conformance.rs) interrupted with SIGINT:
//! the trials stop, what the run prepared (the loop-mounted ext4 as root,
//! its directory) is undone, and it exits 130.

use std::io::BufRead;

/// The conformance test binary cargo built next to this one.
fn conformance_binary() -> Option<std::path::PathBuf> {
    let deps = std::env::current_exe().ok()?.parent()?.to_path_buf();
    std::fs::read_dir(deps)
        .ok()?
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("conformance-") && !n.contains('.')
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

#[test]
fn an_interrupted_cargo_test_run_cleans_up() {
    let Some(bin) = conformance_binary() else {
        eprintln!("not run: no conformance binary next to this test (cargo test builds both)");
        return;
    };
    let tmp = tempfile::Builder::new().prefix("uring-conform-interrupt-").tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let root = rustix::process::geteuid().is_root();
    let mut c = std::process::Command::new(&bin)
        .args(["--test-threads", "2"])
        .env("TMPDIR", &dir)
        .env("URING_CONFORM_ENV_SETUP", if root { "loop" } else { "on" })
        .env_remove("URING_CONFORM_ODIRECT_DIR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // libtest prints "running N tests" once the trials start.
    let mut out = std::io::BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.starts_with("running ") {
        line.clear();
    }
    rustix::process::kill_process(rustix::process::Pid::from_child(&c), rustix::process::Signal::INT).unwrap();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
    let status = c.wait().unwrap();
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    drop(tmp);
    assert_eq!(status.code(), Some(130), "exit status");
    assert!(!mounts.contains(dir.to_str().unwrap()), "a mount under the run's TMPDIR remains");
    assert!(left.is_empty(), "left {left:?}");
}
