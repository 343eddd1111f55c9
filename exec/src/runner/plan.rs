//! Planning: every case x variant as a trial, the selection, and each
//! skip decided from the probe before anything runs.

use oracle::case::{all_cases, Case, Variant};
use oracle::features::Feature;
use oracle::outcome::SkipCause;
use oracle::probe::Probe;

/// Why a trial is skipped: the features it lacks, by kind
/// ([`SkipCause`], what the report stores), and the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub missing: Vec<Feature>,
    pub cause: SkipCause,
    pub reason: String,
}

/// A case on one variant.
#[derive(Clone)]
pub struct Trial {
    pub case: &'static Case,
    pub variant: Variant,
    pub id: String,
    pub skip: Option<Skip>,
}

impl Trial {
    /// The features this trial needs: the case's and the variant's.
    pub fn requires(&self) -> Vec<Feature> {
        let mut v: Vec<Feature> = self.case.requires.to_vec();
        for f in self.variant.requires() {
            if !v.contains(f) {
                v.push(*f);
            }
        }
        v
    }
}

/// Which trials to run: every word must select (ID glob or substring),
/// and area and feature filters must match where given.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub filters: Vec<String>,
    pub areas: Vec<String>,
    pub features: Vec<Feature>,
    pub variants: Vec<Variant>,
}

impl Selection {
    pub fn selects(&self, t: &Trial) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| oracle::glob::selects(f, &t.id)))
            && (self.areas.is_empty() || self.areas.iter().any(|a| a == t.case.area()))
            && (self.features.is_empty() || self.features.iter().any(|f| t.requires().contains(f)))
            && (self.variants.is_empty() || self.variants.contains(&t.variant))
    }

    /// Filter words that select no trial of the suite at all (a typo, or
    /// a glob the shell expanded).
    pub fn unmatched_filters(&self) -> Vec<String> {
        let ids: Vec<String> = all_cases().iter().flat_map(|c| c.variants.iter().map(move |v| c.trial_id(*v))).collect();
        self.filters.iter().filter(|f| !ids.iter().any(|id| oracle::glob::selects(f, id))).cloned().collect()
    }

    /// Whether the selection picks any trial at all. What a selection
    /// picks depends on the suite only (IDs, areas, requirements,
    /// variants), never on the kernel, so this is known before the
    /// environment is prepared or the kernel probed.
    pub fn selects_any(&self) -> bool {
        all_cases().iter().any(|&case| case.variants.iter().any(|&variant| self.selects(&Trial { case, variant, id: case.trial_id(variant), skip: None })))
    }
}

/// The areas the suite has.
pub fn areas() -> Vec<&'static str> {
    let mut a: Vec<&'static str> = all_cases().iter().map(|c| c.area()).collect();
    a.sort_unstable();
    a.dedup();
    a
}

/// Every trial the selection picks, with skips decided from the probe.
pub fn plan(probe: &Probe, sel: &Selection) -> Vec<Trial> {
    let mut out = Vec::new();
    for case in all_cases() {
        for &variant in case.variants {
            let mut t = Trial { case, variant, id: case.trial_id(variant), skip: None };
            if !sel.selects(&t) {
                continue;
            }
            t.skip = skip_reason(probe, &t);
            out.push(t);
        }
    }
    out
}

fn skip_reason(probe: &Probe, t: &Trial) -> Option<Skip> {
    if !probe.available() {
        return Some(Skip { missing: vec![], cause: SkipCause::unavailable(), reason: format!("io_uring unavailable: {}", probe.availability_detail) });
    }
    let missing = probe.missing(&t.requires());
    if missing.is_empty() {
        return None;
    }
    // The environment (privilege, devices, a disposable machine: the
    // feature's class, features::Class::Env) is named with what provides
    // it, and a feature the environment kept the probe from telling with
    // the reason; only the rest is the kernel's.
    let (env, kernel): (Vec<oracle::Feature>, Vec<oracle::Feature>) = missing.iter().partition(|f| f.class() == oracle::features::Class::Env);
    let (unknown, kernel): (Vec<oracle::Feature>, Vec<oracle::Feature>) =
        kernel.iter().partition(|f| matches!(probe.finding(**f), oracle::probe::Finding::Undetermined(_)));
    let mut parts = Vec::new();
    if !kernel.is_empty() {
        parts.push(format!("kernel lacks {}", kernel.iter().map(|f| f.id()).collect::<Vec<_>>().join(", ")));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "the probe could not tell whether the kernel has {}",
            unknown.iter().map(|f| format!("{f} ({})", probe.finding(*f).why())).collect::<Vec<_>>().join(", ")
        ));
    }
    if !env.is_empty() {
        // The probe's note comes first where it says more than "absent"
        // (env.fault_inject names what is missing).
        let named = |f: &oracle::Feature| match probe.finding(*f).why() {
            w if w.is_empty() || w == "not in this environment" => format!("{} ({})", f.id(), f.info().reference),
            w => format!("{} ({w}; needs {})", f.id(), f.info().reference),
        };
        parts.push(format!("environment lacks {}", env.iter().map(named).collect::<Vec<_>>().join(", ")));
    }
    let ids = |fs: &[Feature]| fs.iter().map(|f| f.id().to_string()).collect::<Vec<_>>();
    let cause = SkipCause::of(ids(&kernel), ids(&env), ids(&unknown)).expect("something is missing");
    Some(Skip { reason: parts.join("; "), cause, missing })
}

