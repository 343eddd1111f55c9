//! `uring-conform`: probe the running kernel's io_uring and check that
//! what it supports behaves as documented.

use harness::expectations::Expectations;
use harness::features::{Feature, FEATURES};
use harness::report::{human_summary, plural, run_report, RunInfo, Tally};
use harness::runner::{default_jobs, plan, run_all, Isolation, Selection};
use harness::{Outcome, Probe, Variant};
use std::io::{IsTerminal, Write};
use std::time::{Instant, SystemTime};

const HELP: &str = "\
uring-conform: feature probe and conformance suite for Linux io_uring

USAGE:
    uring-conform probe [--json]
    uring-conform list  [--json] [SELECTION]
    uring-conform run   [--json FILE] [--junit FILE] [--ktap] [--strict]
                        [--jobs N] [--kmsg] [--label L]
                        [--timeout-scale X] [--quiet] [--mutate]
                        [--no-expectations]
                        [SELECTION]
    uring-conform diff  OLD.json NEW.json
    uring-conform matrix [--out DIR] RUN.json...
    uring-conform features [--rules]

SELECTION:
    FILTER...           which trials: AREA/ (links/: that area only, not
                        hardlinks/; ops/read/: one opcode), a glob over
                        the whole ID ('links/*', '*[sqpoll]': quote it, or
                        the shell expands it), or else a substring of the
                        ID (short-read). A word that matches no trial is
                        reported; several words select the union
    --area A            only this area (repeatable)
    --feature F         only trials that need feature F (repeatable)
    --variant V         only this ring variant (repeatable)

RUN OPTIONS:
    --json FILE         write the run report (schema uring-conform/run/1)
    --junit FILE        write JUnit XML (one testsuite per area)
    --ktap              print KTAP version 1 on stdout (the summary goes
                        to stderr)
    --strict            also fail when the kernel is at or past a feature's
                        documented first version but the probe lacks it
                        (catches broken probes; proposals and env excluded)
    --jobs N            parallel trial processes (default: 4 per CPU)
    --kmsg              fail a trial when the kernel logs WARNING/BUG/Oops/
                        lockdep while it runs (needs root; use --jobs 1 to
                        pin a report to one trial)
    --label L           machine label for the report header
    --timeout-scale X   multiply every trial timeout (slow emulated VMs)
    --quiet             no progress line
    --no-expectations   apply no recorded kernel deviation: a trial that
                        fails on a known deviation is a `fail`, and a
                        fixed one a `pass` (for patched kernels)
    --mutate            self-check: run each trial once per comparison it
                        makes, with that comparison's expectation perturbed
                        (a res, a flag bit, a user_data, one CQE more or
                        fewer; a check inverted). A trial that noticed every
                        perturbation is reported `fail`; one that still
                        passed is `pass`, listed at the end. Exits 0 only
                        when no running trial passed.

EXIT STATUS (run):
    0 no failures   1 failures   2 usage or harness error (also: too few
    open files to start trials, RLIMIT_NOFILE named)
    3 io_uring unavailable (sysctl, a seccomp filter on setup, register or
      enter, RLIMIT_MEMLOCK too small: the report still says why)
    128+N interrupted by signal N (SIGINT, SIGTERM, SIGHUP): trials
      stopped, the environment undone, the partial report written and
      marked interrupted
    diff: 1 when a trial newly fails between the two reports, else 0

MATRIX:
    Renders feature x kernel and area x kernel tables from run reports
    into DIR (default reports/): matrix.md, matrix.html, matrix.csv.

CI HELPER:
    uring-conform failed-run --kernel RELEASE --label L --reason TEXT
        prints a run report in which every trial is `error` with TEXT,
        for a VM that hung or panicked (never a silent gap in the matrix)

ENVIRONMENT (probe, list, run):
    Before probing, a run prepares a directory that takes O_DIRECT
    ($TMPDIR, or as root a loop-mounted ext4) and, as root, a null_blk
    device with a poll queue (modprobe; removed afterwards), and prints
    what it could not. URING_CONFORM_ENV_SETUP=off prepares nothing,
    =loop forces the ext4 image. URING_CONFORM_DISPOSABLE=1 marks a
    throwaway machine (cases that could oops an unfixed kernel run).

