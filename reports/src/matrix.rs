//! Support matrices from real runs: features x kernels (present/absent,
//! beside the documented first version and what the matrix saw) and
//! areas x kernels (pass/total with fail, skip, xfail and errata), with the
//! non-passing trials of each cell kept for drill-down. Kernels are sorted
//! by version. Rendered as Markdown (a compact summary), a self-contained
//! HTML page ([`crate::page`]) and tidy CSV.

use crate::capability::{covers, judge, ClaimState, ColumnView, Counts, State, Verdict, CAPABILITIES};
use crate::escape;
use oracle::features::{parse_version, Class, FEATURES};
use oracle::model::{Availability, ErratumRan, ExpectationsMode, RunReport};
use oracle::{Outcome, Tally, TrialResult};
use std::collections::BTreeMap;

/// Counts of one area on one kernel: the buckets (pass, fail, skip,
/// xfail: [`Tally`]) and what the matrix tells apart within them.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Cell {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub xfail: usize,
    pub total: usize,
    /// Of the skips: those for a missing environment (device, privilege),
    /// not a missing kernel feature.
    pub skip_env: usize,
    /// Of the passes: trials that assert a documentation erratum.
    pub erratum: usize,
}

/// One trial behind a cell, for drill-down: every trial, passing ones
/// too, read from its typed verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Brief {
    pub id: String,
    pub outcome: Outcome,
    /// The documentation erratum a pass asserts (its ID).
    pub erratum: Option<String>,
    pub message: String,
    /// A skip for the environment (a device, a privilege), not the kernel.
    pub env: bool,
    /// For an xfail: the known-failure entry it matched (kernel range,
    /// reason, evidence), with `message` then the pinned failure alone.
    pub entry: Option<(String, String, Vec<String>)>,
    /// For an xfail whose entry is found: this kernel's standing against
    /// the entry's upstream status (`lacks-fix`, `has-fix`,
    /// `upstream-same`) and the status in words.
    pub upstream: Option<(String, String)>,
}

/// A recorded deviation seen (xfail) in some column, with its upstream
/// status and each column's standing against it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviationRow {
    pub trial: String,
    pub reason: String,
    /// "fixed upstream in 7.1 (9cc6bac1bebf)", ...
    pub upstream: String,
    /// Per column where it was seen: the standing word and the status.
    pub columns: Vec<(usize, String, String)>,
}

impl Brief {
    /// The outcome's word, or `erratum` for a pass that asserts a
    /// documentation erratum (the page's and the CSV's word).
    pub fn word(&self) -> &'static str {
        if self.is_erratum() {
            "erratum"
        } else {
            self.outcome.word()
        }
    }

    /// A pass that asserts a documentation erratum.
    pub fn is_erratum(&self) -> bool {
        self.outcome == Outcome::Pass && self.erratum.is_some()
    }
}

/// How what the matrix saw compares with a feature's documented version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Consistent with the documentation (or no kernel at or past it).
    Agrees,
    /// The first kernel here at or after the documented version lacks it.
    Late(String),
    /// Present on a kernel older than documented: a backport.
    Backport(String),
    /// No version to compare (env.*, proposals).
    NoVersion,
}

pub struct FeatureRow {
    pub id: &'static str,
    pub class: &'static str,
    pub since: &'static str,
    pub reference: &'static str,
    /// The oldest kernel in the matrix from which on the feature is present
    /// on every kernel (None if the newest lacks it).
    pub observed: Option<String>,
    pub present: Vec<Option<bool>>,
    pub seen: Seen,
}

/// One column: a run report.
#[derive(Clone, Debug)]
pub struct Column {
    pub release: String,
    /// uname -v of the run.
    pub version: String,
    pub label: String,
    pub availability: Availability,
    pub availability_detail: String,
    pub commit: String,
    pub started: String,
    pub file: String,
    pub expectations: ExpectationsMode,
    /// The column's heading: major.minor, the full release where two runs
    /// share a kernel line, or a patched kernel's label ("6.12 + sqe-group v8").
    pub head: String,
    /// The probe's note per absent feature.
    pub notes: BTreeMap<String, String>,
    /// Features the probe found broken (present, not as documented).
    pub broken: BTreeMap<String, String>,
}

pub struct Matrix {
    pub columns: Vec<Column>,
    pub features: Vec<FeatureRow>,
    pub areas: BTreeMap<String, Vec<Cell>>,
    /// Per area, per column: the trials behind the cell ([`Brief`]),
    /// passing ones too.
    pub briefs: BTreeMap<String, Vec<Vec<Brief>>>,
    /// Per capability of [`CAPABILITIES`], per column: its verdict.
    pub capabilities: Vec<Vec<Verdict>>,
    /// The documentation view: per claim of expectations/claims.toml, per
    /// column, what its cases' trials say.
    pub claims: Vec<ClaimRow>,
    /// Case ID -> (summary, refs), from the case registry of the binary
    /// that renders (empty where the cases are not linked).
    pub cases: BTreeMap<String, (String, Vec<String>)>,
    /// Documentation errata (the kernel is right, the man page stale),
    /// with the columns whose runs asserted them: listed apart from the
    /// kernel deviations (xfail) in the area cells.
    pub errata: Vec<(oracle::expectations::Erratum, Vec<usize>)>,
    /// The recorded deviations seen, in file order, with their upstream
    /// status per column.
    pub deviations: Vec<DeviationRow>,
}

