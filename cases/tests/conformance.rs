//! `cargo test` entry: probes the running kernel, builds one libtest trial
//! per case x variant, marks the ones the kernel lacks features for as
//! ignored (with the reason), and runs each trial in its own process.
//!
//! Works with `cargo test` and `cargo nextest run` alike. Environment:
//! URING_CONFORM_KMSG=1 turns on the kernel-log oracle (root);
//! URING_CONFORM_TIMEOUT_SCALE multiplies trial timeouts.

use exec::runner::Selection;
use exec::session::{Options, Session};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use oracle::outcome::Bucket;
use std::sync::Arc;

fn main() {
    if let Some(code) = exec::runner::child_main() {
        std::process::exit(code);
    }
    cases::link();
    let args = Arguments::from_args();
    let timeout_scale = oracle::timing::Scale::from_env().unwrap_or_else(|e| {
        eprintln!("uring-conform: {e}");
        std::process::exit(2);
    });
    let opts = Options { kmsg: std::env::var("URING_CONFORM_KMSG").is_ok_and(|v| v == "1"), timeout_scale, ..Options::default() };
    let session = match Session::start(&opts) {
        Ok(s) => Arc::new(s),
        Err(why) => {
            eprintln!("uring-conform: {why}");
            std::process::exit(2);
        }
    };
    for n in &session.notes {
        eprintln!("uring-conform: {n}");
    }
    let probe = &session.probe;
    if !probe.available() {
        eprintln!("uring-conform: io_uring is unavailable: {}; every trial is skipped", probe.availability_detail);
    }
    let trials = session.plan(&Selection::default());

    // Skip reasons up front (libtest prints ignored trials without one).
    let listing = args.list || args.exact;
    let skipped: Vec<_> = trials.iter().filter_map(|t| t.skip.as_ref().map(|s| (t.id.clone(), s.reason.clone()))).collect();
    if !listing && !skipped.is_empty() {
        eprintln!("uring-conform: {} of {} trials skipped on {}:", skipped.len(), trials.len(), probe.kernel.release);
        for (id, why) in &skipped {
            eprintln!("  {id}: {why}");
        }
    }

    let tests = trials
        .into_iter()
        .map(|t| {
            let (name, skipped) = (t.id.clone(), t.skip.is_some());
            let session = session.clone();
            Trial::ignorable_test(name, move || {
                if let Some(s) = &t.skip {
                    return Ok(Completion::ignored_with(&s.reason));
                }
                // After Ctrl-C: the remaining trials do not start.
                if let Some(sig) = exec::interrupt::received() {
                    return Err(Failed::from(format!("not run: interrupted by {}", exec::interrupt::name(sig))));
                }
                let Some(r) = session.run_one(&t) else {
                    return Err(Failed::from(format!("not run: interrupted by {}", exec::interrupt::name(exec::interrupt::received().unwrap_or(0)))));
                };
                match r.outcome.bucket() {
                    Bucket::Pass => Ok(Completion::Completed),
                    Bucket::Xfail => {
                        eprintln!("{}: xfail: {}", r.id, session.exps.described(&r));
                        Ok(Completion::Completed)
                    }
                    Bucket::Skip => Ok(Completion::ignored_with(&r.message)),
                    Bucket::Fail => Err(Failed::from(format!("{}: {}", r.outcome.word(), r.message))),
                }
            })
            .with_ignored_flag(skipped)
        })
        .collect();
    // Ctrl-C, SIGTERM, SIGHUP: running trials are killed, the rest do not
    // start, and what the run prepared is undone below before exiting.
    exec::interrupt::install();
    let conclusion = libtest_mimic::run(&args, tests);
    // Unmount and unload what the run prepared, then exit with its verdict.
    drop(session);
    if let Some(sig) = exec::interrupt::received() {
        eprintln!("uring-conform: interrupted by {}", exec::interrupt::name(sig));
        std::process::exit(128 + sig);
    }
    conclusion.exit();
}
