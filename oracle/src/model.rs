//! The run report and the child protocols as types: the one definition
//! the writer (`exec::report::run_report`, the layer above), the readers (`reports::load_run`:
//! diff, matrix, the failed-run report) and the tests share.
//!
//! `docs/run-report.schema.json` is generated from these types
//! ([`json_schema`]); a test keeps the committed file current
//! (`URING_CONFORM_UPDATE_DOCS=1 cargo test` rewrites it). Fields added
//! after the first reports were written carry `#[serde(default)]`, so every
//! `uring-conform/run/1` report ever committed still loads.

use crate::outcome::{Outcome, TrialResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report format's name; a change to any field below bumps it.
pub const SCHEMA: &str = "uring-conform/run/1";

/// One `uring-conform run --json` report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunReport {
    /// Always "uring-conform/run/1".
    #[schemars(schema_with = "schema_name")]
    pub schema: String,
    pub suite: Suite,
    /// The running kernel, from uname(2).
    pub kernel: KernelInfo,
    pub machine: Machine,
    /// Effective uid of the run.
    pub uid: u32,
    /// Parallel trial processes.
    pub jobs: usize,
    /// RFC 3339, UTC.
    pub started: String,
    /// RFC 3339, UTC.
    pub finished: String,
    pub probe: ProbeReport,
    /// One per trial, in plan order.
    pub results: Vec<TrialResult>,
    pub summary: Summary,
    /// Documentation errata (`expectations/doc-errata.toml`) whose trials
    /// ran and passed, asserting the kernel; kept apart from kernel
    /// deviations. Absent in reports older than errata.
    #[serde(default)]
    pub errata: Vec<ErratumRan>,
    /// The recorded deviations this run's xfail trials matched, each with
    /// its upstream status and where this kernel stands against it
    /// (lacking the upstream fix, or upstream behaving so). Absent in
    /// reports older than upstream statuses.
    #[serde(default)]
    pub deviations: Vec<DeviationSeen>,
    /// Whether the recorded deviations were applied.
    #[serde(default)]
    pub expectations: ExpectationsMode,
    /// Present only in a `run --mutate` report: outcomes are the unmutated
    /// runs', and each trial that passed or xfailed so carries its
    /// `mutation` result. (Reports written before `mutation` existed used
    /// `fail` for "every perturbation noticed" and `pass` for "one was
    /// not"; they load as they are.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Present only when a signal stopped the run: its name (`SIGINT`,
    /// `SIGTERM`, `SIGHUP`); `results` are the trials that finished first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Present (true) only in a report written while the run was still
    /// going (`run --json` rewrites it every 2 s): `results` are the trials
    /// finished so far. A run killed with SIGKILL or by the OOM killer
    /// leaves this; a run that ends, however, replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unfinished: bool,
}

impl RunReport {
    /// A report of `results` on kernel `release`, everything else empty or
    /// zero (io_uring available, every feature unknown): for tests and
    /// synthesised reports.
    pub fn minimal(release: &str, results: Vec<TrialResult>) -> RunReport {
        let kernel = KernelInfo { release: release.into(), version: String::new(), machine: "x86_64".into() };
        RunReport {
            schema: SCHEMA.into(),
            suite: Suite { name: "uring-conform".into(), version: String::new(), commit: String::new() },
            kernel: kernel.clone(),
            machine: Machine { label: String::new(), arch: "x86_64".into(), cpus: 1, virtualization: Virtualization::None },
            uid: 0,
            jobs: 1,
            started: String::new(),
            finished: String::new(),
            probe: ProbeReport {
                kernel,
                availability: Availability::Ok,
                availability_detail: String::new(),
                features: BTreeMap::new(),
                broken: BTreeMap::new(),
                undetermined: BTreeMap::new(),
                contradictions: vec![],
                params: None,
                notes: BTreeMap::new(),
            },
            summary: Summary::of(&results),
            results,
            errata: vec![],
            deviations: vec![],
            expectations: ExpectationsMode::Builtin,
            mode: None,
            interrupted: None,
            unfinished: false,
        }
    }

    /// Whether the report agrees with itself: each trial ID once, and the
    /// summary counting exactly the results. The writer always makes such
    /// a report; a reader (diff, matrix) refuses any other, since either
    /// way it would show something the run did not say (a map keeps one
    /// of two results for an ID; CI may read the summary, a reader the
    /// results).
    pub fn check_consistent(&self) -> Result<(), String> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &self.results {
            *seen.entry(&t.id).or_default() += 1;
        }
        if let Some((id, n)) = seen.iter().find(|(_, n)| **n > 1) {
            return Err(format!("trial {id} appears {n} times in the results"));
        }
        let counted = Summary::of(&self.results);
        if self.summary != counted {
            let (said, found): (Vec<String>, Vec<String>) = Outcome::ALL
                .iter()
                .filter(|o| self.summary.count(**o) != counted.count(**o))
                .map(|o| (format!("{} {}", self.summary.count(*o), o.word()), format!("{} {}", counted.count(*o), o.word())))
                .unzip();
            return Err(format!("the summary ({}) contradicts the results ({})", said.join(", "), found.join(", ")));
        }
        Ok(())
    }
}

