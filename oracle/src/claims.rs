//! The documented contract, traced: the claims inventory
//! (`expectations/claims.toml`, one entry per checkable promise of
//! liburing's man pages) and the uapi name list (`expectations/uapi.toml`,
//! every feature-like name of the newest io_uring.h). Each claim names the
//! cases that check it, or a status with its reason; cases name their
//! claims in `refs` as `claim:<id>`, and [`problems`] says where the two
//! disagree (tests/claims.rs keeps it empty). `uring-conform claims`
//! prints the coverage.

use crate::case::Case;
use crate::expectations::Expectations;
use crate::features::Feature;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a case writes in its `refs` to name a claim it checks.
pub const REF_PREFIX: &str = "claim:";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Cases check exactly this claim.
    Covered,
    /// The page is stale; the kernel's behaviour is intended (doc-errata.toml).
    Erratum,
    /// The kernel deviates from the page (known-failures.toml).
    Deviation,
    /// Checking it needs a named environment this suite cannot make.
    Needs,
    /// Not checked yet.
    Open,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Covered, Status::Erratum, Status::Deviation, Status::Needs, Status::Open];
    pub fn name(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Erratum => "erratum",
            Status::Deviation => "deviation",
            Status::Needs => "needs",
            Status::Open => "open",
        }
    }
    pub fn from_name(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.name() == s)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The liburing commit the pages were read at.
    pub liburing: String,
    pub liburing_date: String,
    pub pages: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub page: String,
    pub section: String,
    /// The promise, in the suite's words.
    pub says: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    /// Erratum: the `trials` of its doc-errata.toml entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// Deviation: the `trial` of its known-failures.toml entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub source: Source,
    pub claim: Vec<Claim>,
}

/// Why a uapi name is exercised by no case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameStatus {
    Needs,
    Open,
    /// The harness itself uses it for every trial (ring mapping).
    Harness,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UapiName {
    pub name: String,
    pub kind: String,
    /// Its probe vocabulary id, where it is a capability the probe knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Cases that use it besides those requiring `feature`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NameStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UapiList {
    pub name: Vec<UapiName>,
}

impl Inventory {
    pub fn parse(text: &str) -> Result<Inventory, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    /// The inventory compiled into the binary.
    pub fn builtin() -> Inventory {
        Inventory::parse(include_str!("../../expectations/claims.toml")).expect("expectations/claims.toml is valid")
    }
    pub fn get(&self, id: &str) -> Option<&Claim> {
        self.claim.iter().find(|c| c.id == id)
    }
    /// Pages in first-seen order (the syscall pages first, as written).
    pub fn pages(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.claim.iter().map(|c| c.page.as_str()).filter(|p| seen.insert(*p)).collect()
    }
    /// Page -> status -> count.
    pub fn coverage(&self) -> BTreeMap<&str, BTreeMap<Status, usize>> {
        let mut m: BTreeMap<&str, BTreeMap<Status, usize>> = BTreeMap::new();
        for c in &self.claim {
            *m.entry(c.page.as_str()).or_default().entry(c.status).or_default() += 1;
        }
        m
    }
    pub fn count(&self, s: Status) -> usize {
        self.claim.iter().filter(|c| c.status == s).count()
    }
}

impl UapiList {
    pub fn parse(text: &str) -> Result<UapiList, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    pub fn builtin() -> UapiList {
        UapiList::parse(include_str!("../../expectations/uapi.toml")).expect("expectations/uapi.toml is valid")
    }
}

/// The claim IDs a case names in its refs.
pub fn case_claims(c: &Case) -> impl Iterator<Item = &'static str> {
    c.refs.iter().filter_map(|r| r.strip_prefix(REF_PREFIX))
}

/// The cases that exercise a uapi name: those listed, and those requiring
/// its feature.
pub fn name_cases<'a>(n: &'a UapiName, cases: &'a [&'static Case]) -> Vec<&'a str> {
    let f = n.feature.as_deref().and_then(Feature::from_id);
    let mut v: Vec<&str> = n.cases.iter().map(String::as_str).collect();
    if let Some(f) = f {
        v.extend(cases.iter().filter(|c| c.requires.contains(&f)).map(|c| c.id));
    }
    v.sort_unstable();
    v.dedup();
    v
}

fn is_glob_of(glob: &str, case: &Case) -> bool {
    case.variants.iter().any(|v| crate::glob::matches(glob, &case.trial_id(*v)))
}