Each trial runs in its own process; skips come only from the probe and
name what the kernel or the environment lacks. `uring-conform features`
lists the vocabulary; `--rules` prints how the probe detects each feature
(docs/detection-rules.md). A feature the kernel takes but that does not
behave as documented is broken, not absent: `probe` lists it first, its
trials run, and the trial probe/<id> fails with the evidence.
";

fn usage(msg: &str) -> ! {
    eprintln!("uring-conform: {msg}\n\nRun 'uring-conform --help' for usage.");
    std::process::exit(2);
}

struct Args {
    words: Vec<String>,
    json: Option<String>,
    json_flag: bool,
    jobs: Option<usize>,
    kmsg: bool,
    quiet: bool,
    label: Option<String>,
    timeout_scale: f64,
    junit: Option<String>,
    ktap: bool,
    strict: bool,
    mutate: bool,
    no_expectations: bool,
    sel: Selection,
}

fn parse(args: &[String], command: &str) -> Args {
    let mut a = Args {
        words: vec![],
        json: None,
        json_flag: false,
        jobs: None,
        kmsg: false,
        quiet: false,
        label: None,
        timeout_scale: 1.0,
        junit: None,
        ktap: false,
        strict: false,
        mutate: false,
        no_expectations: false,
        sel: Selection::default(),
    };
    let mut it = args.iter();
    while let Some(x) = it.next() {
        // A value that looks like an option is a forgotten value
        // (`--json --ktap` would write a file named --ktap).
        let mut val = |name: &str| match it.next() {
            Some(v) if v.starts_with("--") => usage(&format!("{name} needs a value, got the option {v}")),
            Some(v) => v.clone(),
            None => usage(&format!("{name} needs a value")),
        };
        match x.as_str() {
            "--json" if command == "run" => a.json = Some(val("--json")),
            "--json" => a.json_flag = true,
            "--jobs" | "-j" => a.jobs = Some(val("--jobs").parse().ok().filter(|n| *n > 0).unwrap_or_else(|| usage("--jobs takes a positive number"))),
            "--kmsg" => a.kmsg = true,
            "--junit" if command == "run" => a.junit = Some(val("--junit")),
            "--ktap" if command == "run" => a.ktap = true,
            "--strict" if command == "run" => a.strict = true,
            "--mutate" if command == "run" => a.mutate = true,
            "--no-expectations" if command == "run" => a.no_expectations = true,
            "--quiet" | "-q" => a.quiet = true,
            "--label" => a.label = Some(val("--label")),
            "--timeout-scale" => {
                a.timeout_scale = val("--timeout-scale")
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x > 0.0)
                    .unwrap_or_else(|| usage("--timeout-scale takes a positive finite number"))
            }
            "--area" => {
                let area = val("--area");
                let known = harness::runner::areas();
                if !known.contains(&area.as_str()) {
                    usage(&format!("unknown area {area:?} (one of {})", known.join(", ")));
                }
                a.sel.areas.push(area);
            }
            "--feature" => {
                let f = val("--feature");
                a.sel.features.push(Feature::from_id(&f).unwrap_or_else(|| usage(&format!("unknown feature {f:?} (see 'uring-conform features')"))));
            }
            "--variant" => {
                let v = val("--variant");
                let names: Vec<&str> = Variant::EVERY.iter().map(|v| v.name()).collect();
                a.sel.variants.push(Variant::from_name(&v).unwrap_or_else(|| usage(&format!("unknown variant {v:?} (one of {})", names.join(", ")))));
            }
            s if s.starts_with('-') => usage(&format!("unknown option {s} for '{command}'")),
            s => a.words.push(s.to_string()),
        }
    }
    a
}