pub(crate) fn version_key(release: &str) -> (u32, u32, String) {
    let (a, b) = parse_version(release).unwrap_or((0, 0));
    (a, b, release.to_string())
}

pub fn major_minor(release: &str) -> String {
    parse_version(release).map(|(a, b)| format!("{a}.{b}")).unwrap_or_else(|| release.to_string())
}

/// A label that names a patched kernel ("6.12.118 + sqe-group v8").
fn is_patched_label(label: &str) -> bool {
    label.contains(" + ")
}

impl Matrix {
    /// The matrix of run reports, each with its file name (the page links
    /// to it).
    pub fn build(runs: &[(String, RunReport)]) -> Matrix {
        let mut order: Vec<(&String, &RunReport)> = runs.iter().map(|(f, r)| (f, r)).collect();
        order.sort_by_key(|(_, r)| (version_key(&r.kernel.release), r.machine.label.clone()));
        let mut columns: Vec<Column> = order
            .iter()
            .map(|(file, r)| Column {
                release: r.kernel.release.clone(),
                version: r.kernel.version.clone(),
                label: r.machine.label.clone(),
                availability: r.probe.availability,
                availability_detail: r.probe.availability_detail.clone(),
                commit: r.suite.commit.clone(),
                started: r.started.clone(),
                file: (*file).clone(),
                expectations: r.expectations,
                head: if is_patched_label(&r.machine.label) { r.machine.label.clone() } else { major_minor(&r.kernel.release) },
                notes: r.probe.notes.clone(),
                broken: r.probe.broken.clone(),
            })
            .collect();
        // Two runs of one kernel line are told apart by their release (and
        // label, where even that is shared).
        let heads: Vec<String> = columns.iter().map(|c| c.head.clone()).collect();
        for (i, c) in columns.iter_mut().enumerate() {
            if heads.iter().filter(|h| **h == heads[i]).count() > 1 {
                let same_release = order.iter().filter(|(_, r)| r.kernel.release == c.release).count() > 1;
                c.head = if same_release { format!("{} ({})", c.release, c.label) } else { c.release.clone() };
            }
        }
        let features: Vec<FeatureRow> = FEATURES
            .iter()
            .map(|f| {
                let present: Vec<Option<bool>> =
                    order.iter().map(|(_, r)| if r.probe.availability == Availability::Ok { r.probe.features.get(f.id).copied() } else { None }).collect();
                // The first column from which every later one has it.
                let mut observed = None;
                for i in (0..order.len()).rev() {
                    match present[i] {
                        Some(true) => observed = Some(columns[i].head.clone()),
                        Some(false) => break,
                        None => {}
                    }
                }
                let class = f.feature.class();
                let seen = seen(class, f.since, &columns, &present);
                FeatureRow { id: f.id, class: class.name(), since: f.since, reference: f.reference, observed, present, seen }
            })
            .collect();
        let mut areas: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
        let mut briefs: BTreeMap<String, Vec<Vec<Brief>>> = BTreeMap::new();
        let exps = oracle::expectations::Expectations::builtin();
        let mut seen: BTreeMap<usize, DeviationRow> = BTreeMap::new();
        for (i, (_, r)) in order.iter().enumerate() {
            let release = oracle::expectations::effective_release(&r.kernel.release, &r.kernel.version);
            let mut results: Vec<&TrialResult> = r.results.iter().collect();
            results.sort_by(|a, b| a.id.cmp(&b.id));
            for t in results {
                let row = areas.entry(t.area.clone()).or_insert_with(|| vec![Cell::default(); order.len()]);
                let c = &mut row[i];
                let b = brief(&exps, &release, t);
                c.add(&b);
                // The entry an xfail matched, by its ID, where the built-in
                // file still has it.
                let x = t.deviation.as_deref().filter(|_| t.outcome == Outcome::Xfail).and_then(|id| exps.entry(id));
                if let (Some(x), Some((standing, status))) = (x, &b.upstream) {
                    let k = exps.expect.iter().position(|e| std::ptr::eq(e, x)).unwrap_or(usize::MAX);
                    let row = seen.entry(k).or_insert_with(|| DeviationRow {
                        trial: x.trial.clone(),
                        reason: x.reason.clone(),
                        upstream: x.upstream.as_ref().map(|u| u.summary()).unwrap_or_default(),
                        columns: vec![],
                    });
                    if !row.columns.iter().any(|(c, _, _)| *c == i) {
                        row.columns.push((i, standing.clone(), status.clone()));
                    }
                }
                briefs.entry(t.area.clone()).or_insert_with(|| vec![Vec::new(); order.len()])[i].push(b);
            }
        }
        let mut errata: Vec<(oracle::expectations::Erratum, Vec<usize>)> = Vec::new();
        for (i, (_, r)) in order.iter().enumerate() {
            for ErratumRan { erratum: e, .. } in &r.errata {
                match errata.iter_mut().find(|(x, _)| x.trials == e.trials && x.page == e.page) {
                    Some((_, cols)) => cols.push(i),
                    None => errata.push((e.clone(), vec![i])),
                }
            }
        }
        let deviations = seen.into_values().collect();
        let capabilities = CAPABILITIES
            .iter()
            .map(|cap| {
                (0..columns.len())
                    .map(|i| {
                        let present = |id: &str| features.iter().find(|f: &&FeatureRow| f.id == id).and_then(|f| f.present[i]);
                        let c = &columns[i];
                        let view = ColumnView {
                            availability: c.availability,
                            availability_detail: &c.availability_detail,
                            present: &present,
                            notes: &c.notes,
                            broken: &c.broken,
                        };
                        let trials: Vec<&Brief> = briefs.values().flat_map(|cells| cells[i].iter()).filter(|b| covers(cap, &b.id)).collect();
                        judge(cap, &view, &trials)
                    })
                    .collect()
            })
            .collect();
        let claims = claim_rows(&columns, &briefs);
        let mut cases = BTreeMap::new();
        let ran: std::collections::BTreeSet<&str> = briefs.values().flatten().flatten().map(|b| case_of(&b.id)).collect();
        for c in oracle::case::all_cases() {
            if ran.contains(c.id) {
                cases.insert(c.id.to_string(), (c.summary.to_string(), c.refs.iter().map(|r| r.to_string()).collect()));
            }
        }
        Matrix { columns, features, areas, briefs, capabilities, claims, cases, errata, deviations }
    }

