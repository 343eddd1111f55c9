//! The probe: asks the running kernel what io_uring supports, feature by
//! feature, with a few syscalls each. Only the probe decides skips.
//!
//! Presence comes from what the kernel declares or accepts; conformance
//! from what it does. Each detection ([`detect`]) finds a feature present,
//! absent (refused as unknown, or ignored), broken (taken, but not as
//! documented: its trials run and `probe/<id>` fails) or undetermined
//! (the environment kept it from telling). [`crosscheck`] then compares
//! what the kernel declares with what it did.

use crate::features::{Detect, Feature, FEATURES};
use crate::model::{FindingWord, ProbeReport, RingParams};
use crate::ring::Ring;
use crate::sqe::Sqe;
use crate::sys::*;
use std::time::Duration;

mod collisions;
mod crosscheck;
mod detect;
mod env;
mod lineage;
pub use lineage::contradictions_in as lineage_contradictions;
mod rules;
pub use rules::{rule as detection_rule, rules_markdown};

pub use crate::model::{Availability, KernelInfo};

impl KernelInfo {
    pub fn current() -> KernelInfo {
        let u = rustix::system::uname();
        let s = |f: &std::ffi::CStr| f.to_string_lossy().into_owned();
        KernelInfo { release: s(u.release()), version: s(u.version()), machine: s(u.machine()) }
    }
}

/// What the probe found about one feature (the rules: detect.rs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Declared or accepted, and where behaviour was looked at, it was
    /// the documented one.
    Present,
    /// Refused as unknown (or ignored: the request behaved exactly as
    /// without the flag); what the kernel answered.
    Absent(String),
    /// Taken, but not as documented: the evidence. Counts as present for
    /// requirements (its trials run and fail with the real CQEs), and the
    /// probe trial `probe/<id>` fails with it.
    Broken(String),
    /// The environment kept the probe from telling (a resource limit, a
    /// policy, a fixture): trials that need it skip naming why. Never a
    /// kernel verdict.
    Undetermined(String),
}

impl Finding {
    /// The word in the report and the probe child's protocol.
    pub fn word(&self) -> &'static str {
        match self {
            Finding::Present => "present",
            Finding::Absent(_) => "absent",
            Finding::Broken(_) => "broken",
            Finding::Undetermined(_) => "undetermined",
        }
    }
    /// The kind, as the probe child's protocol sends it.
    pub fn kind(&self) -> FindingWord {
        match self {
            Finding::Present => FindingWord::Present,
            Finding::Absent(_) => FindingWord::Absent,
            Finding::Broken(_) => FindingWord::Broken,
            Finding::Undetermined(_) => FindingWord::Undetermined,
        }
    }
    pub fn from_kind(kind: FindingWord, why: String) -> Finding {
        match kind {
            FindingWord::Present => Finding::Present,
            FindingWord::Broken => Finding::Broken(why),
            FindingWord::Undetermined => Finding::Undetermined(why),
            FindingWord::Absent => Finding::Absent(why),
        }
    }
    /// What the kernel answered ("" when present).
    pub fn why(&self) -> &str {
        match self {
            Finding::Present => "",
            Finding::Absent(w) | Finding::Broken(w) | Finding::Undetermined(w) => w,
        }
    }
    /// The same finding with its text rewritten.
    pub fn map(self, f: impl FnOnce(String) -> String) -> Finding {
        match self {
            Finding::Present => Finding::Present,
            Finding::Absent(w) => Finding::Absent(f(w)),
            Finding::Broken(w) => Finding::Broken(f(w)),
            Finding::Undetermined(w) => Finding::Undetermined(f(w)),
        }
    }
    /// Whether trials needing the feature run: present, or broken (then
    /// they fail on what the kernel does).
    pub fn runs(&self) -> bool {
        matches!(self, Finding::Present | Finding::Broken(_))
    }
}

/// The probe's result.
#[derive(Clone, Debug)]
pub struct Probe {
    pub kernel: KernelInfo,
    pub availability: Availability,
    /// Why io_uring is unavailable (empty when it is available).
    pub availability_detail: String,
    findings: Vec<Finding>,
    /// Declarations the kernel's behaviour contradicts (crosscheck.rs),
    /// each naming both sides; the trial `probe/declarations-agree` fails
    /// with them.
    pub contradictions: Vec<String>,
    /// The params a default ring got (sq/cq entries, features).
    pub params: Option<io_uring_params>,
}

