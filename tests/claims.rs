//! The claims inventory (expectations/claims.toml) stays true: every case
//! it names exists and names the claim back in its refs, every claim a
//! case names is in the inventory, erratum and deviation claims point at
//! their records, every uapi name is exercised or says why not, and a
//! covered claim has a case that runs on at least one kernel of the
//! committed matrix.

use oracle::case::all_cases;
use oracle::claims::{problems, Inventory, Status, UapiList};
use oracle::expectations::Expectations;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn inventory_cases_and_uapi_agree() {
    cases::link();
    let p = problems(&Inventory::builtin(), &UapiList::builtin(), &all_cases(), &Expectations::builtin());
    assert!(p.is_empty(), "{} problem(s):\n  {}", p.len(), p.join("\n  "));
}

#[test]
fn inventory_is_large_enough_and_every_syscall_page_is_there() {
    let inv = Inventory::builtin();
    assert!(inv.claim.len() >= 300, "only {} claims", inv.claim.len());
    for page in ["io_uring_setup(2)", "io_uring_enter(2)", "io_uring_register(2)"] {
        assert!(inv.claim.iter().any(|c| c.page == page && c.section == "ERRORS"), "no ERRORS claim of {page}");
    }
    assert_eq!(inv.source.liburing.len(), 40, "the liburing commit is a full hash");
}

/// The cases each committed matrix report ran (not skipped), by trial ID
/// without the variant.
fn matrix_runs() -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/runs");
    let (mut seen, mut ran) = (BTreeSet::new(), BTreeSet::new());
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for t in v["results"].as_array().into_iter().flatten() {
            let id = t["id"].as_str().unwrap_or_default();
            let case = id.rsplit_once('[').map_or(id, |(c, _)| c).to_string();
            if !matches!(t["outcome"].as_str(), Some("skip")) {
                ran.insert(case.clone());
            }
            seen.insert(case);
        }
    }
    (seen, ran)
}

/// A covered claim is checked somewhere: one of its cases ran (passed,
/// failed, xfailed) on a kernel of the committed matrix, or is newer than
/// the matrix (absent from every report: the next matrix run decides).
#[test]
fn covered_claims_run_on_a_matrix_kernel() {
    let (seen, ran) = matrix_runs();
    assert!(!seen.is_empty(), "no committed matrix reports");
    let mut never: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let inv = Inventory::builtin();
    for c in inv.claim.iter().filter(|c| c.status == Status::Covered) {
        let checked = c.cases.iter().any(|k| ran.contains(k) || !seen.contains(k));
        if !checked {
            never.insert(&c.id, c.cases.iter().map(String::as_str).collect());
        }
    }
    assert!(never.is_empty(), "covered claims whose cases skip on every matrix kernel: {never:#?}");
}

fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_uring-conform"))
}

#[test]
fn claims_command_has_its_own_help() {
    let out = bin().args(["claims", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("uring-conform claims:"), "{text}");
    assert!(text.contains("--list") && text.contains("erratum"), "{text}");
}

#[test]
fn claims_command_counts_every_claim_once() {
    let out = bin().args(["claims", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inv = Inventory::builtin();
    let total: u64 = v["totals"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(total as usize, inv.claim.len());
    let by_pages: u64 = v["pages"].as_object().unwrap().values().flat_map(|p| p.as_object().unwrap().values()).map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(by_pages, total);
    assert_eq!(v["claims"].as_array().unwrap().len(), inv.claim.len());
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    assert_eq!(v["uapi"].as_array().unwrap().len(), UapiList::builtin().name.len());
    // The text form lists the open claims by default.
    let out = bin().args(["claims", "--page", "register"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("io_uring_register(2)") && !text.contains("io_uring_setup(2)"), "{text}");
    assert!(text.contains("\nopen ("), "{text}");
}