fn schema_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "const": SCHEMA })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    /// The crate version.
    pub version: String,
    /// The suite's git commit at build time ("-dirty" when tracked files
    /// differed; "unknown" outside a checkout).
    pub commit: String,
}

/// uname(2)'s release, version and machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KernelInfo {
    pub release: String,
    pub version: String,
    pub machine: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// `--label`, else the hostname.
    pub label: String,
    pub arch: String,
    /// CPUs in the run's affinity mask.
    pub cpus: usize,
    pub virtualization: Virtualization,
}

/// Where the run happened (a hypervisor flag in /proc/cpuinfo; /.dockerenv
/// or `$container`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Virtualization {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "vm")]
    Vm,
    #[serde(rename = "container")]
    Container,
    #[serde(rename = "vm+container")]
    VmContainer,
}

/// Count per outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub timeout: usize,
    pub crash: usize,
    pub error: usize,
    pub xfail: usize,
    pub xpass: usize,
}

impl Summary {
    pub fn of(results: &[TrialResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            *s.count_mut(r.outcome) += 1;
        }
        s
    }
    fn count_mut(&mut self, o: Outcome) -> &mut usize {
        match o {
            Outcome::Pass => &mut self.pass,
            Outcome::Fail => &mut self.fail,
            Outcome::Skip => &mut self.skip,
            Outcome::Timeout => &mut self.timeout,
            Outcome::Crash => &mut self.crash,
            Outcome::Error => &mut self.error,
            Outcome::Xfail => &mut self.xfail,
            Outcome::Xpass => &mut self.xpass,
        }
    }
    /// The count of one outcome (through `count_mut` on a copy, so which
    /// field holds which outcome is said in one place).
    pub fn count(&self, o: Outcome) -> usize {
        let mut s = self.clone();
        *s.count_mut(o)
    }
    /// Every failure outcome together (xpass included).
    pub fn failed(&self) -> usize {
        Outcome::ALL.iter().filter(|o| o.is_failure()).map(|o| self.count(*o)).sum()
    }
}

/// A documentation erratum and the trials of this run that asserted it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErratumRan {
    #[serde(flatten)]
    pub erratum: crate::expectations::Erratum,
    /// The trial IDs that passed, asserting the kernel.
    pub ran: Vec<String>,
}

/// A recorded deviation (`expectations/known-failures.toml`) that trials
/// of this run matched (xfail).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationSeen {
    /// The entry's ID (what each xfail result's `deviation` names). Empty
    /// in reports written before entries had IDs.
    #[serde(default)]
    pub id: String,
    /// The entry's trial glob and kernel range.
    pub trial: String,
    pub kernels: String,
    pub reason: String,
    /// The xfail trial IDs of this run.
    pub ran: Vec<String>,
    /// The entry is intermittent (a race): `ran` counts how often it fired
    /// in this run, which the summary and the matrix show.
    #[serde(default)]
    pub intermittent: bool,
    pub upstream: crate::expectations::Upstream,
    /// This kernel against the upstream status: `lacks-fix` (older than
    /// the fixing release), `has-fix` (at or past it by version) or
    /// `upstream-same` (no fix upstream).
    pub standing: crate::expectations::KernelStanding,
    /// The same in words: "lacks upstream fix 9cc6bac1bebf (fixed upstream
    /// in 7.1 (9cc6bac1bebf))", "upstream behaves so (...)".
    pub status: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExpectationsMode {
    /// The recorded deviations and errata were applied.
    #[default]
    Builtin,
    /// `run --no-expectations`: every recorded deviation is a plain fail.
    None,
}

impl ExpectationsMode {
    pub fn word(self) -> &'static str {
        match self {
            ExpectationsMode::Builtin => "builtin",
            ExpectationsMode::None => "none",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Mutate,
}

/// What the probe found (`uring-conform probe --json`; the rules:
/// docs/detection-rules.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeReport {
    pub kernel: KernelInfo,
    pub availability: Availability,
    /// Why, when not `ok`.
    #[serde(default)]
    pub availability_detail: String,
    /// Every vocabulary ID: whether trials needing it run (true for
    /// present and for broken features).
    pub features: BTreeMap<String, bool>,
    /// Features the kernel takes but that do not behave as documented, with
    /// the evidence: their trials run and `probe/<id>` fails. Absent in
    /// reports from before the probe could tell.
    #[serde(default)]
    pub broken: BTreeMap<String, String>,
    /// Features the environment kept the probe from telling, with why:
    /// their trials skip naming it.
    #[serde(default)]
    pub undetermined: BTreeMap<String, String>,
    /// Declarations contradicted by behaviour, each naming both sides.
    #[serde(default)]
    pub contradictions: Vec<String>,
    /// The default ring's params and offsets (null when no ring could be
    /// set up).
    pub params: Option<RingParams>,
    /// For each feature not present, what the kernel answered.
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
}