#[cfg(test)]
mod tests {
    //! Every kind of skip the planner decides: io_uring unavailable, a
    //! feature the kernel lacks, one the probe could not tell, one the
    //! environment lacks, several at once; and that a broken feature's
    //! trials run.
    use super::*;
    use oracle::case::CaseResult;
    use oracle::model::{Availability, KernelInfo, ProbeReport};
    use oracle::outcome::SkipKind;
    use oracle::Feature::*;

    /// The typed cause: its kind and the feature IDs of each kind.
    fn cause(kind: SkipKind, kernel: &[Feature], environment: &[Feature], undetermined: &[Feature]) -> SkipCause {
        let ids = |fs: &[Feature]| fs.iter().map(|f| f.id().to_string()).collect();
        SkipCause { kind, kernel: ids(kernel), environment: ids(environment), undetermined: ids(undetermined) }
    }

    fn body(_: &mut oracle::case::Ctx) -> CaseResult {
        Ok(())
    }

    static CASE: Case = Case {
        id: "plan/test",
        summary: "a case for the planner's tests",
        requires: &[OpNop, OpRead, EnvNullBlkPoll],
        variants: &[Variant::Default, Variant::Sqpoll],
        timeout_ms: 1000,
        serial: false,
        refs: &[],
        run: body,
    };

    /// A probe where every feature runs except as `tweak` says.
    fn probe(tweak: impl FnOnce(&mut ProbeReport)) -> Probe {
        let mut r = ProbeReport {
            kernel: KernelInfo { release: "6.18.0".into(), version: "#1".into(), machine: "x86_64".into() },
            availability: Availability::Ok,
            availability_detail: String::new(),
            features: oracle::features::FEATURES.iter().map(|f| (f.id.to_string(), true)).collect(),
            broken: Default::default(),
            undetermined: Default::default(),
            contradictions: vec![],
            params: None,
            notes: Default::default(),
        };
        tweak(&mut r);
        Probe::from_report(&r)
    }

    fn skip(p: &Probe, v: Variant) -> Option<Skip> {
        skip_reason(p, &Trial { case: &CASE, variant: v, id: CASE.trial_id(v), skip: None })
    }

    fn absent(r: &mut ProbeReport, f: Feature) {
        r.features.insert(f.id().into(), false);
    }

    #[test]
    fn everything_present_runs() {
        assert_eq!(skip(&probe(|_| {}), Variant::Default), None);
        assert_eq!(skip(&probe(|_| {}), Variant::Sqpoll), None);
    }

    #[test]
    fn a_feature_the_kernel_lacks() {
        let s = skip(&probe(|r| absent(r, OpRead)), Variant::Default).expect("skipped");
        assert_eq!(s.missing, vec![OpRead]);
        assert_eq!(s.cause, cause(SkipKind::Kernel, &[OpRead], &[], &[]));
        assert_eq!(s.reason, "kernel lacks op.read");
    }

    #[test]
    fn a_variant_requirement_is_a_requirement() {
        let p = probe(|r| absent(r, SetupSqpoll));
        assert_eq!(skip(&p, Variant::Default), None);
        let s = skip(&p, Variant::Sqpoll).expect("skipped");
        assert_eq!((s.missing, s.reason.as_str()), (vec![SetupSqpoll], "kernel lacks setup.sqpoll"));
        assert_eq!(s.cause, cause(SkipKind::Kernel, &[SetupSqpoll], &[], &[]));
    }

    #[test]
    fn a_feature_the_probe_could_not_tell() {
        let p = probe(|r| {
            absent(r, OpRead);
            r.undetermined.insert(OpRead.id().into(), "RLIMIT_NOFILE too small".into());
        });
        let s = skip(&p, Variant::Default).expect("skipped");
        assert_eq!(s.missing, vec![OpRead]);
        assert_eq!(s.reason, "the probe could not tell whether the kernel has op.read (RLIMIT_NOFILE too small)");
        assert_eq!(s.cause, cause(SkipKind::Undetermined, &[], &[], &[OpRead]));
        assert!(!s.reason.contains("kernel lacks"), "never a kernel verdict");
    }

    #[test]
    fn a_feature_the_environment_lacks() {
        let s = skip(&probe(|r| absent(r, EnvNullBlkPoll)), Variant::Default).expect("skipped");
        assert_eq!(s.missing, vec![EnvNullBlkPoll]);
        assert_eq!(s.cause, cause(SkipKind::Environment, &[], &[EnvNullBlkPoll], &[]));
        assert!(s.cause.is_environment());
        assert!(s.reason.starts_with("environment lacks env.nullblk_poll ("), "{}", s.reason);
        assert!(!s.reason.contains("kernel lacks"), "never a kernel verdict: {}", s.reason);
    }

