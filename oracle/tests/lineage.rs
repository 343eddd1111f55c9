//! Lineage over the committed matrix: the probe of each kernel in
//! reports/runs/ (13 Debian and patched kernels, 5.10 to 7.3), with the
//! lineage rule applied, shows no contradiction. A kernel that did would
//! either have lost a capability or show that the vocabulary's first
//! version of a feature is wrong; either is to be explained, not hidden.

use oracle::model::RunReport;

#[test]
fn the_committed_matrix_kernels_show_no_lineage_contradiction() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/runs");
    let mut seen = 0;
    let mut found = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let r: RunReport = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
        seen += 1;
        for c in oracle::probe::lineage_contradictions(&r.probe) {
            found.push(format!("{}: {c}", r.kernel.release));
        }
    }
    assert!(seen >= 13, "only {seen} committed runs");
    assert!(found.is_empty(), "lineage contradictions on the committed kernels:\n{}", found.join("\n"));
}
