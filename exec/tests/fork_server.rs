//! The fork server gives a trial the isolation an exec'd trial has, and
//! the same verdicts: the same self-test cases run under both executors.
//! The checks a trial makes of its own process (process group, death
//! signal, stdin, descriptors, environment) run inside it, as a case.
//! Its own `main`: this binary is also the fork server and the trial
//! processes ([`exec::runner::child_main`] first thing), and the server
//! must be single-threaded, which libtest's main is not.

use exec::runner::{Executor, Isolation, Ran, Trial};
use oracle::case::{all_cases, CaseError, Variant};
use oracle::Outcome;
use std::time::{Duration, Instant};

/// The descriptors above 2 this test binary was started with, open
/// across exec; set by main for the trial processes to compare with.
const GIVEN_FDS: &str = "SELFTEST_GIVEN_FDS";

fn own_fds() -> Vec<i32> {
    // The directory's own descriptor is the one that is gone afterwards.
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd").unwrap().filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    fds.into_iter().filter(|fd| std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok()).collect()
}

oracle::case! {
    id: "selftest/isolated",
    summary: "the trial process is isolated as the runner promises",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    run: |_cx| {
        let me = rustix::process::getpid();
        let pgid = rustix::process::getpgid(None).map_err(|e| CaseError::Error(e.to_string()))?;
        if pgid != me {
            oracle::fail!("process group {pgid:?}, not its own ({me:?})");
        }
        let sig = rustix::process::parent_process_death_signal().map_err(|e| CaseError::Error(e.to_string()))?;
        if sig != Some(rustix::process::Signal::KILL) {
            oracle::fail!("death signal {sig:?}, not SIGKILL");
        }
        let stdin = std::fs::read_link("/proc/self/fd/0").unwrap_or_default();
        if stdin != std::path::Path::new("/dev/null") {
            oracle::fail!("stdin is {}, not /dev/null", stdin.display());
        }
        for (fd, what) in [(1, "stdout"), (2, "stderr")] {
            let l = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default();
            if !l.to_string_lossy().starts_with("pipe:") {
                oracle::fail!("{what} is {}, not a pipe", l.display());
            }
        }
        // Beside 0, 1 and 2, only what the test binary itself was given
        // open across exec (cargo's jobserver pipes) may be open.
        let given: Vec<i32> = std::env::var(GIVEN_FDS).unwrap_or_default().split(',').filter_map(|f| f.parse().ok()).collect();
        let extra: Vec<i32> = own_fds().into_iter().filter(|fd| *fd > 2 && !given.contains(fd)).collect();
        if !extra.is_empty() {
            let what: Vec<String> = extra.iter().map(|fd| format!("{fd} ({})", std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default().display())).collect();
            oracle::fail!("open descriptors beyond 0, 1, 2: {}", what.join(", "));
        }
        if std::env::var_os(exec::executor::server::SERVER_ENV).is_some() {
            oracle::fail!("the server's variable reached the trial");
        }
        if std::env::var(exec::runner::CHILD_ENV).as_deref() != Ok("selftest/isolated[default]") {
            oracle::fail!("the trial's variable is {:?}", std::env::var(exec::runner::CHILD_ENV));
        }
        if std::env::var(oracle::mutation::MUTATE_ENV).is_ok() {
            oracle::fail!("a mutation target in a run without one");
        }
        Ok(())
    },
}

oracle::case! {
    id: "selftest/checks",
    summary: "one comparison, for the mutation target to reach",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    run: |_cx| {
        oracle::check_eq!(1 + 1, 2);
        Ok(())
    },
}

oracle::case! {
    id: "selftest/fails",
    summary: "a failing case",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    run: |_cx| oracle::fail!("expected 1, got 2"),
}

oracle::case! {
    id: "selftest/aborts",
    summary: "a crashing case",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    run: |_cx| std::process::abort(),
}

oracle::case! {
    id: "selftest/hangs",
    summary: "a case that hangs, with a process of its own holding its pipes",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    timeout_ms: 300,
    run: |_cx| {
        let _ = std::process::Command::new("sleep").arg("60").spawn();
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    },
}