    /// The column a name means: its heading (`6.1`), its release, or the
    /// one release that starts with it; otherwise the reason, naming the
    /// columns there are (escaped for the terminal).
    pub fn column_named(&self, name: &str) -> Result<usize, String> {
        let by = |f: &dyn Fn(&Column) -> bool| -> Vec<usize> { (0..self.columns.len()).filter(|&i| f(&self.columns[i])).collect() };
        for found in [by(&|c| c.head == name), by(&|c| c.release == name), by(&|c| c.release.starts_with(name))] {
            match found.as_slice() {
                [one] => return Ok(*one),
                [] => continue,
                many => {
                    let names: Vec<String> = many.iter().map(|&i| escape::terminal(&self.columns[i].head)).collect();
                    return Err(format!("{} names several kernels here: {}", escape::terminal(name), names.join(", ")));
                }
            }
        }
        let heads: Vec<String> = self.columns.iter().map(|c| escape::terminal(&c.head)).collect();
        Err(format!("no kernel {} in these reports (there are: {})", escape::terminal(name), heads.join(", ")))
    }

    /// What column `b` has that `a` lacks (capabilities, then features),
    /// the reverse, and the capabilities that deviate or are broken on
    /// either: the page's comparison, as text for a terminal.
    pub fn compare(&self, a: usize, b: usize) -> String {
        let t = escape::terminal;
        let (ha, hb) = (t(&self.columns[a].head), t(&self.columns[b].head));
        let mut s = format!("compare {ha} ({}) with {hb} ({})\n", t(&self.columns[a].release), t(&self.columns[b].release));
        let has = |st: State| matches!(st, State::Conforming | State::Deviation | State::Broken);
        for (x, y, hx, hy) in [(b, a, &hb, &ha), (a, b, &ha, &hb)] {
            let rows: Vec<String> = CAPABILITIES
                .iter()
                .zip(&self.capabilities)
                .filter(|(_, v)| has(v[x].state) && v[y].state == State::Absent)
                .map(|(c, v)| format!("  {} ({}): {} on {hx} ({}); absent on {hy} ({})\n", c.id, c.title, v[x].state.word(), t(&v[x].why), t(&v[y].why)))
                .collect();
            s += &format!("\ncapabilities {hx} has that {hy} lacks ({}):\n{}", rows.len(), rows.concat());
        }
        let rows: Vec<String> = CAPABILITIES
            .iter()
            .zip(&self.capabilities)
            .filter(|(_, v)| [a, b].iter().any(|&i| matches!(v[i].state, State::Deviation | State::Broken)))
            .map(|(c, v)| {
                let mut r = format!("  {} ({}):\n", c.id, c.title);
                for (i, h) in [(a, &ha), (b, &hb)] {
                    r += &format!("    {h}: {}: {}\n", v[i].state.word(), t(&v[i].why));
                }
                r
            })
            .collect();
        s += &format!("\ncapabilities that deviate or are broken on either ({}):\n{}", rows.len(), rows.concat());
        for (x, y, hx, hy) in [(b, a, &hb, &ha), (a, b, &ha, &hb)] {
            let ids: Vec<&str> = self.features.iter().filter(|f| f.present[x] == Some(true) && f.present[y] == Some(false)).map(|f| f.id).collect();
            s += &format!("\nfeatures {hx} has that {hy} lacks ({}):\n", ids.len());
            for chunk in ids.chunks(4) {
                s += &format!("  {}\n", chunk.join("  "));
            }
        }
        s
    }

    /// The suite commits the columns come from (more than one: the page
    /// says so).
    pub fn commits(&self) -> Vec<String> {
        let mut c: Vec<String> = self.columns.iter().map(|c| c.commit.clone()).collect();
        c.sort();
        c.dedup();
        c
    }