impl Probe {
    /// Whether trials needing `f` run: it is present, or present but broken.
    pub fn has(&self, f: Feature) -> bool {
        self.findings[f as usize].runs()
    }
    pub fn finding(&self, f: Feature) -> &Finding {
        &self.findings[f as usize]
    }
    /// Features from `want` that trials cannot use here (absent or
    /// undetermined).
    pub fn missing(&self, want: &[Feature]) -> Vec<Feature> {
        want.iter().copied().filter(|f| !self.has(*f)).collect()
    }
    /// The features found present but broken, with the evidence.
    pub fn broken(&self) -> Vec<(Feature, &str)> {
        FEATURES
            .iter()
            .filter_map(|f| match &self.findings[f.feature as usize] {
                Finding::Broken(why) => Some((f.feature, why.as_str())),
                _ => None,
            })
            .collect()
    }
    pub fn available(&self) -> bool {
        self.availability == Availability::Ok
    }

    /// A probe that could not look at the kernel's features: with io_uring
    /// available (`Ok`), every feature starts absent ("not probed") for the
    /// steps to overwrite; a kernel built without io_uring lacks every
    /// feature; any other reason (a sysctl, a seccomp filter, the memlock
    /// limit, an error) is the environment's, so every kernel feature is
    /// undetermined with that reason, never absent (a consumer of the JSON
    /// must not record the kernel as lacking what it could not examine).
    /// The environment's own features are detected either way.
    pub fn unavailable(kernel: KernelInfo, a: Availability, detail: String) -> Probe {
        let finding = match a {
            Availability::Ok => Finding::Absent("not probed".into()),
            Availability::NotBuilt => Finding::Absent(detail.clone()),
            _ => Finding::Undetermined(format!("io_uring could not be examined here: {detail}")),
        };
        let mut p =
            Probe { kernel, availability: a, availability_detail: detail, findings: vec![finding; FEATURES.len()], contradictions: vec![], params: None };
        for f in FEATURES {
            if let Detect::Env(e) = f.detect {
                p.findings[f.feature as usize] = if env::detect(e) { Finding::Present } else { Finding::Absent(env::absent_why(e)) };
            }
        }
        p
    }

    /// The probe of a run that never happened (a VM that hung or
    /// panicked): kernel `release`, availability `error` with `why`.
    pub fn failed(release: &str, why: &str) -> Probe {
        let kernel = KernelInfo { release: release.to_string(), version: String::new(), machine: std::env::consts::ARCH.to_string() };
        let mut p = Probe::unavailable(kernel, Availability::Error, why.to_string());
        // Nothing of this machine's environment says anything about it.
        p.findings = vec![Finding::Undetermined(format!("the run never happened: {why}")); FEATURES.len()];
        p
    }

    /// Every step in this process, quietly, and the rules over them.
    pub fn run_here() -> Probe {
        let mut p = Probe::run_in_process(&[], &mut |_| {});
        p.resolve();
        p
    }

