//! Support matrices from real runs: features x kernels (present/absent,
//! beside the documented first version and the first version this matrix
//! saw) and areas x kernels (pass/total with fail, skip and xfail counts).
//! Kernels are sorted by version. Rendered as Markdown, a static HTML page
//! and CSV.

use crate::Run;
use harness::features::{parse_version, FEATURES};
use harness::Outcome;
use std::collections::BTreeMap;

/// Counts of one area on one kernel.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Cell {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub xfail: usize,
    pub total: usize,
}

pub struct FeatureRow {
    pub id: &'static str,
    pub class: &'static str,
    pub since: &'static str,
    /// The oldest kernel in the matrix from which on the feature is present
    /// on every kernel (None if the newest lacks it).
    pub observed: Option<String>,
    pub present: Vec<Option<bool>>,
}

pub struct Matrix {
    /// (release, label, availability) per column, oldest first.
    pub kernels: Vec<(String, String, String)>,
    pub features: Vec<FeatureRow>,
    pub areas: BTreeMap<String, Vec<Cell>>,
    /// Documentation errata (the kernel is right, the man page stale),
    /// with the columns whose runs asserted them: listed apart from the
    /// kernel deviations (xfail) in the area cells.
    pub errata: Vec<(harness::expectations::Erratum, Vec<usize>)>,
}

fn version_key(release: &str) -> (u32, u32, String) {
    let (a, b) = parse_version(release).unwrap_or((0, 0));
    (a, b, release.to_string())
}

fn major_minor(release: &str) -> String {
    parse_version(release).map(|(a, b)| format!("{a}.{b}")).unwrap_or_else(|| release.to_string())
}

impl Matrix {
    pub fn build(runs: &[Run]) -> Matrix {
        let mut order: Vec<&Run> = runs.iter().collect();
        order.sort_by_key(|r| version_key(&r.kernel));
        let kernels = order.iter().map(|r| (r.kernel.clone(), r.label.clone(), r.availability.clone())).collect();
        let features = FEATURES
            .iter()
            .map(|f| {
                let present: Vec<Option<bool>> = order.iter().map(|r| if r.availability == "ok" { r.features.get(f.id).copied() } else { None }).collect();
                // The first column from which every later one has it.
                let mut observed = None;
                for i in (0..order.len()).rev() {
                    match present[i] {
                        Some(true) => observed = Some(major_minor(&order[i].kernel)),
                        Some(false) => break,
                        None => {}
                    }
                }
                FeatureRow { id: f.id, class: f.id.split('.').next().unwrap_or(""), since: f.since, observed, present }
            })
            .collect();
        let mut areas: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
        for (i, r) in order.iter().enumerate() {
            for t in r.results.values() {
                let row = areas.entry(t.area.clone()).or_insert_with(|| vec![Cell::default(); order.len()]);
                let c = &mut row[i];
                c.total += 1;
                match t.outcome {
                    Outcome::Pass => c.pass += 1,
                    Outcome::Skip => c.skip += 1,
                    Outcome::Xfail => c.xfail += 1,
                    _ => c.fail += 1,
                }
            }
        }
        let mut errata: Vec<(harness::expectations::Erratum, Vec<usize>)> = Vec::new();
        for (i, r) in order.iter().enumerate() {
            for e in &r.errata {
                match errata.iter_mut().find(|(x, _)| x.trials == e.trials && x.page == e.page) {
                    Some((_, cols)) => cols.push(i),
                    None => errata.push((e.clone(), vec![i])),
                }
            }
        }
        Matrix { kernels, features, areas, errata }
    }

    fn cell_text(c: &Cell) -> String {
        if c.total == 0 {
            return "-".into();
        }
        let mut s = format!("{}/{}", c.pass, c.total);
        let extra: Vec<String> = [(c.fail, "fail"), (c.skip, "skip"), (c.xfail, "xfail")].iter().filter(|(n, _)| *n > 0).map(|(n, w)| format!("{n} {w}")).collect();
        if !extra.is_empty() {
            s += &format!(" ({})", extra.join(", "));
        }
        s
    }