    pub fn cell_text(c: &Cell) -> String {
        if c.total == 0 {
            return "-".into();
        }
        let mut s = format!("{}/{}", c.pass, c.total);
        let extra: Vec<String> = [(c.fail, "fail"), (c.skip, "skip"), (c.xfail, "xfail"), (c.erratum, "erratum")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
        if !extra.is_empty() {
            s += &format!(" ({})", extra.join(", "));
        }
        s
    }

    /// The cell's class for colouring: fail, xfail (a known deviation),
    /// erratum, skip-kernel (not supported), skip-env, partial (passes,
    /// but mostly skipped), pass, or none. The page computes the same from
    /// the trials the filter keeps.
    pub fn cell_class(c: &Cell) -> &'static str {
        if c.total == 0 {
            "none"
        } else if c.fail > 0 {
            "fail"
        } else if c.xfail > 0 {
            "xfail"
        } else if c.erratum > 0 {
            "erratum"
        } else if c.pass == 0 && c.skip_env == c.skip {
            "skip-env"
        } else if c.pass == 0 {
            "skip-kernel"
        } else if c.skip > c.pass {
            // Mostly skipped: not green.
            "partial"
        } else {
            "pass"
        }
    }

    /// A capability verdict in a few characters (`yes 21/23`, `dev 20/23`,
    /// `BROKEN`, `no`, `?`).
    pub fn verdict_text(v: &Verdict) -> String {
        match v.state {
            State::Conforming => format!("yes {}/{}", v.counts.pass, v.counts.total),
            State::Deviation => format!("dev {}/{}", v.counts.pass, v.counts.total),
            State::Broken => "BROKEN".into(),
            State::Absent => "no".into(),
            State::Undetermined => "?".into(),
        }
    }

    pub fn present_text(p: Option<bool>) -> &'static str {
        match p {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        }
    }

    fn seen_text(f: &FeatureRow) -> String {
        let seen = f.observed.clone().unwrap_or_else(|| "-".into());
        match &f.seen {
            Seen::Late(k) => format!("{seen} (late: {k} lacks it)"),
            Seen::Backport(k) if *k == seen => format!("{seen} (backport)"),
            Seen::Backport(k) => format!("{seen} (backport: on {k})"),
            Seen::NoVersion => "-".into(),
            Seen::Agrees => seen,
        }
    }

    /// The compact summary GitHub renders. Every string from a report
    /// (release, label, commit, date, area, erratum, and the column heads
    /// made of them) goes through [`escape::markdown`]; feature IDs and
    /// the counts are the suite's own.
    pub fn markdown(&self) -> String {
        let md = escape::markdown;
        let heads: Vec<String> = self.columns.iter().map(|c| md(&c.head)).collect();
        let mut s = String::from("# io_uring support matrix\n\nGenerated by `uring-conform matrix` from the run reports in `reports/runs/` (real runs, one per kernel). The page with drill-down: `matrix.html`.\n\n");
        s += "## Kernels\n\n| kernel | release | machine | io_uring | suite commit | date |\n| --- | --- | --- | --- | --- | --- |\n";
        for c in &self.columns {
            let date = c.started.get(..10).unwrap_or(&c.started);
            s += &format!("| {} | {} | {} | {} | {} | {} |\n", md(&c.head), md(&c.release), md(&c.label), md(c.availability.word()), md(&c.commit), md(date));
        }
        let commits = self.commits();
        if commits.len() > 1 {
            s += &format!("\nThe columns come from {} suite commits: {}.\n", commits.len(), commits.iter().map(|c| md(c)).collect::<Vec<_>>().join(", "));
        }
        s += "\n## Capabilities (what a runtime can use)\n\nyes N/M: present and conforming (N of M trials pass, the rest skipped); dev: present with a known kernel deviation; BROKEN; no: absent; ?: undetermined. Why, per kernel: `matrix.json` or the page.\n\n";
        s += &format!("| capability | {} |\n|{}\n", heads.join(" | "), " --- |".repeat(heads.len() + 1));
        for (cap, verdicts) in CAPABILITIES.iter().zip(&self.capabilities) {
            let row: Vec<String> = verdicts.iter().map(Matrix::verdict_text).collect();
            s += &format!("| {} (`{}`) | {} |\n", md(cap.title), cap.id, row.join(" | "));
        }
        s += "\n## Areas (pass/total; fail, skip, xfail = known kernel deviation, erratum)\n\n";
        s += &format!("| area | {} |\n|{}\n", heads.join(" | "), " --- |".repeat(heads.len() + 1));
        for (area, cells) in &self.areas {
            let row: Vec<String> = cells.iter().map(Matrix::cell_text).collect();
            s += &format!("| {} | {} |\n", md(area), row.join(" | "));
        }
        if !self.errata.is_empty() {
            s += "\n## Documentation errata (the kernel is right, the man page is stale)\n\nThe cases assert the kernel's intended behaviour; these are corrections to propose, not kernel failures.\n\n| trials | page | says | the kernel | proposed | kernels |\n| --- | --- | --- | --- | --- | --- |\n";
            for (e, cols) in &self.errata {
                let ks: Vec<&str> = cols.iter().map(|&i| heads[i].as_str()).collect();
                s += &format!("| {} | {} | {} | {} | {} | {} |\n", md(&e.trials), md(&e.page), md(&e.says), md(&e.kernel), md(&e.correction), ks.join(", "));
            }
        }
        if !self.deviations.is_empty() {
            s += "\n## Known kernel deviations and upstream\n\nPer kernel: **lacks upstream fix** (older than the fixing release: an upgrade fixes it) or **upstream behaves so** (no fix upstream).\n\n| trials | what the kernel does | upstream | lacks the fix | upstream behaves so |\n| --- | --- | --- | --- | --- |\n";
            for d in &self.deviations {
                let on = |w: &str| -> String {
                    let v: Vec<&str> = d.columns.iter().filter(|(_, s, _)| s == w).map(|(i, _, _)| heads[*i].as_str()).collect();
                    if v.is_empty() {
                        "-".into()
                    } else {
                        v.join(", ")
                    }
                };
                let odd = on("has-fix");
                let up = if odd == "-" { d.upstream.clone() } else { format!("{} (deviates although the fix is in by version: {odd})", d.upstream) };
                s += &format!("| {} | {} | {} | {} | {} |\n", md(&d.trial), md(&d.reason), md(&up), on("lacks-fix"), on("upstream-same"));
            }
        }
        s += "\n## Features (documented first version; first version seen here, marked late or backport where it disagrees)\n\n";
        s += &format!("| feature | documented | seen | {} |\n|{}\n", heads.join(" | "), " --- |".repeat(heads.len() + 3));
        for f in &self.features {
            let row: Vec<&str> = f
                .present
                .iter()
                .enumerate()
                .map(|(i, p)| if self.columns[i].broken.contains_key(f.id) { "BROKEN" } else { Matrix::present_text(*p) })
                .collect();
            s += &format!("| `{}` | {} | {} | {} |\n", f.id, if f.since.is_empty() { "-" } else { f.since }, md(&Matrix::seen_text(f)), row.join(" | "));
        }
        s
    }

    /// Tidy CSV: one row per kernel x feature (measure `present`), per
    /// kernel x capability (measure `state`, then the trial counts) and per
    /// kernel x area x outcome (measure = the outcome, value = the count).
    pub fn csv(&self) -> String {
        let q = escape::csv;
        let mut s = String::from("kernel,release,label,kind,name,measure,value\n");
        for (i, c) in self.columns.iter().enumerate() {
            let k = format!("{},{},{}", q(&c.head), q(&c.release), q(&c.label));
            for f in &self.features {
                let v = match f.present[i] {
                    Some(true) if c.broken.contains_key(f.id) => "broken",
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "unknown",
                };
                s += &format!("{k},feature,{},present,{v}\n", f.id);
            }
            for (cap, verdicts) in CAPABILITIES.iter().zip(&self.capabilities) {
                let v = &verdicts[i];
                s += &format!("{k},capability,{},state,{}\n", cap.id, v.state.word());
                for (m, n) in [("pass", v.counts.pass), ("fail", v.counts.fail), ("skip", v.counts.skip), ("xfail", v.counts.xfail), ("total", v.counts.total)]
                {
                    s += &format!("{k},capability,{},{m},{n}\n", cap.id);
                }
            }
            for (area, cells) in &self.areas {
                let cell = &cells[i];
                for (m, n) in
                    [("pass", cell.pass), ("fail", cell.fail), ("skip", cell.skip), ("xfail", cell.xfail), ("erratum", cell.erratum), ("total", cell.total)]
                {
                    s += &format!("{k},area,{},{m},{n}\n", q(area));
                }
            }
        }
        s
    }

    pub fn html(&self) -> String {
        crate::page::render(self)
    }
}

