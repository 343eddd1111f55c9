//! The command line, parsed with lexopt into one typed [`Command`]: every
//! option is checked here (values, names of areas, features and variants),
//! so the commands never see a bad argument and nothing below `main` exits.

use exec::runner::Selection;
use lexopt::prelude::*;
use oracle::features::Feature;
use oracle::Variant;
use std::ffi::OsString;
use std::path::PathBuf;

/// A mistake on the command line: exit 2 with this text and a pointer to
/// `--help`.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> UsageError {
        UsageError(e.to_string())
    }
}

fn usage<T>(msg: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(msg.into()))
}

/// What the command line asks for; `Help(Some(c))` is command c's own
/// help, `Help(None)` the global one.
pub enum Command {
    Help(Option<String>),
    Version,
    Probe {
        json: bool,
    },
    List {
        json: bool,
        sel: Selection,
    },
    Run(RunArgs),
    Diff {
        old: PathBuf,
        new: PathBuf,
    },
    Matrix {
        out: PathBuf,
        runs: Vec<PathBuf>,
        /// `--compare A B`: print what B has that A lacks, and the
        /// reverse, and what deviates on either; write nothing.
        compare: Option<(String, String)>,
    },
    FailedRun {
        kernel: String,
        label: String,
        reason: String,
    },
    Features {
        rules: bool,
    },
    /// `findings [--json] [--check-repros DIR]`.
    Findings {
        json: bool,
        /// Run the reproducers built into DIR (one executable per source,
        /// named by its stem) and compare each verdict with the suite's.
        check_repros: Option<PathBuf>,
    },
    Claims(ClaimsArgs),
}

/// `claims`: coverage of the documented contract.
pub struct ClaimsArgs {
    pub json: bool,
    /// List the claims of these statuses (default: open).
    pub list: Vec<oracle::claims::Status>,
    /// Only claims of pages containing this text.
    pub page: Option<String>,
    pub uapi: bool,
}

pub struct RunArgs {
    pub sel: Selection,
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub ktap: bool,
    pub strict: bool,
    pub jobs: Option<usize>,
    pub kmsg: bool,
    pub label: Option<String>,
    pub timeout_scale: oracle::timing::Scale,
    pub quiet: bool,
    pub mutate: bool,
    pub phases: bool,
    pub no_expectations: bool,
    pub executor: exec::runner::Executor,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let args: Vec<OsString> = args.into_iter().collect();
    let mut p = lexopt::Parser::from_iter(std::iter::once(OsString::from("uring-conform")).chain(args.iter().cloned()));
    let cmd = match p.next()? {
        None => return usage("no command given"),
        Some(Long("help") | Short('h')) => return Ok(Command::Help(None)),
        Some(Long("version") | Short('V')) => return Ok(Command::Version),
        Some(Value(v)) => v.string()?,
        Some(other) => return Err(other.unexpected().into()),
    };
    // `COMMAND ... --help` anywhere asks for that command's help, whatever
    // else is there (even a mistake: the help says how to fix it).
    if crate::help::is_command(&cmd) && args[1..].iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help(Some(cmd)));
    }
    match cmd.as_str() {
        "help" => parse_help(&mut p),
        "probe" => parse_probe(&mut p),
        "list" => parse_list(&mut p),
        "run" => parse_run(&mut p).map(Command::Run),
        "diff" => parse_diff(&mut p),
        "matrix" => parse_matrix(&mut p),
        "failed-run" => parse_failed_run(&mut p),
        "features" => parse_features(&mut p),
        "findings" => parse_findings(&mut p),
        "claims" => parse_claims(&mut p),
        other => usage(format!("unknown command {other:?}")),
    }
}

/// An option's value; one that looks like an option is a forgotten value
/// (`--json --ktap` would otherwise write a file named --ktap).
fn value(p: &mut lexopt::Parser, name: &str) -> Result<OsString, UsageError> {
    let v = p.value()?;
    if v.to_str().is_some_and(|s| s.starts_with("--")) {
        return usage(format!("{name} needs a value, got the option {}", v.to_string_lossy()));
    }
    Ok(v)
}