    fn present_text(p: Option<bool>) -> &'static str {
        match p {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        }
    }

    /// Whether the observed first version differs from the documented one.
    fn mismatch(f: &FeatureRow) -> bool {
        match (&f.observed, parse_version(f.since)) {
            (Some(o), Some(s)) => parse_version(o).is_some_and(|o| o != s),
            _ => false,
        }
    }

    pub fn markdown(&self) -> String {
        let heads: Vec<String> = self.kernels.iter().map(|k| major_minor(&k.0)).collect();
        let mut s = String::from("# io_uring support matrix\n\nGenerated by `uring-conform matrix` from the run reports in `reports/runs/` (real runs, one per kernel).\n\n");
        s += "## Kernels\n\n| kernel | release | machine | io_uring |\n| --- | --- | --- | --- |\n";
        for (k, h) in self.kernels.iter().zip(&heads) {
            s += &format!("| {h} | {} | {} | {} |\n", k.0, k.1, k.2);
        }
        s += "\n## Areas (pass/total; fail, skip, xfail)\n\n";
        s += &format!("| area | {} |\n|{}\n", heads.join(" | "), " --- |".repeat(heads.len() + 1));
        for (area, cells) in &self.areas {
            let row: Vec<String> = cells.iter().map(Matrix::cell_text).collect();
            s += &format!("| {area} | {} |\n", row.join(" | "));
        }
        if !self.errata.is_empty() {
            s += "\n## Documentation errata (the kernel is right, the man page is stale)\n\nThe cases assert the kernel's intended behaviour; these are corrections to propose, not kernel failures.\n\n| trials | page | says | the kernel | proposed | kernels |\n| --- | --- | --- | --- | --- | --- |\n";
            for (e, cols) in &self.errata {
                let ks: Vec<&str> = cols.iter().map(|&i| heads[i].as_str()).collect();
                s += &format!("| `{}` | {} | {} | {} | {} | {} |\n", e.trials, e.page, e.says, e.kernel, e.correction, ks.join(", "));
            }
        }
        s += "\n## Features (documented first version, first version seen here)\n\n";
        s += &format!("| feature | documented | seen | {} |\n|{}\n", heads.join(" | "), " --- |".repeat(heads.len() + 3));
        for f in &self.features {
            let row: Vec<&str> = f.present.iter().map(|p| Matrix::present_text(*p)).collect();
            let seen = f.observed.clone().unwrap_or_else(|| "-".into());
            let mark = if Matrix::mismatch(f) { " (differs)" } else { "" };
            s += &format!("| `{}` | {} | {}{mark} | {} |\n", f.id, if f.since.is_empty() { "-" } else { f.since }, seen, row.join(" | "));
        }
        s
    }

    pub fn csv(&self) -> String {
        let heads: Vec<String> = self.kernels.iter().map(|k| k.0.clone()).collect();
        let mut s = format!("kind,name,documented,seen,{}\n", heads.join(","));
        for (area, cells) in &self.areas {
            let row: Vec<String> = cells.iter().map(|c| format!("{}/{} fail={} skip={} xfail={}", c.pass, c.total, c.fail, c.skip, c.xfail)).collect();
            s += &format!("area,{area},,,{}\n", row.join(","));
        }
        for f in &self.features {
            let row: Vec<&str> = f.present.iter().map(|p| Matrix::present_text(*p)).collect();
            s += &format!("feature,{},{},{},{}\n", f.id, f.since, f.observed.clone().unwrap_or_default(), row.join(","));
        }
        s
    }

    pub fn html(&self) -> String {
        let esc = |x: &str| x.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let heads: String = self.kernels.iter().map(|k| format!("<th title=\"{} ({})\">{}</th>", esc(&k.0), esc(&k.1), major_minor(&k.0))).collect();
        let mut s = String::from(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>io_uring support matrix</title><style>\
body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}\
th,td{border:1px solid #ccc;padding:2px 6px;text-align:center}td.n{text-align:left;font-family:monospace}\
.yes{background:#c8f0c8}.no{background:#f0d0d0}.unk{background:#eee}.ok{background:#c8f0c8}.bad{background:#f5b0b0}.part{background:#f0f0b0}\
.diff{font-weight:bold;color:#a00}</style></head><body>\n<h1>io_uring support matrix</h1>\n\
<p>From real runs of uring-conform, one per kernel (<code>reports/runs/</code>). Areas: pass/total (fail, skip, xfail). \
Features: present or absent as probed; <em>seen</em> is the oldest kernel here from which on every kernel has it.</p>\n",
        );
        s += &format!("<h2>Areas</h2><table><tr><th>area</th>{heads}</tr>\n");
        for (area, cells) in &self.areas {
            s += &format!("<tr><td class=\"n\">{}</td>", esc(area));
            for c in cells {
                let class = if c.total == 0 { "unk" } else if c.fail > 0 { "bad" } else if c.pass + c.xfail == c.total { "ok" } else { "part" };
                s += &format!("<td class=\"{class}\">{}</td>", esc(&Matrix::cell_text(c)));
            }
            s += "</tr>\n";
        }
        s += "</table>\n";
        if !self.errata.is_empty() {
            s += "<h2>Documentation errata</h2><p>The kernel is right and the man page is stale: the cases assert the kernel; these are corrections to propose, not kernel failures.</p><table><tr><th>trials</th><th>page</th><th>says</th><th>the kernel</th><th>proposed</th><th>kernels</th></tr>\n";
            for (e, cols) in &self.errata {
                let ks: Vec<String> = cols.iter().map(|&i| major_minor(&self.kernels[i].0)).collect();
                s += &format!("<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(&e.trials), esc(&e.page), esc(&e.says), esc(&e.kernel), esc(&e.correction), esc(&ks.join(", ")));
            }
            s += "</table>\n";
        }
        s += &format!("<h2>Features</h2><table><tr><th>feature</th><th>documented</th><th>seen</th>{heads}</tr>\n");
        for f in &self.features {
            let seen = f.observed.clone().unwrap_or_else(|| "-".into());
            let dclass = if Matrix::mismatch(f) { " class=\"diff\"" } else { "" };
            s += &format!("<tr><td class=\"n\">{}</td><td>{}</td><td{dclass}>{}</td>", esc(f.id), if f.since.is_empty() { "-" } else { f.since }, esc(&seen));
            for p in &f.present {
                let (class, text) = match p {
                    Some(true) => ("yes", "yes"),
                    Some(false) => ("no", "no"),
                    None => ("unk", "?"),
                };
                s += &format!("<td class=\"{class}\">{text}</td>");
            }
            s += "</tr>\n";
        }
        s += "</table></body></html>\n";
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::TrialResult;

    fn run(kernel: &str, feats: &[(&str, bool)], trials: &[(&str, Outcome)]) -> Run {
        Run {
            kernel: kernel.into(),
            label: "t".into(),
            availability: "ok".into(),
            availability_detail: String::new(),
            features: feats.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            results: trials
                .iter()
                .map(|(id, o)| (id.to_string(), TrialResult { id: id.to_string(), area: id.split('/').next().unwrap().into(), variant: "default".into(), outcome: *o, message: String::new(), missing: vec![], duration_ms: 0.0 }))
                .collect(),
            errata: vec![],
        }
    }

    #[test]
    fn kernels_sort_by_version_and_cells_count() {
        let runs = [
            run("6.12.1", &[("op.nop", true), ("setup.cqe_mixed", false)], &[("a/x[default]", Outcome::Pass), ("a/y[default]", Outcome::Skip)]),
            run("5.10.0-46-amd64", &[("op.nop", true), ("setup.cqe_mixed", false)], &[("a/x[default]", Outcome::Fail), ("a/y[default]", Outcome::Xfail)]),
            run("6.18.15", &[("op.nop", true), ("setup.cqe_mixed", true)], &[("a/x[default]", Outcome::Pass), ("a/y[default]", Outcome::Pass)]),
        ];
        let m = Matrix::build(&runs);
        let order: Vec<&str> = m.kernels.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(order, ["5.10.0-46-amd64", "6.12.1", "6.18.15"]);
        assert_eq!(m.areas["a"][0], Cell { pass: 0, fail: 1, skip: 0, xfail: 1, total: 2 });
        assert_eq!(Matrix::cell_text(&m.areas["a"][1]), "1/2 (1 skip)");
        let mixed = m.features.iter().find(|f| f.id == "setup.cqe_mixed").unwrap();
        assert_eq!(mixed.observed.as_deref(), Some("6.18"));
        assert_eq!(mixed.present, vec![Some(false), Some(false), Some(true)]);
        let nop = m.features.iter().find(|f| f.id == "op.nop").unwrap();
        assert_eq!(nop.observed.as_deref(), Some("5.10"));
        assert!(m.markdown().contains("| a | 0/2 (1 fail, 1 xfail) | 1/2 (1 skip) | 2/2 |"));
        assert!(m.csv().starts_with("kind,name,documented,seen,5.10.0-46-amd64,6.12.1,6.18.15\n"));
        assert!(m.html().contains("<td class=\"bad\">0/2 (1 fail, 1 xfail)</td>"));
    }
}