oracle::case! {
    id: "selftest/kills-server",
    summary: "a case that kills the process that started it",
    requires: [],
    variants: &[Variant::Default],
    refs: [],
    run: |_cx| {
        let parent = rustix::process::getppid().expect("a parent");
        let _ = rustix::process::kill_process(parent, rustix::process::Signal::KILL);
        // Dies with its server (the death signal) long before this ends.
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    },
}

fn trial(id: &str) -> Trial {
    let case = all_cases().into_iter().find(|c| c.id == id).expect("a self-test case");
    Trial { case, variant: Variant::Default, id: format!("{id}[default]"), skip: None }
}

fn run(iso: &Isolation, id: &str) -> (Outcome, String, exec::runner::ChildReport) {
    match iso.run_tries(&trial(id), 1) {
        Ran::Done(r, rep) => (r.outcome, r.message, rep),
        Ran::Interrupted => panic!("nothing interrupts this run"),
    }
}

/// Every check of this file; a failed one panics (exit 101).
fn check(iso: &Isolation) {
    let how = iso.executor;
    let (o, m, _) = run(iso, "selftest/isolated");
    assert_eq!(o, Outcome::Pass, "{how:?}: {m}");
    let (o, m, rep) = run(iso, "selftest/checks");
    assert_eq!((o, rep.comparisons), (Outcome::Pass, 1), "{how:?}: {m}");
    let mutated = Isolation { mutate: Some(0), ..iso.clone() };
    let (o, m, rep) = run(&mutated, "selftest/checks");
    assert_eq!(o, Outcome::Fail, "{how:?}: a perturbed check: {m}");
    assert!(rep.mutated.is_some(), "{how:?}: the perturbation is named");
    // The next trial of the same worker is not perturbed.
    let (o, m, _) = run(iso, "selftest/isolated");
    assert_eq!(o, Outcome::Pass, "{how:?}: after a mutated trial: {m}");
    let (o, m, _) = run(iso, "selftest/fails");
    assert_eq!((o, m.as_str()), (Outcome::Fail, "expected 1, got 2"), "{how:?}");
    let (o, m, _) = run(iso, "selftest/aborts");
    assert!(o == Outcome::Crash && m.contains("SIGABRT"), "{how:?}: {o:?} {m}");
    let t0 = Instant::now();
    let (o, m, _) = run(iso, "selftest/hangs");
    assert_eq!(o, Outcome::Timeout, "{how:?}: {m}");
    // The group kill ends the grandchild too, so its pipe ends at once.
    assert!(t0.elapsed() < Duration::from_secs(10), "{how:?}: took {:?}", t0.elapsed());
}

fn main() {
    if let Some(code) = exec::runner::child_main() {
        std::process::exit(code);
    }
    // Single-threaded still: nothing reads the environment concurrently.
    let given: Vec<String> = own_fds()
        .into_iter()
        .filter(|&fd| {
            // SAFETY: a descriptor /proc just listed as open, borrowed for
            // one fcntl while nothing else in this process runs.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
            rustix::io::fcntl_getfd(fd).is_ok_and(|f| !f.contains(rustix::io::FdFlags::CLOEXEC))
        })
        .filter(|&fd| fd > 2)
        .map(|fd| fd.to_string())
        .collect();
    std::env::set_var(GIVEN_FDS, given.join(","));
    let probe = exec::executor::probe::run();
    let exec_iso = Isolation { executor: Executor::Exec, ..Isolation::current(&probe) };
    let fork_iso = Isolation { executor: Executor::Fork, ..Isolation::current(&probe) };
    check(&exec_iso);
    check(&fork_iso);

    // A server that dies with a trial running: that trial is the
    // executor's error (never a kernel verdict), and the worker's next
    // trial gets a new server.
    let (o, m, _) = run(&fork_iso, "selftest/kills-server");
    assert!(o == Outcome::Error && m.contains("fork server") && m.contains("not the kernel"), "{o:?}: {m}");
    let (o, m, _) = run(&fork_iso, "selftest/isolated");
    assert_eq!(o, Outcome::Pass, "after the server died: {m}");

    // Several workers, each with its own server, side by side.
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..4).map(|_| s.spawn(|| (0..5).map(|_| run(&fork_iso, "selftest/isolated").0).collect::<Vec<_>>())).collect();
        for h in hs {
            assert!(h.join().unwrap().iter().all(|o| *o == Outcome::Pass));
        }
    });
    println!("fork_server: every check held under both executors");
}