fn string(p: &mut lexopt::Parser, name: &str) -> Result<String, UsageError> {
    value(p, name)?.into_string().or_else(|v| usage(format!("{name}: {:?} is not valid UTF-8", v)))
}

/// An output file: a selection word in its place (`--json nop/`) is refused
/// rather than taken as the file name.
fn output(p: &mut lexopt::Parser, name: &str) -> Result<PathBuf, UsageError> {
    let v = value(p, name)?;
    let s = v.to_string_lossy();
    if s.ends_with('/') || s.contains(['*', '?', '[']) {
        return usage(format!("{name} takes a file name; {s:?} looks like a selection (write: {name} FILE {s})"));
    }
    Ok(PathBuf::from(v))
}

fn select_area(p: &mut lexopt::Parser, sel: &mut Selection) -> Result<(), UsageError> {
    let area = string(p, "--area")?;
    let known = exec::runner::areas();
    if !known.contains(&area.as_str()) {
        return usage(format!("unknown area {area:?} (one of {})", known.join(", ")));
    }
    sel.areas.push(area);
    Ok(())
}

fn select_feature(p: &mut lexopt::Parser, sel: &mut Selection) -> Result<(), UsageError> {
    let f = string(p, "--feature")?;
    sel.features.push(Feature::from_id(&f).ok_or_else(|| UsageError(format!("unknown feature {f:?} (see 'uring-conform features')")))?);
    Ok(())
}

fn select_variant(p: &mut lexopt::Parser, sel: &mut Selection) -> Result<(), UsageError> {
    let v = string(p, "--variant")?;
    let names: Vec<&str> = Variant::EVERY.iter().map(|v| v.name()).collect();
    sel.variants.push(Variant::from_name(&v).ok_or_else(|| UsageError(format!("unknown variant {v:?} (one of {})", names.join(", "))))?);
    Ok(())
}

/// A selection word (area/, glob or substring).
fn select_word(w: OsString, sel: &mut Selection) -> Result<(), UsageError> {
    sel.filters.push(w.into_string().or_else(|w| usage(format!("{w:?} is not valid UTF-8")))?);
    Ok(())
}

fn unknown(arg: lexopt::Arg, command: &str) -> UsageError {
    match arg {
        Value(v) => UsageError(format!("'{command}' takes no argument {:?}", v.to_string_lossy())),
        other => UsageError(format!("{} for '{command}'", other.unexpected())),
    }
}

/// A selection that picks nothing is a mistake (a typo in a CI job's
/// selection must not pass as a smaller run): refused here, before any
/// environment is prepared or the kernel probed, naming each word that
/// matches no trial.
fn check_selection(sel: &Selection) -> Result<(), UsageError> {
    let unmatched = sel.unmatched_filters();
    if !unmatched.is_empty() {
        let words: Vec<String> = unmatched.iter().map(|w| format!("{w:?}")).collect();
        let verb = if words.len() == 1 { "matches" } else { "match" };
        return usage(format!("{} {verb} no trial (see 'uring-conform list'; quote globs)", words.join(", ")));
    }
    if !sel.selects_any() {
        return usage("the selection matches no trial: each word matches some, but not together with the --area, --feature and --variant given (see 'uring-conform list')");
    }
    Ok(())
}

/// `help [COMMAND]`.
fn parse_help(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    match p.next()? {
        None | Some(Long("help") | Short('h')) => Ok(Command::Help(None)),
        Some(Value(v)) => {
            let name = v.string()?;
            if !crate::help::is_command(&name) {
                return usage(format!("unknown command {name:?}"));
            }
            match p.next()? {
                None => Ok(Command::Help(Some(name))),
                Some(other) => Err(unknown(other, "help")),
            }
        }
        Some(other) => Err(unknown(other, "help")),
    }
}

fn parse_probe(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut json = false;
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => json = true,
            other => return Err(unknown(other, "probe")),
        }
    }
    Ok(Command::Probe { json })
}

fn parse_list(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let (mut json, mut sel) = (false, Selection::default());
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => json = true,
            Long("area") => select_area(p, &mut sel)?,
            Long("feature") => select_feature(p, &mut sel)?,
            Long("variant") => select_variant(p, &mut sel)?,
            Value(w) => select_word(w, &mut sel)?,
            other => return Err(unknown(other, "list")),
        }
    }
    check_selection(&sel)?;
    Ok(Command::List { json, sel })
}