/// Whether io_uring can be used at all, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Ok,
    /// sysctl kernel.io_uring_disabled (1: only io_uring_group, 2: nobody).
    Disabled,
    /// A seccomp filter (or LSM) answered io_uring_setup with ENOSYS/EPERM.
    Blocked,
    /// ENOMEM from io_uring_setup: RLIMIT_MEMLOCK too small (kernels
    /// before 5.12 charge ring memory to it).
    NoMemory,
    /// ENOSYS without a seccomp filter: kernel built without io_uring.
    NotBuilt,
    /// Any other errno.
    Error,
}

impl Availability {
    pub fn word(self) -> &'static str {
        match self {
            Availability::Ok => "ok",
            Availability::Disabled => "disabled",
            Availability::Blocked => "blocked",
            Availability::NoMemory => "no_memory",
            Availability::NotBuilt => "not_built",
            Availability::Error => "error",
        }
    }
}

/// io_uring_params as io_uring_setup(2) returned them for the default ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RingParams {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub features: u32,
    pub flags: u32,
    pub sq_off: SqOffsets,
    pub cq_off: CqOffsets,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub flags: u32,
    pub dropped: u32,
    pub array: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CqOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub overflow: u32,
    pub cqes: u32,
    pub flags: u32,
}

impl From<&crate::sys::io_uring_params> for RingParams {
    fn from(p: &crate::sys::io_uring_params) -> RingParams {
        let (s, c) = (&p.sq_off, &p.cq_off);
        RingParams {
            sq_entries: p.sq_entries,
            cq_entries: p.cq_entries,
            features: p.features,
            flags: p.flags,
            sq_off: SqOffsets {
                head: s.head,
                tail: s.tail,
                ring_mask: s.ring_mask,
                ring_entries: s.ring_entries,
                flags: s.flags,
                dropped: s.dropped,
                array: s.array,
            },
            cq_off: CqOffsets {
                head: c.head,
                tail: c.tail,
                ring_mask: c.ring_mask,
                ring_entries: c.ring_entries,
                overflow: c.overflow,
                cqes: c.cqes,
                flags: c.flags,
            },
        }
    }
}

impl From<&RingParams> for crate::sys::io_uring_params {
    fn from(p: &RingParams) -> crate::sys::io_uring_params {
        let (s, c) = (&p.sq_off, &p.cq_off);
        crate::sys::io_uring_params {
            sq_entries: p.sq_entries,
            cq_entries: p.cq_entries,
            features: p.features,
            flags: p.flags,
            sq_off: crate::sys::io_sqring_offsets {
                head: s.head,
                tail: s.tail,
                ring_mask: s.ring_mask,
                ring_entries: s.ring_entries,
                flags: s.flags,
                dropped: s.dropped,
                array: s.array,
                ..Default::default()
            },
            cq_off: crate::sys::io_cqring_offsets {
                head: c.head,
                tail: c.tail,
                ring_mask: c.ring_mask,
                ring_entries: c.ring_entries,
                overflow: c.overflow,
                cqes: c.cqes,
                flags: c.flags,
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

// ------------------------------------------------------- child protocols

/// The line a trial's child process prints last (after the runner's
/// marker): its verdict, and what the mutation mode counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialLine {
    pub outcome: Outcome,
    pub message: String,
    /// Comparisons the trial made (`run --mutate` perturbs each in turn).
    pub comparisons: usize,
    /// The comparison a mutation run perturbed, when one was.
    pub mutated: Option<String>,
    /// The perturbed comparison already failed unmutated (a recorded
    /// deviation's own check): the kernel has shown that it can fail.
    #[serde(default)]
    pub already_failing: bool,
    /// A timed window was disturbed by the machine (the outcome is then
    /// `error`, and the runner runs the trial again).
    #[serde(default)]
    pub disturbed: bool,
    /// Where the trial process's time went, in a `run --phases`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<crate::phases::Phases>,
}

/// One line of the probe's child process: a step starting (so a crash or
/// hang is charged to it), a step's finding, or the whole probe at the end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeLine {
    Start(String),
    Done { id: String, finding: FindingWord, note: String },
    Probe(Box<ProbeReport>),
}

/// A finding's kind as the probe child sends it (the note travels beside).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingWord {
    Present,
    Absent,
    Broken,
    Undetermined,
}

/// The JSON Schema of [`RunReport`], as committed in
/// docs/run-report.schema.json.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(RunReport);
    schema.insert("$id".into(), SCHEMA.into());
    schema.insert("title".into(), "uring-conform run report".into());
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}
