//! Planning: every case x variant as a trial, the selection, and each
//! skip decided from the probe before anything runs.

use crate::case::{all_cases, Case, Variant};
use crate::features::Feature;
use crate::probe::Probe;

/// Why a trial is skipped: the features it lacks, or the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub missing: Vec<Feature>,
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
        (self.filters.is_empty() || self.filters.iter().any(|f| crate::glob::selects(f, &t.id)))
            && (self.areas.is_empty() || self.areas.iter().any(|a| a == t.case.area()))
            && (self.features.is_empty() || self.features.iter().any(|f| t.requires().contains(f)))
            && (self.variants.is_empty() || self.variants.contains(&t.variant))
    }

    /// Filter words that select no trial of the suite at all (a typo, or
    /// a glob the shell expanded).
    pub fn unmatched_filters(&self) -> Vec<String> {
        let ids: Vec<String> = all_cases().iter().flat_map(|c| c.variants.iter().map(move |v| c.trial_id(*v))).collect();
        self.filters.iter().filter(|f| !ids.iter().any(|id| crate::glob::selects(f, id))).cloned().collect()
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
        return Some(Skip { missing: vec![], reason: format!("io_uring unavailable: {}", probe.availability_detail) });
    }
    let missing = probe.missing(&t.requires());
    if missing.is_empty() {
        return None;
    }
    // The environment (privilege, devices, a disposable machine) is named
    // with what provides it, and a feature the environment kept the probe
    // from telling with the reason; only the rest is the kernel's.
    let (env, kernel): (Vec<crate::Feature>, Vec<crate::Feature>) = missing.iter().partition(|f| f.class() == "env");
    let (unknown, kernel): (Vec<crate::Feature>, Vec<crate::Feature>) =
        kernel.iter().partition(|f| matches!(probe.finding(**f), crate::probe::Finding::Undetermined(_)));
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
        let named = |f: &crate::Feature| match probe.finding(*f).why() {
            w if w.is_empty() || w == "not in this environment" => format!("{} ({})", f.id(), f.info().reference),
            w => format!("{} ({w}; needs {})", f.id(), f.info().reference),
        };
        parts.push(format!("environment lacks {}", env.iter().map(named).collect::<Vec<_>>().join(", ")));
    }
    Some(Skip { reason: parts.join("; "), missing })
}
