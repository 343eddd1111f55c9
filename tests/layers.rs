//! The layers are visible from the tree and only import downward: each
//! crate's Cargo.toml names only suite crates below it, and the checked
//! ring's policy lives in one place (not in the raw ring, not as an
//! `impl` block in the comparison module).
//!
//! The order, bottom up: uring (the ABI and the ring) < fixtures (what
//! cases act on; its memory comes from uring) < oracle (what a verdict is
//! made of) < exec (running it in child processes) < cases (the
//! behaviours; their `cargo test` entry runs on exec) < reports (reading
//! reports) < the binary.

use std::path::Path;

/// Each suite crate, its directory, and the suite crates it may use as
/// normal dependencies.
const LAYERS: [(&str, &str, &[&str]); 6] = [
    ("uring", "uring", &[]),
    ("fixtures", "fixtures", &["uring"]),
    ("oracle", "oracle", &["uring", "fixtures"]),
    ("exec", "exec", &["oracle", "uring", "fixtures"]),
    ("cases", "cases", &["oracle", "uring", "fixtures"]),
    ("reports", "reports", &["oracle", "exec"]),
];

fn suite_deps(dir: &str, table: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let names: Vec<&str> = LAYERS.iter().map(|l| l.0).collect();
    manifest.get(table).and_then(|t| t.as_table()).map(|t| t.keys().filter(|k| names.contains(&k.as_str())).cloned().collect()).unwrap_or_default()
}

#[test]
fn each_layer_depends_only_on_layers_below_it() {
    for (name, dir, allowed) in LAYERS {
        for dep in suite_deps(dir, "dependencies") {
            assert!(allowed.contains(&dep.as_str()), "{name} depends on {dep}, which is not below it (allowed: {allowed:?})");
        }
    }
    // Only the cargo test entry of the cases runs them, through exec.
    assert_eq!(suite_deps("cases", "dev-dependencies"), ["exec"]);
}

#[test]
fn the_quiet_check_is_the_checked_rings_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let ring = read("uring/src/ring/mod.rs");
    assert!(!ring.contains("Quiet") && !ring.contains("expect::"), "the raw ring holds the quiet check again");
    let expect = read("oracle/src/expect.rs");
    assert!(!expect.contains("impl Ring") && !expect.contains("impl CheckedRing"), "expect.rs adds methods to a ring again");
    assert!(read("oracle/src/checked.rs").contains("pub struct CheckedRing"));
}