/// A claim of the documentation (expectations/claims.toml) and, per
/// column, the state and counts of its cases' trials.
pub struct ClaimRow {
    pub id: String,
    pub page: String,
    pub section: String,
    pub says: String,
    /// The inventory's status word (covered, erratum, deviation, needs, open).
    pub status: String,
    /// Its reason, for every status but covered.
    pub reason: String,
    pub cases: Vec<String>,
    pub cells: Vec<(ClaimState, Counts)>,
}

/// `area/name` of a trial ID `area/name[variant]`.
pub fn case_of(trial: &str) -> &str {
    trial.rsplit_once('[').map_or(trial, |(c, _)| c)
}

fn claim_rows(columns: &[Column], briefs: &BTreeMap<String, Vec<Vec<Brief>>>) -> Vec<ClaimRow> {
    let inv = oracle::claims::Inventory::builtin();
    // Case ID -> per column, the trials' counts.
    let mut by_case: BTreeMap<&str, Vec<Counts>> = BTreeMap::new();
    for cells in briefs.values() {
        for (i, cell) in cells.iter().enumerate() {
            for b in cell {
                by_case.entry(case_of(&b.id)).or_insert_with(|| vec![Counts::default(); columns.len()])[i].add(b);
            }
        }
    }
    inv.claim
        .iter()
        .map(|c| {
            let cells = (0..columns.len())
                .map(|i| {
                    let mut n = Counts::default();
                    for case in &c.cases {
                        if let Some(k) = by_case.get(case.as_str()) {
                            let k = &k[i];
                            n.pass += k.pass;
                            n.erratum += k.erratum;
                            n.fail += k.fail;
                            n.xfail += k.xfail;
                            n.skip += k.skip;
                            n.skip_env += k.skip_env;
                            n.error += k.error;
                            n.total += k.total;
                        }
                    }
                    let state = if columns[i].availability != Availability::Ok && !c.cases.is_empty() {
                        ClaimState::NotRun
                    } else {
                        ClaimState::of(!c.cases.is_empty(), &n)
                    };
                    (state, n)
                })
                .collect();
            ClaimRow {
                id: c.id.clone(),
                page: c.page.clone(),
                section: c.section.clone(),
                says: c.says.clone(),
                status: c.status.name().to_string(),
                reason: c.reason.clone().unwrap_or_default(),
                cases: c.cases.clone(),
                cells,
            }
        })
        .collect()
}

