//! Every finding's reproducer builds with one `cc` line and runs on this
//! kernel, and its GOOD/BAD verdict agrees with the expectations here: BAD
//! where one of its known-failure entries applies to this kernel, GOOD
//! where none does, either where only intermittent ones apply.

use oracle::expectations::{effective_release, Expectations};
use oracle::findings::{expected_verdict, repro_stem, run_repro, RunOutcome, Verdict, FINDINGS};
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
            let bin = dir.path().join(repro_stem(r));
            let cc = Command::new("cc").arg("-O2").arg("-o").arg(&bin).arg(root.join(r.file)).status().expect("cc (a C compiler) runs");
            assert!(cc.success(), "{} does not build with cc", r.file);
            let (said, text) = match run_repro(&bin, r.args, Duration::from_secs(60)) {
                Ok(RunOutcome::Said(v, line)) => (v, line),
                Ok(RunOutcome::CannotRun(why)) => panic!("{} {:?} could not run here (exit 2): {why}", r.file, r.args),
                Err(e) => panic!("{} {:?}: {e}", r.file, r.args),
            };
            let want = expected_verdict(&exps, r, &release);
            assert!(want == Verdict::Either || want == said, "{} {:?} on {release}: the suite expects {want:?}, the reproducer says {text:?}", r.file, r.args);
            report.push(format!("{} {:?}: {}", f.name, r.args, text.trim()));
        }
    }
    eprintln!("{}", report.join("\n"));
}