fn parse_run(p: &mut lexopt::Parser) -> Result<RunArgs, UsageError> {
    let mut a = RunArgs {
        sel: Selection::default(),
        json: None,
        junit: None,
        ktap: false,
        strict: false,
        jobs: None,
        kmsg: false,
        label: None,
        timeout_scale: oracle::timing::Scale::ONE,
        quiet: false,
        mutate: false,
        phases: false,
        no_expectations: false,
        executor: exec::runner::Executor::default(),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => a.json = Some(output(p, "--json")?),
            Long("junit") => a.junit = Some(output(p, "--junit")?),
            Long("ktap") => a.ktap = true,
            Long("strict") => a.strict = true,
            Long("mutate") => a.mutate = true,
            Long("phases") => a.phases = true,
            Long("executor") => {
                let x = string(p, "--executor")?;
                a.executor = exec::runner::Executor::from_name(&x).ok_or_else(|| UsageError(format!("--executor takes fork or exec, not {x:?}")))?;
            }
            Long("no-expectations") => a.no_expectations = true,
            Long("kmsg") => a.kmsg = true,
            Long("quiet") | Short('q') => a.quiet = true,
            Long("label") => a.label = Some(string(p, "--label")?),
            Long("jobs") | Short('j') => {
                let n = string(p, "--jobs")?;
                a.jobs = Some(n.parse().ok().filter(|n| *n > 0).ok_or_else(|| UsageError(format!("--jobs takes a positive number, not {n:?}")))?);
            }
            Long("timeout-scale") => {
                let x = string(p, "--timeout-scale")?;
                a.timeout_scale = oracle::timing::Scale::parse(&x).map_err(|e| UsageError(format!("--timeout-scale: {e}")))?;
            }
            Long("area") => select_area(p, &mut a.sel)?,
            Long("feature") => select_feature(p, &mut a.sel)?,
            Long("variant") => select_variant(p, &mut a.sel)?,
            Value(w) => select_word(w, &mut a.sel)?,
            other => return Err(unknown(other, "run")),
        }
    }
    check_selection(&a.sel)?;
    Ok(a)
}

fn parse_diff(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut files = Vec::new();
    while let Some(arg) = p.next()? {
        match arg {
            Value(v) => files.push(PathBuf::from(v)),
            other => return Err(unknown(other, "diff")),
        }
    }
    match <[PathBuf; 2]>::try_from(files) {
        Ok([old, new]) => Ok(Command::Diff { old, new }),
        Err(_) => usage("diff takes two run reports: OLD.json NEW.json"),
    }
}

fn parse_matrix(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let (mut out, mut runs, mut compare) = (None, Vec::new(), None);
    while let Some(arg) = p.next()? {
        match arg {
            Long("out") => out = Some(PathBuf::from(value(p, "--out")?)),
            Long("compare") => {
                let a = string(p, "--compare")?;
                let b = match p.next()? {
                    Some(Value(v)) => v.into_string().map_err(|v| UsageError(format!("--compare: not UTF-8: {}", v.to_string_lossy())))?,
                    _ => return usage("--compare takes two kernels: --compare A B (a column heading such as 6.1, or a release)"),
                };
                compare = Some((a, b));
            }
            Value(v) => runs.push(PathBuf::from(v)),
            other => return Err(unknown(other, "matrix")),
        }
    }
    if runs.is_empty() {
        return usage("matrix takes run reports (reports/runs/*.json)");
    }
    if compare.is_some() && out.is_some() {
        return usage("matrix --compare prints a comparison and writes nothing: leave out --out");
    }
    Ok(Command::Matrix { out: out.unwrap_or_else(|| PathBuf::from("reports")), runs, compare })
}