/// A trial's brief from its typed verdict: the entry an xfail matched (by
/// its `deviation` ID, where today's file still has it) with this kernel's
/// standing against its upstream status.
fn brief(exps: &oracle::expectations::Expectations, release: &str, t: &TrialResult) -> Brief {
    let x = t.deviation.as_deref().filter(|_| t.outcome == Outcome::Xfail).and_then(|id| exps.entry(id));
    Brief {
        id: t.id.clone(),
        outcome: t.outcome,
        erratum: t.erratum.clone().filter(|_| t.outcome == Outcome::Pass),
        message: t.message.clone(),
        env: t.outcome == Outcome::Skip && t.skip.as_ref().is_some_and(|s| s.is_environment()),
        entry: x.map(|x| (x.kernels.clone(), x.reason.clone(), x.evidence.clone())),
        upstream: x.and_then(|x| x.upstream.as_ref()).map(|u| (u.standing(release).word().to_string(), u.status_for(release))),
    }
}

impl Cell {
    /// Counts one trial: its bucket, and whether it is a skip for the
    /// environment or a pass asserting an erratum.
    fn add(&mut self, b: &Brief) {
        let mut t = Tally::default();
        t.add(b.outcome);
        self.pass += t.pass;
        self.fail += t.fail;
        self.skip += t.skip;
        self.xfail += t.xfail;
        self.total += 1;
        self.skip_env += usize::from(b.env);
        self.erratum += usize::from(b.is_erratum());
    }
}