fn main() {
    if let Some(code) = harness::runner::child_main() {
        std::process::exit(code);
    }
    cases::link();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = argv.first() else {
        eprint!("{HELP}");
        std::process::exit(2);
    };
    let rest = &argv[1..];
    if rest.iter().any(|a| a == "--help" || a == "-h") || cmd == "--help" || cmd == "-h" || cmd == "help" {
        print!("{HELP}");
        return;
    }
    // A reader that goes away (`uring-conform list | head`) ends the
    // command quietly: print! panics on EPIPE; the panic unwinds (undoing
    // a prepared environment on the way) and is caught here, unprinted.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_broken_stdout(info.payload()) {
            default_hook(info);
        }
    }));
    let code = match std::panic::catch_unwind(|| dispatch(cmd, rest)) {
        Ok(code) => code,
        Err(p) if is_broken_stdout(&*p) => 0,
        Err(p) => std::panic::resume_unwind(p),
    };
    std::process::exit(code);
}

/// The panic print! raises when stdout is a closed pipe.
fn is_broken_stdout(p: &(dyn std::any::Any + Send)) -> bool {
    let msg = p.downcast_ref::<String>().map(String::as_str).or_else(|| p.downcast_ref::<&str>().copied()).unwrap_or("");
    msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe")
}

fn dispatch(cmd: &str, rest: &[String]) -> i32 {
    if matches!(cmd, "probe" | "list" | "run") {
        // Too few fds to start trial processes is the harness's problem,
        // said once, not a verdict per trial.
        if let Err(why) = harness::envlimits::ensure_nofile() {
            eprintln!("uring-conform: {why}");
            return 2;
        }
    }
    match cmd {
        "--version" | "-V" => {
            println!("uring-conform {} ({})", env!("CARGO_PKG_VERSION"), harness::report::SUITE_COMMIT);
            0
        }
        "probe" => cmd_probe(&parse(rest, "probe")),
        "list" => cmd_list(&parse(rest, "list")),
        "run" => cmd_run(&parse(rest, "run")),
        "diff" => cmd_diff(&parse(rest, "diff")),
        "matrix" => cmd_matrix(rest),
        "failed-run" => cmd_failed_run(rest),
        "features" => {
            if rest == ["--rules"] {
                print!("{}", harness::probe::rules_markdown());
                return 0;
            }
            if !rest.is_empty() {
                usage("features takes no arguments but --rules");
            }
            for f in FEATURES {
                println!("{:<34} {:<6} {}", f.id, f.since, f.reference);
            }
            0
        }
        other => usage(&format!("unknown command {other:?}")),
    }
}

fn cmd_probe(a: &Args) -> i32 {
    if !a.words.is_empty() {
        usage("probe takes no arguments");
    }
    let _env = harness::envsetup::prepare();
    let p = Probe::run();
    if a.json_flag {
        println!("{}", serde_json::to_string_pretty(&p.to_report()).expect("json"));
    } else {
        print!("{}", p.to_table());
    }
    if p.available() {
        0
    } else {
        eprintln!("uring-conform: io_uring is unavailable: {}", p.availability_detail);
        3
    }
}

/// The selection from the options and filter words; each word that
/// matches no trial is named (before any environment is prepared).
fn selection(a: &Args) -> Selection {
    let mut sel = a.sel.clone();
    sel.filters = a.words.clone();
    for f in sel.unmatched_filters() {
        eprintln!("uring-conform: warning: {f:?} matches no trial (see 'uring-conform list'; quote globs)");
    }
    sel
}