fn parse_failed_run(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let (mut kernel, mut label, mut reason) = (None, None, None);
    while let Some(arg) = p.next()? {
        match arg {
            Long("kernel") => kernel = Some(string(p, "--kernel")?),
            Long("label") => label = Some(string(p, "--label")?),
            Long("reason") => reason = Some(string(p, "--reason")?),
            other => return Err(unknown(other, "failed-run")),
        }
    }
    let need = |v: Option<String>, name: &str| v.ok_or_else(|| UsageError(format!("failed-run needs {name}")));
    Ok(Command::FailedRun { kernel: need(kernel, "--kernel")?, label: need(label, "--label")?, reason: need(reason, "--reason")? })
}

fn parse_features(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut rules = false;
    while let Some(arg) = p.next()? {
        match arg {
            Long("rules") => rules = true,
            other => return Err(unknown(other, "features")),
        }
    }
    Ok(Command::Features { rules })
}

fn parse_findings(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut json = false;
    let mut check_repros = None;
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => json = true,
            Long("check-repros") => check_repros = Some(PathBuf::from(string(p, "--check-repros")?)),
            other => return Err(unknown(other, "findings")),
        }
    }
    if json && check_repros.is_some() {
        return Err(UsageError("findings: --json and --check-repros do not go together".into()));
    }
    Ok(Command::Findings { json, check_repros })
}

fn parse_claims(p: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut a = ClaimsArgs { json: false, list: Vec::new(), page: None, uapi: false };
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => a.json = true,
            Long("uapi") => a.uapi = true,
            Long("page") => a.page = Some(string(p, "--page")?),
            Long("list") => {
                let s = string(p, "--list")?;
                for w in s.split(',') {
                    if w == "all" {
                        a.list.extend(oracle::claims::Status::ALL);
                        continue;
                    }
                    let names: Vec<&str> = oracle::claims::Status::ALL.iter().map(|s| s.name()).collect();
                    a.list.push(
                        oracle::claims::Status::from_name(w)
                            .ok_or_else(|| UsageError(format!("unknown status {w:?} (one of {}, or all)", names.join(", "))))?,
                    );
                }
            }
            other => return Err(unknown(other, "claims")),
        }
    }
    if a.list.is_empty() {
        a.list.push(oracle::claims::Status::Open);
    }
    Ok(Command::Claims(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn parse_words(w: &[&str]) -> Result<Command, UsageError> {
        parse(w.iter().map(OsString::from))
    }
    #[test]
    fn run_options_take_both_spellings() {
        let Ok(Command::Run(a)) = parse_words(&["run", "--jobs=4", "-j", "3", "--json", "r.json", "nop/"]) else { panic!("not a run") };
        assert_eq!(a.jobs, Some(3));
        assert_eq!(a.json.as_deref(), Some(std::path::Path::new("r.json")));
        assert_eq!(a.sel.filters, vec!["nop/"]);
    }
    #[test]
    fn a_selection_is_not_taken_as_the_report_file() {
        let e = parse_words(&["run", "--json", "nop/"]).err().expect("refused");
        assert!(e.0.contains("looks like a selection"), "{e}");
        assert!(parse_words(&["run", "--json", "--ktap"]).is_err());
    }
    #[test]
    fn non_utf8_words_are_usage_errors() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'n', 0xff]);
        assert!(parse(vec![OsString::from("run"), bad.clone()]).is_err());
        assert!(parse(vec![OsString::from("run"), OsString::from("--label"), bad]).is_err());
    }
    #[test]
    fn options_belong_to_their_command() {
        assert!(parse_words(&["probe", "--jobs", "2"]).is_err());
        assert!(parse_words(&["features", "--rules"]).is_ok());
        assert!(parse_words(&["diff", "a.json"]).is_err());
        assert!(parse_words(&["claims", "--jobs", "2"]).is_err());
    }
    #[test]
    fn claims_lists_open_by_default_and_checks_statuses() {
        let Ok(Command::Claims(a)) = parse_words(&["claims"]) else { panic!("not claims") };
        assert_eq!(a.list, vec![oracle::claims::Status::Open]);
        let Ok(Command::Claims(a)) = parse_words(&["claims", "--list", "needs,erratum", "--json"]) else { panic!("not claims") };
        assert_eq!(a.list, vec![oracle::claims::Status::Needs, oracle::claims::Status::Erratum]);
        assert!(a.json);
        assert!(parse_words(&["claims", "--list", "bogus"]).is_err());
    }
}
