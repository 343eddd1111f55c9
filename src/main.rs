//! `uring-conform`: probe the running kernel's io_uring and check that
//! what it supports behaves as documented.

mod cli;
mod help;
mod run;

use anyhow::Context;
use cli::{Command, UsageError};
use exec::report::{plural, run_report, RunInfo};
use exec::runner::Selection;
use exec::session::{Options, Session};
use oracle::expectations::Expectations;
use oracle::features::FEATURES;
use oracle::{Outcome, Probe};
use std::path::Path;
use std::time::SystemTime;

fn main() {
    if let Some(code) = exec::runner::child_main() {
        std::process::exit(code);
    }
    cases::link();
    // Checked before anything waits: a bad scale is refused, never read as
    // 0 ms (or ignored).
    if let Err(e) = oracle::timing::scale_from_env() {
        eprintln!("uring-conform: {e}");
        std::process::exit(2);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        eprint!("{}", help::help(None));
        std::process::exit(2);
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
    let code = match std::panic::catch_unwind(|| dispatch(args)) {
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

/// Runs the command; every error ends here, said once, with exit 2.
fn dispatch(args: Vec<std::ffi::OsString>) -> i32 {
    // A usage error points at the help of the command it is about.
    let help_cmd = match args[0].to_str().filter(|c| help::is_command(c)) {
        Some(c) => format!("uring-conform {c} --help"),
        None => "uring-conform --help".into(),
    };
    let result = cli::parse(args).map_err(anyhow::Error::from).and_then(|cmd| execute(&cmd));
    match result {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<UsageError>() {
                Some(u) => eprintln!("uring-conform: {u}\n\nRun '{help_cmd}' for usage."),
                None => eprintln!("uring-conform: {e:#}"),
            }
            2
        }
    }
}

fn execute(cmd: &Command) -> anyhow::Result<i32> {
    match cmd {
        Command::Help(command) => {
            print!("{}", help::help(command.as_deref()));
            Ok(0)
        }
        Command::Version => {
            println!("uring-conform {} ({})", env!("CARGO_PKG_VERSION"), exec::report::SUITE_COMMIT);
            Ok(0)
        }
        Command::Probe { json } => cmd_probe(*json),
        Command::List { json, sel } => cmd_list(*json, sel),
        Command::Run(a) => run::run(a),
        Command::Diff { old, new } => {
            let d = reports::diff(&reports::load_run(old).map_err(anyhow::Error::msg)?, &reports::load_run(new).map_err(anyhow::Error::msg)?);
            print!("{}", d.render());
            Ok(d.exit_code())
        }
        Command::Matrix { out, runs, compare } => cmd_matrix(out, runs, compare.as_ref()),
        Command::FailedRun { kernel, label, reason } => cmd_failed_run(kernel, label, reason),
        Command::Features { rules: true } => {
            print!("{}", oracle::probe::rules_markdown());
            Ok(0)
        }
        Command::Findings { json, check_repros } => match check_repros {
            Some(dir) => cmd_check_repros(dir),
            None => cmd_findings(*json),
        },
        Command::Claims(a) => cmd_claims(a),
        Command::Features { rules: false } => {
            for f in FEATURES {
                println!("{:<34} {:<6} {}", f.id, f.since, f.reference);
            }
            Ok(0)
        }
    }
}

fn cmd_probe(json: bool) -> anyhow::Result<i32> {
    let session = Session::start(&Options::default()).map_err(anyhow::Error::msg)?;
    let p = &session.probe;
    if json {
        println!("{}", serde_json::to_string_pretty(&p.to_report()).context("the probe as JSON")?);
    } else {
        print!("{}", p.to_table());
    }
    if p.available() {
        Ok(0)
    } else {
        eprintln!("uring-conform: io_uring is unavailable: {}", p.availability_detail);
        Ok(3)
    }
}

fn cmd_list(json: bool, sel: &Selection) -> anyhow::Result<i32> {
    let session = Session::start(&Options::default()).map_err(anyhow::Error::msg)?;
    let trials = session.plan(sel);
    if json {
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
        println!("{}", serde_json::to_string_pretty(&v).context("the list as JSON")?);
        return Ok(0);
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
    Ok(0)
}

/// A run report in which every trial is `error` with `reason`, for a VM
/// that hung or panicked (never a silent gap in the matrix).
fn cmd_failed_run(kernel: &str, label: &str, reason: &str) -> anyhow::Result<i32> {
    let probe = Probe::failed(kernel, reason);
    let results: Vec<oracle::TrialResult> =
        exec::runner::plan(&probe, &Selection::default()).into_iter().map(|t| oracle::TrialResult::of(&t.id, Outcome::Error, reason)).collect();
    let now = SystemTime::now();
    let exps = Expectations::builtin();
    let info = RunInfo {
        label: label.into(),
        started: now,
        finished: now,
        jobs: 0,
        exps: &exps,
        expectations_applied: true,
        mutate: false,
        interrupted: None,
        unfinished: false,
    };
    println!("{}", serde_json::to_string_pretty(&run_report(&probe, &results, &info)).context("the report as JSON")?);
    Ok(0)
}

fn cmd_matrix(out: &Path, files: &[std::path::PathBuf], compare: Option<&(String, String)>) -> anyhow::Result<i32> {
    let runs =
        files.iter().map(|f| reports::load_run(f).map(|r| (reports::file_name(f), r)).map_err(anyhow::Error::msg)).collect::<anyhow::Result<Vec<_>>>()?;
    let m = reports::matrix::Matrix::build(&runs);
    if let Some((a, b)) = compare {
        let (a, b) = (m.column_named(a).map_err(anyhow::Error::msg)?, m.column_named(b).map_err(anyhow::Error::msg)?);
        print!("{}", m.compare(a, b));
        return Ok(0);
    }
    // The page links each kernel to its report in runs/ beside it: two
    // reports of one name would make one link lie.
    let mut names = std::collections::BTreeMap::new();
    for (f, (name, _)) in files.iter().zip(&runs) {
        if let Some(other) = names.insert(name.clone(), f) {
            anyhow::bail!("{} and {} have the same file name: the page links each kernel to runs/<file name>; rename one", other.display(), f.display());
        }
    }
    std::fs::create_dir_all(out.join("runs")).with_context(|| format!("cannot create {}", out.join("runs").display()))?;
    for (f, (name, _)) in files.iter().zip(&runs) {
        let to = out.join("runs").join(name);
        let same = std::fs::canonicalize(&to).ok().zip(std::fs::canonicalize(f).ok()).is_some_and(|(a, b)| a == b);
        if !same {
            std::fs::copy(f, &to).with_context(|| format!("cannot copy {} to {}", f.display(), to.display()))?;
        }
    }
    eprintln!("uring-conform: the run reports are in {}", out.join("runs").display());
    let data = reports::dataset::Dataset::build(&m).to_json();
    for (name, text) in [("matrix.md", m.markdown()), ("matrix.html", m.html()), ("matrix.csv", m.csv()), ("matrix.json", data)] {
        let p = out.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
        eprintln!("uring-conform: wrote {}", p.display());
    }
    Ok(0)
}

/// `uring-conform findings --check-repros DIR`: runs every reproducer
/// built into DIR (ci/repro-vm.sh puts static builds in a VM's initramfs)
/// and compares its verdict with the suite's expectation for the running
/// kernel, as tests/findings.rs does on the host. One line per run:
/// `repro NAME ARGS: GOOD|BAD ... (suite: Good|Bad|Either) agree|DISAGREE`
/// (`n/a` for one that cannot run where the suite expects no deviation).
/// Exit 0 when every one agrees, 1 otherwise.
fn cmd_check_repros(dir: &std::path::Path) -> anyhow::Result<i32> {
    use oracle::findings::{expected_verdict, repro_stem, run_repro, RunOutcome, Verdict, FINDINGS};
    let exps = oracle::expectations::Expectations::builtin();
    let read = |f: &str| std::fs::read_to_string(f).map(|s| s.trim().to_string()).with_context(|| format!("cannot read {f}"));
    let release = oracle::expectations::effective_release(&read("/proc/sys/kernel/osrelease")?, &read("/proc/sys/kernel/version")?);
    println!("repro kernel {release}");
    let mut bad = 0;
    for f in FINDINGS {
        for r in f.repros {
            let want = expected_verdict(&exps, r, &release);
            let name = format!("{} {}", repro_stem(r), r.args.join(" "));
            match run_repro(&dir.join(repro_stem(r)), r.args, std::time::Duration::from_secs(120)) {
                Ok(RunOutcome::Said(said, line)) => {
                    let agree = want == Verdict::Either || want == said;
                    bad += usize::from(!agree);
                    println!("repro {}: {line} (suite: {want:?}) {}", name.trim(), if agree { "agree" } else { "DISAGREE" });
                }
                // Where no entry applies, a kernel without what the
                // reproducer needs is no disagreement (the suite's trial
                // skips there too); where the suite expects the
                // deviation, it is.
                Ok(RunOutcome::CannotRun(why)) if want == Verdict::Good => {
                    println!("repro {}: could not run here (exit 2: {why}) (suite: {want:?}) n/a", name.trim());
                }
                Ok(RunOutcome::CannotRun(why)) => {
                    bad += 1;
                    println!("repro {}: could not run here (exit 2: {why}) (suite: {want:?}) ERROR", name.trim());
                }
                Err(e) => {
                    bad += 1;
                    println!("repro {}: {e} (suite: {want:?}) ERROR", name.trim());
                }
            }
        }
    }
    Ok(i32::from(bad > 0))
}

/// `uring-conform findings`: the short list for a kernel developer.
fn cmd_findings(json: bool) -> anyhow::Result<i32> {
    use oracle::findings::{kernels_of, repro_lines, upstream_of, FINDINGS};
    let exps = oracle::expectations::Expectations::builtin();
    if json {
        let v: Vec<serde_json::Value> = FINDINGS
            .iter()
            .map(|f| {
                serde_json::json!({
                    "name": f.name,
                    "title": f.title,
                    "doc": f.doc(),
                    "kernels": kernels_of(&exps, f),
                    "upstream": upstream_of(&exps, f),
                    "trials": f.entries.iter().map(|(t, _)| *t).collect::<std::collections::BTreeSet<_>>(),
                    "repro": repro_lines(f),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    for f in FINDINGS {
        println!("{}: {}", f.name, f.title);
        println!("    kernels:  {}", kernels_of(&exps, f).join("; "));
        println!("    upstream: {}", upstream_of(&exps, f));
        println!("    report:   {}", f.doc());
        let repro = repro_lines(f);
        if repro.is_empty() {
            println!("    repro:    none standalone (needs the patched kernel; the suite's trials show it)");
        }
        for r in repro {
            println!("    repro:    {r}");
        }
    }
    Ok(0)
}

fn cmd_claims(a: &cli::ClaimsArgs) -> anyhow::Result<i32> {
    use oracle::claims::{name_cases, problems, Inventory, Status, UapiList};
    let inv = Inventory::builtin();
    let uapi = UapiList::builtin();
    let cases = oracle::case::all_cases();
    let problems = problems(&inv, &uapi, &cases, &Expectations::builtin());
    let page_ok = |p: &str| a.page.as_deref().is_none_or(|want| p.contains(want));
    let claims: Vec<_> = inv.claim.iter().filter(|c| page_ok(&c.page)).collect();
    if a.json {
        let coverage: serde_json::Map<String, serde_json::Value> = inv
            .pages()
            .into_iter()
            .filter(|p| page_ok(p))
            .map(|p| {
                let counts: serde_json::Map<String, serde_json::Value> =
                    Status::ALL.iter().map(|s| (s.name().to_string(), claims.iter().filter(|c| c.page == p && c.status == *s).count().into())).collect();
                (p.to_string(), counts.into())
            })
            .collect();
        let totals: serde_json::Map<String, serde_json::Value> =
            Status::ALL.iter().map(|s| (s.name().to_string(), claims.iter().filter(|c| c.status == *s).count().into())).collect();
        let names: Vec<_> = uapi
            .name
            .iter()
            .map(|n| serde_json::json!({"name": n.name, "kind": n.kind, "feature": n.feature, "cases": name_cases(n, &cases), "status": n.status, "reason": n.reason}))
            .collect();
        let v = serde_json::json!({
            "source": inv.source, "totals": totals, "pages": coverage, "claims": claims, "uapi": names, "problems": problems,
        });
        println!("{}", serde_json::to_string_pretty(&v).context("the claims as JSON")?);
        return Ok(if problems.is_empty() { 0 } else { 2 });
    }
    println!("claims of liburing's man pages at {} ({})\n", &inv.source.liburing[..12], inv.source.liburing_date);
    let head: Vec<&str> = Status::ALL.iter().map(|s| s.name()).collect();
    println!("{:<40} {:>6} {:>8} {:>8} {:>9} {:>6} {:>6}", "page", "claims", head[0], head[1], head[2], head[3], head[4]);
    let row = |name: &str, cs: &[&oracle::claims::Claim]| {
        let n = |s: Status| cs.iter().filter(|c| c.status == s).count();
        println!(
            "{:<40} {:>6} {:>8} {:>8} {:>9} {:>6} {:>6}",
            name,
            cs.len(),
            n(Status::Covered),
            n(Status::Erratum),
            n(Status::Deviation),
            n(Status::Needs),
            n(Status::Open)
        );
    };
    for p in inv.pages().into_iter().filter(|p| page_ok(p)) {
        let cs: Vec<_> = claims.iter().copied().filter(|c| c.page == p).collect();
        row(p, &cs);
    }
    row("all", &claims);
    let covered = claims.iter().filter(|c| c.status != Status::Open).count();
    println!(
        "\n{} of {} claims have a case or a recorded reason ({} covered by a case)",
        covered,
        claims.len(),
        claims.iter().filter(|c| c.status == Status::Covered).count()
    );
    for s in &a.list {
        let listed: Vec<_> = claims.iter().filter(|c| c.status == *s).collect();
        println!("\n{} ({}):", s.name(), listed.len());
        for c in listed {
            println!("  {}  [{} {}]\n      {}", c.id, c.page, c.section, c.says);
            if !c.cases.is_empty() {
                println!("      cases: {}", c.cases.join(", "));
            }
            if let Some(l) = c.erratum.as_ref().or(c.deviation.as_ref()) {
                println!("      record: {l}");
            }
            if let Some(r) = &c.reason {
                println!("      {r}");
            }
        }
    }
    let unexercised = uapi.name.iter().filter(|n| n.status.is_some()).count();
    println!("\nuapi names: {} ({} exercised by a case, {} with a status)", uapi.name.len(), uapi.name.len() - unexercised, unexercised);
    if a.uapi {
        for n in &uapi.name {
            let used = name_cases(n, &cases);
            let what = match n.status {
                Some(s) => format!("{}: {}", format!("{s:?}").to_lowercase(), n.reason.as_deref().unwrap_or("")),
                None => format!("{} case(s): {}", used.len(), used.iter().take(3).copied().collect::<Vec<_>>().join(", ")),
            };
            println!("  {:<38} {:<16} {:<32} {}", n.name, n.kind, n.feature.as_deref().unwrap_or("-"), what);
        }
    }
    if !problems.is_empty() {
        eprintln!("\nuring-conform: the inventory and the cases disagree:");
        for p in &problems {
            eprintln!("  {p}");
        }
        return Ok(2);
    }
    Ok(0)
}