    /// An environment feature the probe could not tell is still the
    /// environment's.
    #[test]
    fn an_undetermined_environment_feature_is_the_environment() {
        let p = probe(|r| {
            absent(r, EnvNullBlkPoll);
            r.undetermined.insert(EnvNullBlkPoll.id().into(), "not root".into());
        });
        let s = skip(&p, Variant::Default).expect("skipped");
        assert!(s.reason.starts_with("environment lacks env.nullblk_poll"), "{}", s.reason);
        assert_eq!(s.cause, cause(SkipKind::Environment, &[], &[EnvNullBlkPoll], &[]));
    }

    #[test]
    fn every_kind_at_once_in_one_reason() {
        let p = probe(|r| {
            absent(r, OpNop);
            absent(r, OpRead);
            r.undetermined.insert(OpRead.id().into(), "why".into());
            absent(r, EnvNullBlkPoll);
            absent(r, SetupSqpoll);
        });
        let s = skip(&p, Variant::Sqpoll).expect("skipped");
        assert_eq!(s.missing, vec![OpNop, OpRead, EnvNullBlkPoll, SetupSqpoll]);
        assert_eq!(s.cause, cause(SkipKind::Kernel, &[OpNop, SetupSqpoll], &[EnvNullBlkPoll], &[OpRead]), "the kernel's lack decides the kind");
        let parts: Vec<&str> = s.reason.split("; ").collect();
        assert_eq!(parts.len(), 3, "{}", s.reason);
        assert_eq!(parts[0], "kernel lacks op.nop, setup.sqpoll");
        assert!(parts[1].starts_with("the probe could not tell whether the kernel has op.read"));
        assert!(parts[2].starts_with("environment lacks env.nullblk_poll"));
    }

    /// A feature present but broken is present for requirements: its
    /// trials run and fail with the real CQEs.
    #[test]
    fn a_broken_feature_runs() {
        let p = probe(|r| {
            r.broken.insert(OpRead.id().into(), "res 3 for a 4-byte read".into());
        });
        assert!(matches!(p.finding(OpRead), oracle::probe::Finding::Broken(_)));
        assert_eq!(skip(&p, Variant::Default), None);
    }

    #[test]
    fn io_uring_unavailable_skips_everything_with_why() {
        let p = probe(|r| {
            r.availability = Availability::Disabled;
            r.availability_detail = "kernel.io_uring_disabled = 2".into();
        });
        let s = skip(&p, Variant::Default).expect("skipped");
        assert_eq!(s.missing, Vec::<Feature>::new());
        assert_eq!(s.cause, SkipCause::unavailable());
        assert_eq!(s.reason, "io_uring unavailable: kernel.io_uring_disabled = 2");
    }

    /// The environment and a feature the probe could not tell, without a
    /// kernel lack: a skip for the environment, never a kernel verdict.
    #[test]
    fn the_environment_decides_over_an_undetermined_feature() {
        let p = probe(|r| {
            absent(r, OpRead);
            r.undetermined.insert(OpRead.id().into(), "why".into());
            absent(r, EnvNullBlkPoll);
        });
        let s = skip(&p, Variant::Default).expect("skipped");
        assert_eq!(s.cause, cause(SkipKind::Environment, &[], &[EnvNullBlkPoll], &[OpRead]));
    }

    /// The planner's skip reaches the trial's result as it is: the cause
    /// typed, the features, the reason, and no process started.
    #[test]
    fn a_planned_skip_is_the_result() {
        let p = probe(|r| absent(r, EnvNullBlkPoll));
        let mut t = Trial { case: &CASE, variant: Variant::Default, id: CASE.trial_id(Variant::Default), skip: None };
        t.skip = skip_reason(&p, &t);
        let iso = crate::runner::Isolation { exe: "/nonexistent".into(), ..crate::runner::Isolation::current(&p) };
        let r = iso.run(&t).expect("a result");
        let s = t.skip.as_ref().unwrap();
        assert_eq!((r.outcome, r.skip.as_deref(), &r.message), (oracle::Outcome::Skip, Some(&s.cause), &s.reason));
        assert_eq!(r.missing, s.missing.iter().map(|f| f.id().to_string()).collect::<Vec<_>>());
    }

    /// Kind by kind, the rule that decides it (SkipCause::of).
    #[test]
    fn the_kind_rule() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(SkipCause::of(v(&[]), v(&[]), v(&[])), None, "nothing missing is no skip");
        assert_eq!(SkipCause::of(v(&["op.nop"]), v(&["env.root"]), v(&["op.read"])).unwrap().kind, SkipKind::Kernel);
        assert_eq!(SkipCause::of(v(&[]), v(&["env.root"]), v(&["op.read"])).unwrap().kind, SkipKind::Environment);
        assert_eq!(SkipCause::of(v(&[]), v(&[]), v(&["op.read"])).unwrap().kind, SkipKind::Undetermined);
    }
}