    /// Probes the running kernel in this process (tests, and the probe's
    /// own child; the process limits are `exec::executor::probe::run`'s, in the parent
    /// whose children inherit them). `skip` names features whose step is
    /// not run (left absent); `step` is told before and after each step.
    /// The rules over several steps ([`Probe::resolve`]) are left to the
    /// caller, which may add the results of steps run elsewhere first.
    pub fn run_in_process(skip: &[String], step: &mut dyn FnMut(Step<'_>)) -> Probe {
        let kernel = KernelInfo::current();
        let base = match Ring::new(4) {
            Ok(r) => r,
            Err(e) => {
                let (a, detail) = classify_setup_error(e);
                return Probe::unavailable(kernel, a, detail);
            }
        };
        // io_uring_register and io_uring_enter blocked (a seccomp filter
        // or LSM answering EPERM, EACCES or ENOSYS) are a blocked
        // environment, not a kernel without opcodes or features.
        let ops = match probe_ops(&base) {
            Ok(ops) => ops,
            Err(e) if blocked(e) => {
                return Probe::unavailable(
                    kernel,
                    Availability::Blocked,
                    format!("io_uring_register: {e}: a seccomp filter or LSM policy blocks the system call (io_uring_setup works)"),
                )
            }
            Err(_) => vec![],
        };
        let mut base = base;
        if let Err(e) = base.enter_flags(0, 0, 0) {
            if blocked(e) {
                return Probe::unavailable(
                    kernel,
                    Availability::Blocked,
                    format!("io_uring_enter: {e}: a seccomp filter or LSM policy blocks the system call (io_uring_setup works)"),
                );
            }
        }
        let mut p = Probe::unavailable(kernel, Availability::Ok, String::new());
        p.params = Some(base.params);
        for f in FEATURES {
            if skip.iter().any(|s| s == f.id) {
                continue;
            }
            step(Step::Start(f.id));
            let r: Result<(), Finding> = match f.detect {
                Detect::Op(op) => {
                    if !ops.get(op as usize).copied().unwrap_or(false) {
                        Err(Finding::Absent("not in IORING_REGISTER_PROBE".into()))
                    } else {
                        collisions::opcode(op, &ops, &mut base).map_err(Finding::Absent)
                    }
                }
                Detect::Feat(bit) => {
                    if base.params.features & bit != 0 {
                        Ok(())
                    } else {
                        Err(Finding::Absent("bit clear in params.features".into()))
                    }
                }
                Detect::Setup(flag) => detect::setup(flag, base.fd()),
                Detect::Enter(flag) => detect::enter(flag),
                Detect::Sqe(flag) => detect::sqe(&mut base, flag),
                Detect::Register(op) => detect::register(op),
                Detect::OpFlag(of) => detect::opflag(of),
                Detect::Proposal(pr) => detect::proposal(pr, &ops, base.params.features),
                Detect::Env(e) => {
                    if env::detect(e) {
                        Ok(())
                    } else {
                        Err(Finding::Absent(env::absent_why(e)))
                    }
                }
            };
            let found = r.err().unwrap_or(Finding::Present);
            step(Step::Done(f.id, &found));
            p.set(f.id, found);
        }
        p
    }

    /// The rules over several steps' results: collisions first (they
    /// change what a number means), then the declared-vs-behaved checks,
    /// then lineage (a feature older than what the kernel declares cannot
    /// be absent).
    pub fn resolve(&mut self) {
        collisions::resolve(self);
        crosscheck::apply(self);
        lineage::apply(self);
    }

    /// Records one detection's result.
    pub fn set(&mut self, id: &str, found: Finding) {
        if let Some(f) = FEATURES.iter().find(|f| f.id == id) {
            self.findings[f.feature as usize] = found;
        }
    }

    /// The probe's part of the report (`ProbeReport`). `features` says
    /// whether trials needing each feature run (present or broken);
    /// `broken` and `undetermined` name the features so found, with the
    /// evidence; `notes` gives what the kernel answered for every feature
    /// not present.
    pub fn to_report(&self) -> ProbeReport {
        let mut r = ProbeReport {
            kernel: self.kernel.clone(),
            availability: self.availability,
            availability_detail: self.availability_detail.clone(),
            features: Default::default(),
            broken: Default::default(),
            undetermined: Default::default(),
            contradictions: self.contradictions.clone(),
            params: self.params.as_ref().map(RingParams::from),
            notes: Default::default(),
        };
        for f in FEATURES {
            let found = &self.findings[f.feature as usize];
            r.features.insert(f.id.to_string(), found.runs());
            if !found.why().is_empty() {
                r.notes.insert(f.id.to_string(), found.why().to_string());
            }
            match found {
                Finding::Broken(w) => _ = r.broken.insert(f.id.to_string(), w.clone()),
                Finding::Undetermined(w) => _ = r.undetermined.insert(f.id.to_string(), w.clone()),
                _ => {}
            }
        }
        r
    }

    /// Reads back [`Probe::to_report`] (the trial child gets the parent's
    /// probe this way instead of probing again). Reports from before
    /// `broken` existed read as present/absent; a feature the report does
    /// not name is absent.
    pub fn from_report(r: &ProbeReport) -> Probe {
        let mut p = Probe::unavailable(r.kernel.clone(), r.availability, r.availability_detail.clone());
        for f in FEATURES {
            // A report from a suite whose vocabulary did not have the
            // feature yet says nothing about it.
            let Some(&runs) = r.features.get(f.id) else {
                p.findings[f.feature as usize] = Finding::Undetermined("not probed: the report predates this feature of the vocabulary".into());
                continue;
            };
            p.findings[f.feature as usize] = match (runs, r.broken.get(f.id), r.undetermined.get(f.id)) {
                (true, Some(why), _) => Finding::Broken(why.clone()),
                (true, None, _) => Finding::Present,
                (false, _, Some(why)) => Finding::Undetermined(why.clone()),
                (false, _, None) => Finding::Absent(r.notes.get(f.id).cloned().unwrap_or_default()),
            };
        }
        p.contradictions = r.contradictions.clone();
        p.params = r.params.as_ref().map(io_uring_params::from);
        p
    }

    /// A readable table for `uring-conform probe`: a short summary first
    /// (kernel, availability, present/total per class, the absent
    /// features named, every broken feature and contradiction), then every
    /// feature with its note.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        out += &format!("kernel: {} {} ({})\n", self.kernel.release, self.kernel.machine, self.kernel.version);
        out += &format!("io_uring: {}", self.availability.word());
        if !self.availability_detail.is_empty() {
            out += &format!(" ({})", self.availability_detail);
        }
        out += "\n";
        let broken = self.broken();
        if !broken.is_empty() || !self.contradictions.is_empty() {
            out += &format!("\nBROKEN: {} (present, but not as documented; their trials run, probe/<id> fails):\n", broken.len() + self.contradictions.len());
            for (f, why) in &broken {
                out += &format!("  {f}: {why}\n");
            }
            for c in &self.contradictions {
                out += &format!("  declaration contradicted: {c}\n");
            }
        }
        let mut classes: Vec<crate::features::Class> = FEATURES.iter().map(|f| f.feature.class()).collect();
        classes.dedup();
        let width = FEATURES.iter().map(|f| f.id.len()).max().unwrap_or(0);
        out += "\nsummary (present/total per class; absent and undetermined ones named):\n";
        let named = |ids: Vec<&str>, word: &str| -> String {
            match ids.len() {
                0 => String::new(),
                n if n > 8 => format!("{word}: {} and {} more", ids[..8].join(", "), n - 8),
                _ => format!("{word}: {}", ids.join(", ")),
            }
        };
        for c in &classes {
            let of: Vec<_> = FEATURES.iter().filter(|f| f.feature.class() == *c).collect();
            let absent: Vec<&str> = of.iter().filter(|f| matches!(self.finding(f.feature), Finding::Absent(_))).map(|f| f.id).collect();
            let unknown: Vec<&str> = of.iter().filter(|f| matches!(self.finding(f.feature), Finding::Undetermined(_))).map(|f| f.id).collect();
            let present = of.iter().filter(|f| self.has(f.feature)).count();
            let words: Vec<String> = [named(absent, "absent"), named(unknown, "undetermined")].into_iter().filter(|w| !w.is_empty()).collect();
            out += &format!("  {c:<9} {present:>3}/{:<3} {}\n", of.len(), words.join("; "));
        }
        let mut class = None;
        for f in FEATURES {
            let c = f.feature.class();
            if Some(c) != class {
                let (n, t) = FEATURES.iter().filter(|g| g.feature.class() == c).fold((0, 0), |(n, t), g| (n + self.has(g.feature) as usize, t + 1));
                out += &format!("\n{c} ({n}/{t} present)\n");
                class = Some(c);
            }
            let found = self.finding(f.feature);
            let mark = match found {
                Finding::Present => "yes",
                Finding::Absent(_) => "no ",
                Finding::Broken(_) => "BROKEN",
                Finding::Undetermined(_) => "?  ",
            };
            let since = if f.since.is_empty() { String::new() } else { format!("since {}", f.since) };
            let note = if found.why().is_empty() { String::new() } else { format!("  [{}]", found.why()) };
            out += &format!("  {mark}  {:<width$} {:<11}{}\n", f.id, since, note);
        }
        out
    }
}

