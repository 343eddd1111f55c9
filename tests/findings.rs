//! Every finding's reproducer builds with one `cc` line and runs on this
//! kernel, and its GOOD/BAD verdict agrees with the expectations here: BAD
//! where one of its known-failure entries applies to this kernel, GOOD
//! where none does, either where only intermittent ones apply.

use harness::expectations::{effective_release, Expectations};
use harness::findings::{expected_verdict, Verdict, FINDINGS};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[test]
fn every_reproducer_agrees_with_the_suite_on_this_kernel() {
    let u = rustix::system::uname();
    let release = effective_release(&u.release().to_string_lossy(), &u.version().to_string_lossy());
    let exps = Expectations::builtin();
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = Vec::new();
    for f in FINDINGS {
        for r in f.repros {
            let bin = dir.path().join(Path::new(r.file).file_stem().unwrap());
            let cc = Command::new("cc").arg("-O2").arg("-o").arg(&bin).arg(root.join(r.file)).status().expect("cc (a C compiler) runs");
            assert!(cc.success(), "{} does not build with cc", r.file);
            let out = run_with_timeout(Command::new(&bin).args(r.args), Duration::from_secs(60));
            let (code, text) = out.unwrap_or_else(|| panic!("{} {:?} did not finish within 60 s", r.file, r.args));
            let said = if text.starts_with("GOOD") && code == 0 {
                Verdict::Good
            } else if text.starts_with("BAD") && code == 1 {
                Verdict::Bad
            } else {
                panic!("{} {:?}: neither GOOD (exit 0) nor BAD (exit 1): exit {code}, {text:?}", r.file, r.args)
            };
            let want = expected_verdict(&exps, r, &release);
            assert!(want == Verdict::Either || want == said, "{} {:?} on {release}: the suite expects {want:?}, the reproducer says {text:?}", r.file, r.args);
            report.push(format!("{} {:?}: {}", f.name, r.args, text.trim()));
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// Runs `cmd`, killing it after `limit`: (exit code, first line of stdout).
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Option<(i32, String)> {
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().ok()?;
    let t0 = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().ok()? {
            let mut s = String::new();
            std::io::Read::read_to_string(child.stdout.as_mut()?, &mut s).ok()?;
            let last = s.lines().rev().find(|l| l.starts_with("GOOD") || l.starts_with("BAD")).unwrap_or(s.trim()).to_string();
            return Some((status.code().unwrap_or(-1), last));
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