fn cmd_list(a: &Args) -> i32 {
    let sel = selection(a);
    let _env = harness::envsetup::prepare();
    let p = Probe::run();
    let trials = plan(&p, &sel);
    if a.json_flag {
        let v: Vec<_> = trials
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id, "area": t.case.area(), "variant": t.variant.name(), "summary": t.case.summary,
                    "requires": t.requires().iter().map(|f| f.id()).collect::<Vec<_>>(),
                    "refs": t.case.refs, "serial": t.case.serial, "timeout_ms": t.case.timeout_ms,
                    "skip": t.skip.as_ref().map(|s| s.reason.clone()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        return 0;
    }
    for t in &trials {
        let req: Vec<&str> = t.requires().iter().map(|f| f.id()).collect();
        let state = match &t.skip {
            Some(s) => format!("SKIP ({})", s.reason),
            None => "runs".into(),
        };
        println!("{}\n    {}\n    requires: {}\n    {}", t.id, t.case.summary, if req.is_empty() { "-".into() } else { req.join(", ") }, state);
    }
    let skipped = trials.iter().filter(|t| t.skip.is_some()).count();
    println!("\n{}: {} run here, {} skip", plural(trials.len(), "trial"), trials.len() - skipped, skipped);
    0
}

/// An output file a run will write: refused before the run if it cannot
/// be (a directory, a missing or unwritable parent), so a long run never
/// ends in "cannot write".
fn check_output(opt: &str, path: &str) {
    let p = std::path::Path::new(path);
    if p.is_dir() {
        usage(&format!("{opt} {path}: is a directory (give a file name)"));
    }
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if !parent.is_dir() {
        usage(&format!("{opt} {path}: {} is not a directory", parent.display()));
    }
    // Opening without truncating leaves an existing file as it is until
    // the run writes it; a new one is removed again.
    let existed = p.exists();
    match std::fs::OpenOptions::new().append(true).create(true).open(p) {
        Ok(_) => {
            if !existed {
                let _ = std::fs::remove_file(p);
            }
        }
        Err(e) => usage(&format!("{opt} {path}: cannot be written: {e}")),
    }
}

fn cmd_run(a: &Args) -> i32 {
    harness::interrupt::install();
    for (opt, path) in [("--json", &a.json), ("--junit", &a.junit)] {
        if let Some(p) = path {
            check_output(opt, p);
        }
    }
    let sel = selection(a);
    let started = SystemTime::now();
    let t0 = Instant::now();
    // Undone when the run returns (before exit).
    let env = harness::envsetup::prepare();
    for n in &env.notes {
        eprintln!("uring-conform: environment: {n}");
    }
    let probe = Probe::run();
    if !probe.available() {
        eprintln!("uring-conform: io_uring is unavailable: {}", probe.availability_detail);
    }
    let trials = plan(&probe, &sel);
    if trials.is_empty() {
        // usage() exits: undo the environment first.
        drop(env);
        usage("the selection matches no trial (see 'uring-conform list')");
    }
    let mut iso = Isolation::current(&probe);
    iso.kmsg = a.kmsg;
    iso.timeout_scale = a.timeout_scale;
    if a.kmsg && !probe.has(Feature::EnvKmsg) {
        eprintln!("uring-conform: --kmsg needs a readable /dev/kmsg (root); running without the kernel-log oracle");
        iso.kmsg = false;
    }
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    let exps = if a.no_expectations { Expectations::none() } else { Expectations::builtin() };
    if a.no_expectations {
        eprintln!("uring-conform: --no-expectations: recorded kernel deviations are not applied (every failure is a failure)");
    }
    let tty = std::io::stderr().is_terminal() && !a.quiet;
    let mut counts = Tally::default();
    eprintln!("uring-conform: {} on {} ({})", plural(trials.len(), "trial"), probe.kernel.release, plural(jobs, "job"));
    if a.mutate {
        eprintln!("uring-conform: mutation mode: every running trial must fail once per comparison it makes");
    }
    let progress = |r: &harness::TrialResult, done: usize, total: usize| {
        // The same buckets as the summary: xfail apart from pass.
        counts.add(r.outcome);
        let mut err = std::io::stderr().lock();
        // In a mutation run the news is a trial that survived (pass).
        let news = if a.mutate { r.outcome == Outcome::Pass } else { r.outcome.is_failure() };
        if news {
            let first = r.message.lines().next().unwrap_or("");
            let _ = writeln!(err, "{}{} {}: {}", if tty { "\r\x1b[K" } else { "" }, r.outcome.word().to_uppercase(), r.id, first);
        }
        if a.quiet {
            return;
        }
        let line = format!("[{done}/{total}] pass {} fail {} skip {} xfail {}", counts.pass, counts.fail, counts.skip, counts.xfail);
        if tty {
            let _ = write!(err, "\r\x1b[K{line} {}", r.id);
            if done == total {
                let _ = writeln!(err);
            }
        } else if done % 100 == 0 || done == total {
            let _ = writeln!(err, "{line}");
        }
    };
    let results = if a.mutate {
        harness::runner::run_all_mutated(&trials, &iso, jobs, &exps, &probe.kernel.release, progress)
    } else {
        run_all(&trials, &iso, jobs, &exps, &probe.kernel.release, progress)
    };
    let wall = t0.elapsed();
    if let Some(sig) = harness::interrupt::received() {
        eprintln!("\nuring-conform: interrupted by {} after {} of {} trials", harness::interrupt::name(sig), results.len(), trials.len());
    }
    let errata = if a.mutate { String::new() } else { harness::report::errata_summary(&exps, &results) };
    if a.mutate {
        // Outcomes mean noticed (fail) or survived (pass) here: the usual
        // summary would read upside down.
    } else if a.ktap {
        print!("{}", harness::formats::ktap(&results, &probe.kernel.release));
        eprint!("{errata}{}", human_summary(&results, wall));
    } else {
        print!("{errata}{}", human_summary(&results, wall));
    }
    // Each output is written on its own: one that fails does not lose
    // the others.
    let mut write_failed = false;
    if let Some(path) = &a.junit {
        match std::fs::write(path, harness::formats::junit(&results, &probe.kernel.release)) {
            Ok(()) => eprintln!("uring-conform: JUnit XML written to {path}"),
            Err(e) => {
                eprintln!("uring-conform: cannot write {path}: {e}");
                write_failed = true;
            }
        }
    }
    let strict = if a.strict { strict_violations(&probe) } else { vec![] };
    for (id, since) in &strict {
        eprintln!("uring-conform: strict: {} is {id}'s documented first version, but the probe lacks it", since);
    }
    if let Some(path) = &a.json {
        let info = RunInfo {
            label: a.label.clone().unwrap_or_else(hostname),
            started,
            finished: SystemTime::now(),
            jobs,
            exps: &exps,
            expectations_applied: !a.no_expectations,
            mutate: a.mutate,
            interrupted: harness::interrupt::received(),
        };
        let report = run_report(&probe, &results, &info);
        match std::fs::write(path, serde_json::to_string_pretty(&report).expect("json") + "\n") {
            Ok(()) => eprintln!("uring-conform: report written to {path}"),
            Err(e) => {
                eprintln!("uring-conform: cannot write {path}: {e}");
                write_failed = true;
            }
        }
    }
    if write_failed {
        return 2;
    }
    if let Some(sig) = harness::interrupt::received() {
        return 128 + sig;
    }
    if a.mutate {
        return mutation_verdict(&results);
    }
    if !probe.available() {
        3
    } else if results.iter().any(|r| r.outcome.is_failure()) || !strict.is_empty() {
        1
    } else {
        0
    }
}

/// The mutation mode's verdict: every trial that ran must have failed.
fn mutation_verdict(results: &[harness::TrialResult]) -> i32 {
    let survived: Vec<_> = results.iter().filter(|r| r.outcome == Outcome::Pass).collect();
    let other: Vec<_> = results.iter().filter(|r| !matches!(r.outcome, Outcome::Pass | Outcome::Fail | Outcome::Skip)).collect();
    let noticed = results.iter().filter(|r| r.outcome == Outcome::Fail).count();
    if !survived.is_empty() {
        println!("\ntrials that passed with an expectation perturbed (a check that cannot fail):");
        for r in &survived {
            println!("  {}: {}", r.id, r.message);
        }
    }
    for r in &other {
        println!("  {} {}: {}", r.outcome.word().to_uppercase(), r.id, r.message.lines().next().unwrap_or(""));
    }
    let perturbations: usize = results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .filter_map(|r| r.message.strip_prefix("noticed all ")?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    println!(
        "uring-conform: mutation mode: {noticed} trials noticed every one of their {perturbations} perturbations, {} did not, {} could not be mutated",
        survived.len(),
        other.len()
    );
    if survived.is_empty() && other.is_empty() {
        0
    } else {
        1
    }
}

/// Features whose documented first version is at or below the running
/// kernel's but which the probe found absent (proposals and the
/// environment have no version and are never counted).
fn strict_violations(probe: &Probe) -> Vec<(&'static str, &'static str)> {
    let Some(k) = harness::features::parse_version(&probe.kernel.release) else { return vec![] };
    FEATURES
        .iter()
        .filter(|f| !f.since.is_empty() && !probe.has(f.feature))
        .filter(|f| harness::features::parse_version(f.since).is_some_and(|s| s <= k))
        .map(|f| (f.id, f.since))
        .collect()
}

fn cmd_diff(a: &Args) -> i32 {
    let [old, new] = a.words.as_slice() else { usage("diff takes two run reports: OLD.json NEW.json") };
    let load = |p: &str| {
        reports::load_run(std::path::Path::new(p)).unwrap_or_else(|e| {
            eprintln!("uring-conform: {e}");
            std::process::exit(2)
        })
    };
    let d = reports::diff(&load(old), &load(new));
    print!("{}", d.render());
    d.exit_code()
}

/// `--name value` pairs of a helper command.
fn named(args: &[String], known: &[&str]) -> std::collections::HashMap<String, String> {
    let mut m = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(k) = it.next() {
        if !known.contains(&k.as_str()) {
            usage(&format!("unknown option {k}"));
        }
        let v = it.next().unwrap_or_else(|| usage(&format!("{k} needs a value")));
        m.insert(k.clone(), v.clone());
    }
    m
}

fn cmd_failed_run(args: &[String]) -> i32 {
    let m = named(args, &["--kernel", "--label", "--reason"]);
    let get = |k: &str| m.get(k).cloned().unwrap_or_else(|| usage(&format!("failed-run needs {k}")));
    let probe = Probe::failed(&get("--kernel"), &get("--reason"));
    let reason = get("--reason");
    let results: Vec<harness::TrialResult> = plan(&probe, &Selection::default())
        .into_iter()
        .map(|t| harness::TrialResult {
            area: t.case.area().to_string(),
            variant: t.variant.name().to_string(),
            id: t.id,
            outcome: Outcome::Error,
            message: reason.clone(),
            missing: vec![],
            duration_ms: 0.0,
        })
        .collect();
    let now = SystemTime::now();
    let exps = Expectations::builtin();
    let info =
        RunInfo { label: get("--label"), started: now, finished: now, jobs: 0, exps: &exps, expectations_applied: true, mutate: false, interrupted: None };
    println!("{}", serde_json::to_string_pretty(&run_report(&probe, &results, &info)).expect("json"));
    0
}

fn cmd_matrix(args: &[String]) -> i32 {
    let mut out = std::path::PathBuf::from("reports");
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().map(Into::into).unwrap_or_else(|| usage("--out needs a directory")),
            s if s.starts_with('-') => usage(&format!("unknown option {s} for 'matrix'")),
            s => files.push(std::path::PathBuf::from(s)),
        }
    }
    if files.is_empty() {
        usage("matrix takes run reports (reports/runs/*.json)");
    }
    let mut runs = Vec::new();
    for f in &files {
        match reports::load_run(f) {
            Ok(r) => runs.push(r),
            Err(e) => {
                eprintln!("uring-conform: {e}");
                return 2;
            }
        }
    }
    let m = reports::matrix::Matrix::build(&runs);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("uring-conform: cannot create {}: {e}", out.display());
        return 2;
    }
    for (name, text) in [("matrix.md", m.markdown()), ("matrix.html", m.html()), ("matrix.csv", m.csv())] {
        let p = out.join(name);
        if let Err(e) = std::fs::write(&p, text) {
            eprintln!("uring-conform: cannot write {}: {e}", p.display());
            return 2;
        }
        eprintln!("uring-conform: wrote {}", p.display());
    }
    0
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "unknown".into())
}