/// What [`Probe::run_in_process`] reports as it goes.
pub enum Step<'a> {
    Start(&'static str),
    Done(&'static str, &'a Finding),
}

/// Turns io_uring_setup's errno into an availability with the reason.
pub fn classify_setup_error(e: uring::SetupError) -> (Availability, String) {
    let Some(e) = e.errno() else {
        return (Availability::Error, format!("io_uring_setup: {e}"));
    };
    let sysctl = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled").ok().and_then(|s| s.trim().parse::<u32>().ok());
    let seccomp = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Seccomp:")).map(|l| l[8..].trim().to_string()))
        .unwrap_or_default();
    let filtered = seccomp == "2";
    match e.0 {
        libc::EPERM if sysctl.unwrap_or(0) > 0 => (
            Availability::Disabled,
            format!(
                "io_uring_setup: EPERM; sysctl kernel.io_uring_disabled = {} ({})",
                sysctl.unwrap_or(0),
                if sysctl == Some(2) { "disabled for everyone" } else { "only members of kernel.io_uring_group may create rings" }
            ),
        ),
        libc::EPERM => (
            Availability::Blocked,
            format!(
                "io_uring_setup: EPERM with kernel.io_uring_disabled = {}; a seccomp filter or LSM policy refuses it (Seccomp: {seccomp})",
                sysctl.unwrap_or(0)
            ),
        ),
        libc::ENOSYS if filtered => {
            (Availability::Blocked, "io_uring_setup: ENOSYS under a seccomp filter (Seccomp: 2): the filter blocks the system call".into())
        }
        libc::ENOSYS => (Availability::NotBuilt, "io_uring_setup: ENOSYS without a seccomp filter: kernel built without CONFIG_IO_URING".into()),
        libc::ENOMEM => {
            let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: valid out-pointer.
            unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut rl) };
            (Availability::NoMemory, format!("io_uring_setup: ENOMEM; RLIMIT_MEMLOCK is {} bytes (io_uring charges ring memory to it on kernels before 5.12, and registered buffers on all: raise it with ulimit -l)", rl.rlim_cur))
        }
        _ => (Availability::Error, format!("io_uring_setup: {e}")),
    }
}