/// Compares what the columns show with a feature's documented version.
fn seen(class: Class, since: &str, columns: &[Column], present: &[Option<bool>]) -> Seen {
    let Some(doc) = parse_version(since).filter(|_| !matches!(class, Class::Env | Class::Proposal)) else { return Seen::NoVersion };
    let ver = |c: &Column| parse_version(&c.release);
    // Patched kernels are left out: their features are the series', not
    // the release's.
    let plain = |i: &usize| !is_patched_label(&columns[*i].label);
    if let Some(i) = (0..columns.len()).filter(plain).find(|&i| ver(&columns[i]).is_some_and(|v| v < doc) && present[i] == Some(true)) {
        return Seen::Backport(columns[i].head.clone());
    }
    if let Some(i) = (0..columns.len()).filter(plain).find(|&i| ver(&columns[i]).is_some_and(|v| v >= doc) && present[i].is_some()) {
        if present[i] == Some(false) {
            return Seen::Late(columns[i].head.clone());
        }
    }
    Seen::Agrees
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kernel: &str, feats: &[(&str, bool)], trials: &[(&str, Outcome)]) -> (String, RunReport) {
        let mut r = RunReport::minimal(kernel, trials.iter().map(|(id, o)| TrialResult::of(id, *o, "")).collect());
        r.machine.label = "t".into();
        r.suite.commit = "c0ffee".into();
        r.started = "2026-12-01T00:00:00Z".into();
        r.probe.features = feats.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        (format!("{kernel}.json"), r)
    }

    /// Text from a report (a label, a release, a message) never becomes
    /// markup: the title is escaped, the data cannot end its <script>, and
    /// the page sets attributes through the DOM, never by string.
    #[test]
    fn report_text_cannot_break_out_of_the_page() {
        let hostile = "x\" onmouseover=\"alert(1)</script><b>";
        let mut r = run(hostile, &[("op.nop", true)], &[("a/x[default]", Outcome::Fail)]);
        r.1.machine.label = hostile.into();
        r.1.results[0].message = hostile.into();
        let html = Matrix::build(&[r]).html();
        assert!(html.contains("<title>io_uring support on x&quot; onmouseover=&quot;alert(1)&lt;/script&gt;&lt;b&gt;</title>"), "{html}");
        assert!(!html.contains("</script><b>"), "the data ends its script element early");
        assert_eq!(html.matches("</script>").count(), html.matches("<script").count());
        assert!(!html.contains("innerHTML"), "the page must not build markup from strings");
    }

    /// A trial ID that opens an HTML comment and a script inside the data
    /// block (`<!--<script>`) would put the parser in the "double escaped"
    /// state, where no `</script>` ends the element: the page's own script
    /// never runs and the page is blank. No `<` survives in the data.
    #[test]
    fn a_trial_id_cannot_open_a_comment_or_script_in_the_data_block() {
        let id = "a/x<!--<script>alert(1)</script><SCRIPT>[default]";
        let mut r = run("6.18.1", &[("op.nop", true)], &[(id, Outcome::Fail)]);
        r.1.machine.label = "<!--".into();
        let html = Matrix::build(&[r]).html();
        let open = "<script type=\"application/json\" id=\"data\">";
        let start = html.find(open).expect("the data block") + open.len();
        let end = start + html[start..].find("</script>").expect("the data block ends");
        let data = html[start..end].to_ascii_lowercase();
        for bad in ["<!--", "<script", "</script", "<"] {
            assert!(!data.contains(bad), "{bad:?} in the data block: {data}");
        }
        // The data is still the same JSON: \u003c decodes to "<".
        let v: serde_json::Value = serde_json::from_str(&html[start..end]).expect("the data block is JSON");
        let i = v["areas"][0]["cells"][0]["trials"][0][0].as_u64().unwrap() as usize;
        assert_eq!(v["ids"][i], id);
        assert_eq!(html.matches("<script").count(), 2, "only the page's own two script elements");
    }

    /// matrix.md is rendered by GitHub: a release, label, area, commit or
    /// erratum from a report is text there, never HTML, a link, emphasis,
    /// a code span or a new table cell or row.
    #[test]
    fn markdown_shows_report_text_as_text() {
        let html = "<img src=x onerror=alert(1)>";
        let mut r = run(&format!("6.18.1{html}|x\n| evil |"), &[("op.nop", true)], &[(&format!("ar{html}|`e`*[l](u)/x[default]"), Outcome::Fail)]);
        r.1.machine.label = format!("lab{html}\r\n<script>");
        r.1.suite.commit = "c<b>".into();
        r.1.started = "<i>2026-12-01T00".into();
        r.1.errata = vec![ErratumRan {
            ran: vec![],
            erratum: oracle::expectations::Erratum {
                id: "e".into(),
                trials: format!("cancel/x`{html}"),
                page: format!("p{html}"),
                says: "says|\n".into(),
                kernel: "k<".into(),
                evidence: vec![],
                correction: "c&amp;".into(),
                upstream: Some(oracle::expectations::Upstream {
                    kind: oracle::expectations::UpstreamKind::Fixed,
                    commits: vec![format!("abc{html}")],
                    release: Some("7.1|`x`".into()),
                    stable: vec![],
                    messages: vec![],
                    checked: "<b>".into(),
                }),
            },
        }];
        let md = Matrix::build(&[r]).markdown();
        assert!(!md.contains('<'), "raw markup in {md}");
        assert!(!md.chars().any(|c| c.is_control() && c != '\n'), "control characters in {md:?}");
        // Every table row keeps its cells: the unescaped pipes of each row
        // are those of its header.
        let cells = |l: &str| l.replace("\\\\", "").replace("\\|", "").matches('|').count();
        let mut width = 0;
        for l in md.lines() {
            if !l.starts_with('|') {
                width = 0;
                continue;
            }
            if width == 0 {
                width = cells(l);
            }
            assert_eq!(cells(l), width, "a table row changed shape: {l}");
        }
        assert!(md.contains("| 6.18.1&lt;img src=x onerror=alert(1)&gt;\\|x\\\\n\\| evil \\| |"), "{md}");
        assert!(md.contains("| c&amp;amp; |"), "an entity in the report is shown as written: {md}");
    }

    /// A feature the probe found broken reads BROKEN in every rendering,
    /// never "yes".
    #[test]
    fn broken_features_show_as_broken() {
        let mut r = run("6.12.118-mutant-x", &[("opflag.poll_add.multi", true), ("op.nop", true)], &[]);
        r.1.probe.broken.insert("opflag.poll_add.multi".into(), "POLL_ADD ... gave {user_data: 1, res: 1, flags: 0x0}".into());
        let m = Matrix::build(&[r]);
        assert!(m.markdown().contains("| `opflag.poll_add.multi` | 5.13 | "), "{}", m.markdown());
        assert!(m.markdown().lines().any(|l| l.starts_with("| `opflag.poll_add.multi`") && l.ends_with("| BROKEN |")));
        assert!(m.markdown().lines().any(|l| l.starts_with("| `op.nop`") && l.ends_with("| yes |")));
        assert!(m.csv().contains(",feature,opflag.poll_add.multi,present,broken\n"));
        assert!(m.html().contains("present but not as documented"));
    }

    #[test]
    fn kernels_sort_by_version_and_cells_count() {
        let runs = [
            run("6.12.1", &[("op.nop", true), ("setup.cqe_mixed", false)], &[("a/x[default]", Outcome::Pass), ("a/y[default]", Outcome::Skip)]),
            run("5.10.0-46-amd64", &[("op.nop", true), ("setup.cqe_mixed", false)], &[("a/x[default]", Outcome::Fail), ("a/y[default]", Outcome::Xfail)]),
            run("6.18.15", &[("op.nop", true), ("setup.cqe_mixed", true)], &[("a/x[default]", Outcome::Pass), ("a/y[default]", Outcome::Pass)]),
        ];
        let m = Matrix::build(&runs);
        let order: Vec<&str> = m.columns.iter().map(|k| k.release.as_str()).collect();
        assert_eq!(order, ["5.10.0-46-amd64", "6.12.1", "6.18.15"]);
        assert_eq!(m.areas["a"][0], Cell { pass: 0, fail: 1, skip: 0, xfail: 1, total: 2, skip_env: 0, erratum: 0 });
        assert_eq!(m.briefs["a"][0].len(), 2, "every trial behind the cell");
        assert_eq!(m.briefs["a"][2].iter().map(|b| b.word()).collect::<Vec<_>>(), ["pass", "pass"], "passing ones too");
        assert_eq!(Matrix::cell_class(&Cell { pass: 2, skip: 104, total: 106, ..Cell::default() }), "partial", "mostly skipped is not green");
        assert_eq!(Matrix::cell_text(&m.areas["a"][1]), "1/2 (1 skip)");
        let mixed = m.features.iter().find(|f| f.id == "setup.cqe_mixed").unwrap();
        assert_eq!(mixed.observed.as_deref(), Some("6.18"));
        assert_eq!(mixed.present, vec![Some(false), Some(false), Some(true)]);
        let nop = m.features.iter().find(|f| f.id == "op.nop").unwrap();
        assert_eq!(nop.observed.as_deref(), Some("5.10"));
        assert!(m.markdown().contains("| a | 0/2 (1 fail, 1 xfail) | 1/2 (1 skip) | 2/2 |"));
        assert!(m.csv().starts_with("kernel,release,label,kind,name,measure,value\n"));
        assert!(m.csv().contains("\n5.10,5.10.0-46-amd64,t,area,a,fail,1\n"));
        assert!(m.csv().contains("\n6.18,6.18.15,t,feature,setup.cqe_mixed,present,yes\n"));
        let html = m.html();
        assert!(html.contains("<meta name=\"viewport\"") && !html.contains("http://") && !html.contains("https://"), "self-contained, phone-readable");
    }

    #[test]
    fn first_seen_flags_only_late_kernels_and_backports() {
        // setup.cqe_mixed is documented for 6.18.
        let runs = [run("6.12.1", &[("setup.cqe_mixed", true)], &[]), run("6.18.2", &[("setup.cqe_mixed", true)], &[])];
        let m = Matrix::build(&runs);
        let f = m.features.iter().find(|f| f.id == "setup.cqe_mixed").unwrap();
        assert_eq!(f.seen, Seen::Backport("6.12".into()));
        let runs = [run("6.18.2", &[("setup.cqe_mixed", false)], &[]), run("7.0.1", &[("setup.cqe_mixed", true)], &[])];
        let f = Matrix::build(&runs).features.into_iter().find(|f| f.id == "setup.cqe_mixed").unwrap();
        assert_eq!(f.seen, Seen::Late("6.18".into()));
        // A feature documented in 5.1 and first seen on the oldest kernel
        // here (5.10) agrees; env.* has no version.
        let runs = [run("5.10.0", &[("op.nop", true), ("env.root", false)], &[])];
        let m = Matrix::build(&runs);
        assert_eq!(m.features.iter().find(|f| f.id == "op.nop").unwrap().seen, Seen::Agrees);
        assert_eq!(m.features.iter().find(|f| f.id == "env.root").unwrap().seen, Seen::NoVersion);
    }

    #[test]
    fn runs_of_one_kernel_line_are_told_apart() {
        let runs = [run("6.18.15", &[], &[]), run("6.18.44", &[], &[])];
        let heads: Vec<String> = Matrix::build(&runs).columns.into_iter().map(|c| c.head).collect();
        assert_eq!(heads, ["6.18.15", "6.18.44"]);
    }

    #[test]
    fn an_xfail_column_says_whether_it_lacks_the_upstream_fix_or_upstream_behaves_so() {
        let exps = oracle::expectations::Expectations::builtin();
        let xfail = |trial: &str, id: &str, release: &str| {
            let x = exps.find(id, release).find(|x| x.trial == trial).expect("entry");
            TrialResult { deviation: Some(x.id.clone()), ..TrialResult::of(id, Outcome::Xfail, "the failure") }
        };
        let mut old = run("7.0.13+deb13-amd64", &[], &[]);
        let t = xfail("timeouts/timens-abs-monotonic[*]", "timeouts/timens-abs-monotonic[default]", "7.0.13+deb13-amd64");
        old.1.results.push(t);
        let t = xfail("sqpoll/awake-after-setup[*]", "sqpoll/awake-after-setup[default]", "7.0.13+deb13-amd64");
        old.1.results.push(t);
        let m = Matrix::build(&[old]);
        let b = &m.briefs["timeouts"][0][0];
        let (standing, status) = b.upstream.clone().expect("upstream status");
        assert_eq!(standing, "lacks-fix");
        assert!(status.starts_with("lacks upstream fix 9cc6bac1bebf (fixed upstream in 7.1 (9cc6bac1bebf)"), "{status}");
        assert_eq!(b.message, "the failure");
        let b = &m.briefs["sqpoll"][0][0];
        assert_eq!(b.upstream.as_ref().map(|u| u.0.as_str()), Some("upstream-same"));
        assert_eq!(m.deviations.len(), 2);
        let md = m.markdown();
        assert!(md.contains("## Known kernel deviations and upstream"), "{md}");
        assert!(md.contains("| timeouts/timens-abs-monotonic\\[\\*\\] |"), "{md}");
        let page = m.html();
        assert!(page.contains("lacks upstream fix 9cc6bac1bebf"));
    }
}
