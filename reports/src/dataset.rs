//! `matrix.json`: the support matrix as a versioned dataset for programs
//! (a runtime choosing code paths by kernel, a distribution checking its
//! kernels). Per kernel: each capability's verdict with its evidence and
//! trial counts, each feature's presence with the probe's note, each
//! area's counts, and each documentation claim's state. The schema,
//! `docs/matrix.schema.json`, is generated from these types
//! ([`json_schema`]) and kept current by a test.

use crate::capability::{ClaimState, Counts, State, Verdict, CAPABILITIES};
use crate::matrix::Matrix;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The dataset's schema word; a change that breaks a reader bumps it.
pub const SCHEMA: &str = "uring-conform/matrix/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Always `uring-conform/matrix/1`.
    #[schemars(schema_with = "schema_name")]
    pub schema: String,
    /// The suite commits the runs come from (more than one: compare with care).
    pub suite_commits: Vec<String>,
    /// What the capabilities are: the features each needs and the case
    /// globs that check it.
    pub capabilities: Vec<CapabilityInfo>,
    /// The documentation claims (expectations/claims.toml) and the
    /// liburing commit their man pages were read at.
    pub claims_liburing: String,
    pub claims: Vec<ClaimInfo>,
    /// One entry per run report, sorted by kernel version.
    pub kernels: Vec<Kernel>,
}