/// An errno that means the system call was refused by policy (seccomp,
/// LSM), not answered by io_uring.
fn blocked(e: Errno) -> bool {
    matches!(e.0, libc::EPERM | libc::EACCES | libc::ENOSYS)
}

/// IORING_REGISTER_PROBE: which opcodes the kernel supports.
fn probe_ops(ring: &Ring) -> Result<Vec<bool>, Errno> {
    const N: usize = 256;
    let mut buf = vec![0u8; std::mem::size_of::<io_uring_probe>() + N * std::mem::size_of::<io_uring_probe_op>()];
    // SAFETY: buf holds the header plus N ops.
    unsafe { ring.register_raw_out(IORING_REGISTER_PROBE, buf.as_mut_ptr() as *mut _, N as u32) }?;
    Ok(parse_probe_buffer(&buf))
}

/// Decodes a filled `struct io_uring_probe` buffer into per-opcode support.
pub fn parse_probe_buffer(buf: &[u8]) -> Vec<bool> {
    let hdr = std::mem::size_of::<io_uring_probe>();
    if buf.len() < hdr {
        return vec![];
    }
    let ops_len = buf[1] as usize;
    (0..ops_len)
        .map(|i| {
            let o = hdr + i * 8;
            if o + 8 > buf.len() {
                return false;
            }
            let flags = u16::from_ne_bytes([buf[o + 2], buf[o + 3]]);
            buf[o] as usize == i && flags & IO_URING_OP_SUPPORTED != 0
        })
        .collect()
}

/// The CPUs this process may run on (sched_getaffinity(2); none if the
/// call fails, which it cannot for the calling process).
fn affinity() -> Option<rustix::thread::CpuSet> {
    rustix::thread::sched_getaffinity(None).ok()
}

pub(crate) fn first_allowed_cpu() -> u32 {
    affinity().and_then(|set| (0..rustix::thread::CpuSet::MAX_CPU).find(|&c| set.is_set(c))).unwrap_or(0) as u32
}

/// Number of CPUs this process may run on.
pub fn allowed_cpus() -> usize {
    affinity().map_or(0, |set| set.count() as usize)
}

/// The setup flags a flag needs beside itself (io_uring_setup(2)).
pub fn setup_prerequisites(flag: u32) -> u32 {
    match flag {
        IORING_SETUP_SQ_AFF => IORING_SETUP_SQPOLL,
        IORING_SETUP_TASKRUN_FLAG => IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_DEFER_TASKRUN => IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_REGISTERED_FD_ONLY => IORING_SETUP_NO_MMAP,
        IORING_SETUP_HYBRID_IOPOLL => IORING_SETUP_IOPOLL,
        IORING_SETUP_SQ_REWIND => IORING_SETUP_NO_SQARRAY,
        _ => 0,
    }
}

/// Submits `sqes` on `ring` and collects every CQE within a short bound.
pub(crate) fn run_sqes<'buf>(ring: &mut Ring<'buf>, sqes: &[Sqe<'buf>], want: u32) -> Result<Vec<crate::ring::Cqe>, String> {
    ring.push_all(sqes).map_err(|e| format!("push: {e}"))?;
    // An SQE the kernel rejects at submission stops the batch: wait only
    // for what it consumed.
    let consumed = ring.submit().map_err(|e| format!("submit: {e}"))?;
    let mut got = ring.wait_for(want.min(consumed), Duration::from_secs(2)).map_err(|e| format!("wait: {e}"))?;
    got.extend(ring.drain_ready().map_err(|e| format!("wait: {e}"))?);
    Ok(got)
}

pub(crate) fn fmt_cqes(c: &[crate::ring::Cqe]) -> String {
    if c.is_empty() {
        return "no CQE".into();
    }
    c.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
}