/// Everything that makes the inventory, the uapi list and the cases
/// disagree; empty when they hold together.
pub fn problems(inv: &Inventory, uapi: &UapiList, cases: &[&'static Case], exps: &Expectations) -> Vec<String> {
    let mut p = Vec::new();
    let by_id: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.id, *c)).collect();
    let mut ids = BTreeSet::new();
    for c in &inv.claim {
        let id = c.id.as_str();
        if !ids.insert(id) {
            p.push(format!("claim {id}: listed twice"));
        }
        if id.is_empty() || !id.chars().all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch)) {
            p.push(format!("claim {id:?}: an ID is letters, digits and . - _"));
        }
        if c.says.trim().is_empty() || c.page.trim().is_empty() || c.section.trim().is_empty() {
            p.push(format!("claim {id}: page, section and says must be given"));
        }
        let has_reason = c.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        match c.status {
            Status::Covered if c.cases.is_empty() => p.push(format!("claim {id}: covered but names no case")),
            Status::Needs | Status::Open if !has_reason => p.push(format!("claim {id}: {} needs a reason", c.status.name())),
            Status::Needs | Status::Open if !c.cases.is_empty() => {
                p.push(format!("claim {id}: {} but names cases (mark it covered, or drop them)", c.status.name()))
            }
            Status::Erratum | Status::Deviation if !has_reason => p.push(format!("claim {id}: {} needs a reason (what the kernel does)", c.status.name())),
            _ => {}
        }
        match (c.status, &c.erratum, &c.deviation) {
            (Status::Erratum, Some(link), None) => match exps.erratum.iter().find(|e| &e.trials == link) {
                None => p.push(format!("claim {id}: erratum {link:?} is no entry of doc-errata.toml")),
                Some(_) if !c.cases.iter().filter_map(|x| by_id.get(x.as_str())).any(|k| is_glob_of(link, k)) => {
                    p.push(format!("claim {id}: erratum {link:?} matches none of the claim's cases"))
                }
                Some(_) => {}
            },
            (Status::Deviation, None, Some(link)) => match exps.expect.iter().find(|e| &e.trial == link) {
                None => p.push(format!("claim {id}: deviation {link:?} is no entry of known-failures.toml")),
                Some(_) if !c.cases.iter().filter_map(|x| by_id.get(x.as_str())).any(|k| is_glob_of(link, k)) => {
                    p.push(format!("claim {id}: deviation {link:?} matches none of the claim's cases"))
                }
                Some(_) => {}
            },
            (Status::Erratum, _, _) => p.push(format!("claim {id}: an erratum names its doc-errata.toml entry (erratum = its trials), and no deviation")),
            (Status::Deviation, _, _) => p.push(format!("claim {id}: a deviation names its known-failures.toml entry (deviation = its trial), and no erratum")),
            (_, None, None) => {}
            _ => p.push(format!("claim {id}: only an erratum or a deviation links a record")),
        }
        for k in &c.cases {
            match by_id.get(k.as_str()) {
                None => p.push(format!("claim {id}: case {k} does not exist")),
                Some(case) if !case_claims(case).any(|x| x == id) => {
                    p.push(format!("claim {id}: case {k} does not name it (add \"{REF_PREFIX}{id}\" to its refs)"))
                }
                Some(_) => {}
            }
        }
    }
    for case in cases {
        for x in case_claims(case) {
            match inv.get(x) {
                None => p.push(format!("case {}: refs name claim {x}, which is not in expectations/claims.toml", case.id)),
                Some(c) if !c.cases.iter().any(|k| k == case.id) => p.push(format!("case {}: refs name claim {x}, which does not list the case", case.id)),
                Some(_) => {}
            }
        }
    }
    let mut names = BTreeSet::new();
    for n in &uapi.name {
        let name = n.name.as_str();
        if !names.insert(name) {
            p.push(format!("uapi {name}: listed twice"));
        }
        if let Some(f) = &n.feature {
            if Feature::from_id(f).is_none() {
                p.push(format!("uapi {name}: feature {f} is not in the vocabulary"));
            }
        }
        for k in &n.cases {
            if !by_id.contains_key(k.as_str()) {
                p.push(format!("uapi {name}: case {k} does not exist"));
            }
        }
        let used = !name_cases(n, cases).is_empty();
        let has_reason = n.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        match (used, n.status) {
            (false, None) => p.push(format!("uapi {name}: no case uses it and no status says why")),
            (true, Some(s)) => p.push(format!("uapi {name}: marked {s:?} but cases use it (drop the status)")),
            (false, Some(_)) if !has_reason => p.push(format!("uapi {name}: a status needs a reason")),
            _ => {}
        }
    }
    p
}