fn schema_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "const": SCHEMA })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilityInfo {
    pub id: String,
    pub title: String,
    pub about: String,
    /// Probe feature IDs it needs (`uring-conform features`).
    pub features: Vec<String>,
    /// Globs over case IDs (`area/name`), or over trial IDs where one
    /// holds `[` (`*[sqpoll]`).
    pub trials: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInfo {
    pub id: String,
    pub page: String,
    pub section: String,
    /// The promise, in the suite's words.
    pub says: String,
    /// covered, erratum, deviation, needs or open.
    pub status: String,
    /// Why, for every status but covered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The cases whose trials decide it (`area/name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kernel {
    /// The column's heading on the page (`6.12`, `6.12.118 + sqe-group v8`).
    pub column: String,
    /// uname -r and uname -v of the run.
    pub release: String,
    pub version: String,
    /// The machine's label.
    pub label: String,
    pub suite_commit: String,
    /// When the run started (RFC 3339).
    pub started: String,
    /// The run report, relative to matrix.json (`runs/FILE.json`).
    pub report: String,
    /// io_uring availability (`ok`, ...) and its detail.
    pub availability: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub availability_detail: String,
    /// Capability ID -> its verdict here.
    pub capabilities: BTreeMap<String, Verdict>,
    /// Feature ID -> present, absent, broken or unknown (a report from
    /// before the feature existed), with the probe's note.
    pub features: BTreeMap<String, FeatureVerdict>,
    /// Area -> trial counts.
    pub areas: BTreeMap<String, Counts>,
    /// Claim ID -> its state here, for claims that cases check (a claim
    /// left out is unchecked: see its status).
    pub claims: BTreeMap<String, ClaimVerdict>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeatureState {
    Present,
    Absent,
    /// Present but not as documented (the probe's behavioural check).
    Broken,
    /// The run report does not know the feature, or io_uring was unavailable.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureVerdict {
    pub state: FeatureState,
    /// Why absent (what the probe saw), or why broken.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimVerdict {
    pub state: ClaimState,
    pub counts: Counts,
}

impl Dataset {
    pub fn build(m: &Matrix) -> Dataset {
        let kernels = m
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| Kernel {
                column: c.head.clone(),
                release: c.release.clone(),
                version: c.version.clone(),
                label: c.label.clone(),
                suite_commit: c.commit.clone(),
                started: c.started.clone(),
                report: format!("runs/{}", c.file),
                availability: c.availability.word().into(),
                availability_detail: c.availability_detail.clone(),
                capabilities: CAPABILITIES.iter().zip(&m.capabilities).map(|(cap, v)| (cap.id.to_string(), v[i].clone())).collect(),
                features: m
                    .features
                    .iter()
                    .map(|f| {
                        let v = match (f.present[i], c.broken.get(f.id)) {
                            (Some(true), Some(why)) => FeatureVerdict { state: FeatureState::Broken, note: why.clone() },
                            (Some(true), None) => FeatureVerdict { state: FeatureState::Present, note: String::new() },
                            (Some(false), _) => FeatureVerdict { state: FeatureState::Absent, note: c.notes.get(f.id).cloned().unwrap_or_default() },
                            (None, _) => FeatureVerdict { state: FeatureState::Unknown, note: String::new() },
                        };
                        (f.id.to_string(), v)
                    })
                    .collect(),
                areas: m
                    .briefs
                    .iter()
                    .map(|(a, cells)| {
                        (
                            a.clone(),
                            cells[i].iter().fold(Counts::default(), |mut n, b| {
                                n.add(b);
                                n
                            }),
                        )
                    })
                    .collect(),
                claims: m
                    .claims
                    .iter()
                    .filter(|c| !c.cases.is_empty())
                    .map(|c| (c.id.clone(), ClaimVerdict { state: c.cells[i].0, counts: c.cells[i].1 }))
                    .collect(),
            })
            .collect();
        Dataset {
            schema: SCHEMA.into(),
            suite_commits: m.commits(),
            capabilities: CAPABILITIES
                .iter()
                .map(|c| CapabilityInfo {
                    id: c.id.into(),
                    title: c.title.into(),
                    about: c.about.into(),
                    features: c.features.iter().map(|f| f.to_string()).collect(),
                    trials: c.trials.iter().map(|t| t.to_string()).collect(),
                })
                .collect(),
            claims_liburing: oracle::claims::Inventory::builtin().source.liburing,
            claims: m
                .claims
                .iter()
                .map(|c| ClaimInfo {
                    id: c.id.clone(),
                    page: c.page.clone(),
                    section: c.section.clone(),
                    says: c.says.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    cases: c.cases.clone(),
                })
                .collect(),
            kernels,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the dataset serialises") + "\n"
    }
}

/// The JSON Schema of [`Dataset`], as committed in docs/matrix.schema.json.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(Dataset);
    schema.insert("$id".into(), SCHEMA.into());
    schema.insert("title".into(), "uring-conform support matrix dataset".into());
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

/// What a state means, for the page's legend and the README.
pub fn state_meaning(s: State) -> &'static str {
    match s {
        State::Conforming => "present, and every trial that ran passed",
        State::Deviation => "present, with a recorded kernel deviation",
        State::Broken => "present but not as documented",
        State::Absent => "the kernel lacks a feature it needs",
        State::Undetermined => "nothing decides it here",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/matrix.schema.json is the schema generated from the types
    /// (URING_CONFORM_UPDATE_DOCS=1 rewrites it).
    #[test]
    fn committed_schema_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/matrix.schema.json");
        let want = json_schema();
        if std::env::var_os("URING_CONFORM_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "docs/matrix.schema.json is stale: run URING_CONFORM_UPDATE_DOCS=1 cargo test -p uring-conform-reports committed_schema");
    }

    /// The committed reports/matrix.json reads back as the types, and
    /// round-trips: a program can rely on the schema.
    #[test]
    fn committed_dataset_round_trips() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("matrix.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let d: Dataset = serde_json::from_str(&text).unwrap_or_else(|e| panic!("reports/matrix.json is not a {SCHEMA} dataset: {e}"));
        assert_eq!(d.schema, SCHEMA);
        assert_eq!(d.to_json(), text, "reports/matrix.json does not round-trip");
        let k61 = d.kernels.iter().find(|k| k.column == "6.1").expect("a 6.1 column");
        assert_eq!(k61.capabilities["recv.multishot"].state, State::Conforming);
        let k510 = d.kernels.iter().find(|k| k.column == "5.10").expect("a 5.10 column");
        assert_eq!(k510.capabilities["recv.multishot"].state, State::Absent);
    }
}
