//! The support matrix as one self-contained page (`matrix.html`): no
//! network, no external assets. The matrix travels as JSON inside the page
//! and a little plain JavaScript renders it: capabilities (what a runtime
//! can use: [`crate::capability`]), a two-kernel comparison, areas,
//! deviations, errata, features and the documentation claims, each by
//! kernel; a legend and honest colours (a mostly skipped cell is striped,
//! not green); sticky headers and first column, compact cells; a filter
//! box that the counts follow, and class toggles; drill-down beside the
//! tables (click a cell: every trial behind it, passing ones too, grouped
//! by outcome, with the case's summary and refs; the known-deviation
//! entry; how a feature was detected and why it is absent; click a
//! column: its run report in `runs/`).
//!
//! The view lives in the URL fragment, written on every change and read
//! on load (`#filter=TEXT&off=CLASSES&open=KIND:NAME:COLUMN&cmp=A,B&docs=1&full=1`,
//! KIND one of capability, area, feature, claim, column), which makes a
//! view linkable; `reports/page-test.sh` drives the page by clicks and
//! checks that the fragment round-trips.

use crate::capability::{covers, CAPABILITIES};
use crate::escape;
use crate::matrix::{Matrix, Seen};
use serde_json::{json, Value};

/// Renders the page.
pub fn render(m: &Matrix) -> String {
    // Report text reaches the page in two places only: the title (HTML)
    // and the data (JSON in a <script> element). The page's script sets
    // everything else from the data as text and attributes, never markup.
    let data = escape::script_json(&data(m).to_string());
    let title = match m.columns.as_slice() {
        [one] => format!("io_uring support on {}", one.release),
        _ => "io_uring support matrix".to_string(),
    };
    TEMPLATE.replace("@TITLE@", &escape::html(&title)).replace("@DATA@", &data)
}

fn data(m: &Matrix) -> Value {
    // Thousands of trials per column: IDs, messages and deviation entries
    // each go into one table, and a trial is [id, outcome, message,
    // entry, env] of indices.
    let mut ids: Vec<&str> = m.briefs.values().flatten().flatten().map(|b| b.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let index = |id: &str| ids.binary_search(&id).unwrap_or(usize::MAX);
    let mut msgs: Vec<String> = vec![String::new()];
    let mut msg_at: std::collections::HashMap<String, usize> = [(String::new(), 0)].into();
    let mut msg = |r: &str| -> usize {
        if let Some(i) = msg_at.get(r) {
            return *i;
        }
        msgs.push(r.to_string());
        msg_at.insert(r.to_string(), msgs.len() - 1);
        msgs.len() - 1
    };
    let mut entries: Vec<Value> = Vec::new();
    let columns: Vec<Value> = m
        .columns
        .iter()
        .map(|c| {
            json!({"head": c.head, "release": c.release, "version": c.version, "label": c.label, "availability": c.availability.word(), "detail": c.availability_detail,
                   "commit": c.commit, "started": c.started, "file": c.file, "expectations": c.expectations.word()})
        })
        .collect();
    let areas: Vec<Value> = m
        .briefs
        .iter()
        .map(|(name, cells)| {
            let cells: Vec<Value> = cells
                .iter()
                .map(|cell| {
                    let trials: Vec<Value> = cell
                        .iter()
                        .map(|t| {
                            let e = match &t.entry {
                                Some((kernels, why, evidence)) => {
                                    let (standing, status) = t.upstream.clone().unwrap_or_default();
                                    let v = json!({"kernels": kernels, "reason": why, "evidence": evidence, "standing": standing, "upstream": status});
                                    match entries.iter().position(|x| *x == v) {
                                        Some(i) => i as i64,
                                        None => {
                                            entries.push(v);
                                            entries.len() as i64 - 1
                                        }
                                    }
                                }
                                None => -1,
                            };
                            json!([index(&t.id), t.word(), msg(&t.message), e, u8::from(t.env)])
                        })
                        .collect();
                    json!({"trials": trials})
                })
                .collect();
            json!({"name": name, "cells": cells})
        })
        .collect();
    let caps: Vec<Value> = CAPABILITIES
        .iter()
        .zip(&m.capabilities)
        .map(|(c, verdicts)| {
            let trials: Vec<usize> = ids.iter().enumerate().filter(|(_, id)| covers(c, id)).map(|(i, _)| i).collect();
            let cells: Vec<Value> = verdicts
                .iter()
                .map(|v| {
                    let ev: Vec<Value> = v.evidence.iter().map(|e| json!([e.subject, e.detail])).collect();
                    json!({"state": v.state.word(), "why": v.why, "evidence": ev})
                })
                .collect();
            json!({"id": c.id, "title": c.title, "about": c.about, "features": c.features, "globs": c.trials, "trials": trials, "cells": cells})
        })
        .collect();
    let features: Vec<Value> = m
        .features
        .iter()
        .map(|f| {
            let (seen, kind) = match &f.seen {
                Seen::Late(k) => (format!("{} (late: {k} lacks it)", f.observed.clone().unwrap_or_else(|| "-".into())), "late"),
                Seen::Backport(k) if f.observed.as_deref() == Some(k.as_str()) => (format!("{k} (backport)"), "backport"),
                Seen::Backport(k) => (format!("{} (backport: on {k})", f.observed.clone().unwrap_or_else(|| "-".into())), "backport"),
                Seen::NoVersion => ("-".to_string(), ""),
                Seen::Agrees => (f.observed.clone().unwrap_or_else(|| "-".into()), ""),
            };
            let cells: Vec<Value> = f
                .present
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let note = m.columns[i].notes.get(f.id).cloned().unwrap_or_default();
                    if let Some(why) = m.columns[i].broken.get(f.id) {
                        return json!({"text": "BROKEN", "class": "fail", "note": format!("present but not as documented: {why}")});
                    }
                    let class = match p {
                        Some(true) => "pass",
                        Some(false) if f.class == "env" => "skip-env",
                        Some(false) => "skip-kernel",
                        None => "none",
                    };
                    json!({"text": Matrix::present_text(*p), "class": class, "note": note})
                })
                .collect();
            json!({"id": f.id, "class": f.class, "since": f.since, "reference": f.reference, "seen": seen, "seen_kind": kind, "cells": cells})
        })
        .collect();
    let cases: serde_json::Map<String, Value> = m.cases.iter().map(|(id, (summary, refs))| (id.clone(), json!([summary, refs]))).collect();
    let claims: Vec<Value> = m
        .claims
        .iter()
        .map(|c| {
            let cells: Vec<&str> = c.cells.iter().map(|(s, _)| s.word()).collect();
            json!({"id": c.id, "page": c.page, "section": c.section, "says": c.says, "status": c.status, "reason": c.reason, "cases": c.cases, "cells": cells})
        })
        .collect();
    let errata: Vec<Value> = m
        .errata
        .iter()
        .map(|(e, cols)| {
            json!({"trials": e.trials, "page": e.page, "says": e.says, "kernel": e.kernel, "evidence": e.evidence, "correction": e.correction,
                   "kernels": cols.iter().map(|&i| m.columns[i].head.clone()).collect::<Vec<_>>()})
        })
        .collect();
    let deviations: Vec<Value> = m
        .deviations
        .iter()
        .map(|d| {
            let cols: Vec<Value> = d.columns.iter().map(|(i, standing, status)| json!([m.columns[*i].head, standing, status])).collect();
            json!({"trial": d.trial, "reason": d.reason, "upstream": d.upstream, "cols": cols})
        })
        .collect();
    json!({"columns": columns, "commits": m.commits(), "ids": ids, "msgs": msgs, "entries": entries, "cases": cases, "areas": areas, "caps": caps,
           "features": features, "claims": claims, "claims_liburing": oracle::claims::Inventory::builtin().source.liburing,
           "errata": errata, "deviations": deviations, "schema": crate::dataset::SCHEMA})
}

const TEMPLATE: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
:root{--panel:min(36em,42vw)}
body{font:14px system-ui,sans-serif;margin:0;color:#222}
main{transition:margin-right .1s}
body.panel-open main{margin-right:calc(var(--panel) + 1em)}
header{padding:.8em 1em;border-bottom:1px solid #ddd}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 1em .4em}
#controls{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:center;margin-top:.5em}
#filter{font:inherit;padding:.3em .5em;width:30em;max-width:90vw;box-sizing:border-box}
.legend span{display:inline-block;padding:.1em .5em;margin:.15em .3em .15em 0;border:1px solid #bbb;border-radius:3px}
.wrap{overflow:auto;max-height:75vh;margin:0 1em;border:1px solid #ddd}
table{border-collapse:separate;border-spacing:0}
th,td{border-right:1px solid #ddd;border-bottom:1px solid #ddd;padding:2px 5px;text-align:center;white-space:nowrap}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:2;cursor:pointer;white-space:normal;max-width:6.5em;font-size:12px;vertical-align:bottom}
th.n,td.n{position:sticky;left:0;background:#fff;text-align:left;z-index:1;min-width:13em;max-width:19em;white-space:normal;overflow-wrap:break-word}
td.n code,td.n{font-size:12px}td.mono{font-family:ui-monospace,monospace}
thead th.n{z-index:3;background:#f4f4f4;cursor:default}
td.seen{white-space:normal;max-width:8em;font-size:12px}
td.c{cursor:pointer;font-size:12px;min-width:4.2em}
td.c.sel{outline:3px solid #036;outline-offset:-3px}
.pass{background:#c8f0c8}.partial{background:repeating-linear-gradient(135deg,#e4f4e4 0 6px,#e2e2e2 6px 12px);color:#333}
.fail{background:#f5a8a8}.xfail{background:#f9d79b}.erratum{background:#bcd8f5}.lacks-fix{outline:2px dashed #b35c00;padding:0 .2em}.upstream-same{outline:2px solid #7a3db8;padding:0 .2em}.has-fix{outline:2px dotted #555;padding:0 .2em}
.skip-kernel{background:#e2e2e2;color:#555}.skip-env{background:#e6dcf3;color:#555}.none{background:#fafafa;color:#999}.undetermined{background:#fff8d0;color:#555}
.late{color:#a00;font-weight:bold}.backport{color:#05a;font-weight:bold}
#detail{position:fixed;right:0;top:0;width:var(--panel);height:100vh;box-sizing:border-box;overflow:auto;background:#fff;border-left:2px solid #666;
 box-shadow:0 0 12px #0004;padding:.6em 1em;z-index:10;font-size:13px}
#detail[hidden]{display:none}#detail pre{white-space:pre-wrap;background:#f6f6f6;padding:.4em;margin:.2em 0 .4em}
#detail .close{float:right;cursor:pointer;border:1px solid #999;background:#eee;padding:0 .5em}
#detail details{margin:.4em 0}#detail summary{cursor:pointer;font-weight:bold}
#detail .trial{margin:.3em 0 .5em .8em}#detail .sum{color:#333}#detail .refs{color:#666;font-size:12px}
.note{margin:0 1em;color:#444}.filtered{color:#a50}
tr[hidden]{display:none}
#compare{margin:0 1em}#compare select{font:inherit}#cmp-out ul{margin:.2em 0 .6em}#cmp-out h3{font-size:1em;margin:.6em 0 .2em}
#claims-box{margin:0 1em}#claims-box>summary{cursor:pointer;font-size:1.1em;font-weight:bold;margin:1.2em 0 .4em}
</style></head><body>
<main>
<header><h1>@TITLE@</h1>
<div class="note" id="about"></div>
<div id="controls">
 <label>Filter <input id="filter" type="search" placeholder="capability, feature or trial: multishot, cancel/, op.read"></label>
 <span id="classes"></span>
 <label><input id="full" type="checkbox"> counts in full</label>
</div>
<div class="legend" id="legend">
 <span class="pass">pass / present / conforming</span><span class="partial">passes, mostly skipped</span><span class="fail">fail / broken</span><span class="xfail">known kernel deviation (xfail)</span><span class="erratum">documentation erratum</span><span class="skip-kernel">skip: not supported / absent</span><span class="skip-env">skip: environment</span><span class="undetermined">undetermined</span><span class="none">no data</span>
 <span class="late" style="border:0">late</span>: the first kernel here at or after the documented version lacks it; <span class="backport" style="border:0">backport</span>: present before its documented version
</div>
</header>
<section id="caps-s"><h2>Capabilities: what a runtime can use</h2>
<div class="note">A cell: <b>yes N/M</b> present and conforming (N of M trials pass, the rest skipped), <b>dev</b> present with a known kernel deviation, <b>BROKEN</b>, <b>no</b> absent, <b>?</b> undetermined. Click it for why, the features and every trial behind it.</div>
<div class="wrap"><table id="caps"></table></div></section>
<section id="compare-s"><h2>Compare two kernels</h2>
<div id="compare">What <label>B <select id="cmp-b"></select></label> has that <label>A <select id="cmp-a"></select></label> lacks, the reverse, and what deviates on either.<div id="cmp-out"></div></div></section>
<section id="areas-s"><h2>Areas</h2><div class="wrap"><table id="areas"></table></div></section>
<h2 id="dev-h">Known kernel deviations and upstream</h2><div class="note" id="devs"><p>Per kernel: <span class="lacks-fix">lacks upstream fix</span> (older than the release that fixed it: an upgrade fixes it), <span class="upstream-same">upstream behaves so</span> (no fix upstream), <span class="has-fix">deviates although the fix is in by version</span>.</p></div>
<h2 id="errata-h">Documentation errata</h2><div class="note" id="errata"></div>
<section id="features-s"><h2>Features</h2><div class="wrap"><table id="features"></table></div></section>
<details id="claims-box"><summary id="claims-h">Documentation: per claim of the man pages, which kernels conform, deviate or lack it</summary>
<div class="note" id="claims-about"></div>
<div class="wrap"><table id="claims"></table></div></details>
</main>
<aside id="detail" hidden></aside>
<script type="application/json" id="data">@DATA@</script>
<script>
"use strict";
const T0 = performance.now();
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) { if (k === "text") e.textContent = v; else e.setAttribute(k, v); } for (const k of kids) e.append(k); return e; };
const NC = D.columns.length;
// Per column: trial index -> [id, outcome, message, entry, env].
const byCol = D.columns.map(() => new Map());
D.areas.forEach(a => a.cells.forEach((c, i) => { for (const t of c.trials) byCol[i].set(t[0], t); }));
const caseOf = (id) => { const k = id.lastIndexOf("["); return k < 0 ? id : id.slice(0, k); };
const ORDER = ["fail", "timeout", "crash", "xpass", "error", "xfail", "erratum", "skip", "pass"];
const S = { filter: "", off: new Set(), open: null, cmp: [-1, -1], docs: false, full: false };
const q = () => S.filter.trim().toLowerCase();

function about() {
  const n = NC, c = D.commits;
  const p = $("about");
  p.append(`From ${n} real run${n === 1 ? "" : "s"} of uring-conform. Each kernel's run report is in `, el("a", { href: "runs/", text: "runs/" }),
    " beside this page (click a kernel heading). For programs: ", el("a", { href: "matrix.json", text: "matrix.json" }), ` (${D.schema}), and `,
    el("a", { href: "matrix.csv", text: "matrix.csv" }), ", ", el("a", { href: "matrix.md", text: "matrix.md" }), ". Click a cell for the trials behind it.");
  if (c.length > 1) p.append(` The columns come from ${c.length} different suite commits (${c.join(", ")}): compare with care.`);
}

function count(trials) {
  const c = { pass: 0, fail: 0, skip: 0, xfail: 0, erratum: 0, error: 0, skip_env: 0, total: 0 };
  for (const t of trials) {
    c.total++;
    const o = t[1];
    if (o === "pass") c.pass++; else if (o === "erratum") { c.pass++; c.erratum++; } else if (o === "skip") { c.skip++; if (t[4]) c.skip_env++; } else if (o === "xfail") c.xfail++; else if (o === "error") c.error++; else c.fail++;
  }
  return c;
}
function areaText(c) {
  if (c.total === 0) return "-";
  const bad = c.fail + c.error;
  const extra = [[bad, "fail"], [c.skip, "skip"], [c.xfail, "xfail"], [c.erratum, "erratum"]].filter(x => x[0] > 0).map(x => `${x[0]} ${x[1]}`);
  return `${c.pass}/${c.total}` + (extra.length ? ` (${extra.join(", ")})` : "");
}
// A cell that mostly skipped is not green.
function areaClass(c) {
  if (c.total === 0) return "none";
  if (c.fail + c.error > 0) return "fail";
  if (c.xfail > 0) return "xfail";
  if (c.erratum > 0) return "erratum";
  if (c.pass === 0) return c.skip_env === c.skip ? "skip-env" : "skip-kernel";
  if (c.skip > c.pass) return "partial";
  return "pass";
}
const CAPCLASS = { conforming: "pass", deviation: "xfail", broken: "fail", absent: "skip-kernel", undetermined: "undetermined" };
const CAPWORD = { conforming: "yes", deviation: "dev", broken: "BROKEN", absent: "no", undetermined: "?" };
const CLAIMCLASS = { conforms: "pass", erratum: "erratum", deviates: "xfail", fails: "fail", lacks: "skip-kernel", environment: "skip-env", "not-run": "none", unchecked: "none" };
const CLAIMWORD = { conforms: "ok", erratum: "erratum", deviates: "dev", fails: "FAIL", lacks: "no", environment: "env", "not-run": "-", unchecked: "" };
const matches = (id) => { const f = q(); return !f || id.toLowerCase().includes(f); };
// The trials of a column among `idx`, and those the filter keeps (all of
// them when the row itself matches by name).
function trialsOf(col, idx, rowMatches) {
  const all = idx.map(i => byCol[col].get(i)).filter(Boolean);
  return [all, rowMatches ? all : all.filter(t => matches(D.ids[t[0]]))];
}

function head(kind) {
  const tr = el("tr", {}, el("th", { class: "n", text: kind }));
  if (kind === "feature") tr.append(el("th", { text: "documented" }), el("th", { text: "seen" }));
  if (kind === "claim") tr.append(el("th", { text: "status" }));
  D.columns.forEach((c, i) => {
    const th = el("th", { text: c.head, title: `${c.release} (${c.label}), suite ${c.commit}, ${c.started}`, "data-col": i });
    th.onclick = () => open("column", "", i);
    tr.append(th);
  });
  return el("thead", {}, tr);
}
function cellTd(kind, name, i) {
  const td = el("td", { class: "c", "data-col": i, "data-kind": kind });
  td.onclick = () => open(kind, name, i);
  return td;
}

function render() {
  const cp = $("caps"); cp.append(head("capability"));
  const cb = el("tbody");
  for (const cap of D.caps) {
    // Matched by name: its ID, title, features and case globs (cancel/*).
    const hay = [cap.id, cap.title, ...cap.features, ...cap.globs].join(" ").toLowerCase();
    const tr = el("tr", { "data-name": cap.id, "data-hay": hay }, el("td", { class: "n", title: `${cap.id}: ${cap.about}` }, el("b", { text: cap.title }), el("br"), el("code", { text: cap.id })));
    cap.cells.forEach((c, i) => tr.append(cellTd("capability", cap.id, i)));
    cb.append(tr);
  }
  cp.append(cb);
  const a = $("areas"); a.append(head("area"));
  const ab = el("tbody");
  for (const area of D.areas) {
    const tr = el("tr", { "data-name": area.name }, el("td", { class: "n mono", text: area.name }));
    area.cells.forEach((c, i) => tr.append(cellTd("area", area.name, i)));
    ab.append(tr);
  }
  a.append(ab);
  const f = $("features"); f.append(head("feature"));
  const fb = el("tbody");
  for (const feat of D.features) {
    const tr = el("tr", { "data-name": feat.id, "data-class": feat.class }, el("td", { class: "n mono", text: feat.id, title: feat.reference }), el("td", { text: feat.since || "-" }), el("td", { class: "seen " + feat.seen_kind, text: feat.seen }));
    feat.cells.forEach((c, i) => { const td = cellTd("feature", feat.id, i); td.className += " " + c.class; td.textContent = c.text; tr.append(td); });
    fb.append(tr);
  }
  f.append(fb);
  const cl = $("claims"); cl.append(head("claim"));
  const clb = el("tbody");
  for (const c of D.claims) {
    const hay = [c.id, c.page, c.section, c.says, ...c.cases].join(" ").toLowerCase();
    const tr = el("tr", { "data-name": c.id, "data-hay": hay }, el("td", { class: "n", title: `${c.page}, ${c.section}: ${c.says}` }, el("code", { text: c.id })), el("td", { text: c.status, title: c.reason }));
    c.cells.forEach((st, i) => { const td = cellTd("claim", c.id, i); td.className += " " + CLAIMCLASS[st]; td.textContent = CLAIMWORD[st]; td.title = st; tr.append(td); });
    clb.append(tr);
  }
  cl.append(clb);
  $("claims-about").textContent = `${D.claims.length} claims of liburing's man pages (read at ${D.claims_liburing.slice(0, 12)}), from expectations/claims.toml: ok = its cases' trials pass here, dev = a recorded kernel deviation, erratum = the kernel is right and the page stale, FAIL, no = the kernel lacks it (its trials skipped), env = skipped for the environment; an empty cell is a claim no case checks (its status says why).`;
  for (const cl2 of [...new Set(D.features.map(x => x.class))]) {
    const box = el("input", { type: "checkbox", "data-class": cl2 }); box.checked = true; box.onchange = () => { if (box.checked) S.off.delete(cl2); else S.off.add(cl2); changed(); };
    $("classes").append(el("label", {}, box, cl2 + "."));
  }
  for (const id of ["cmp-a", "cmp-b"]) {
    const s = $(id); s.append(el("option", { value: "-1", text: "(pick a kernel)" }));
    D.columns.forEach((c, i) => s.append(el("option", { value: String(i), text: c.head })));
    s.onchange = () => { S.cmp = [Number($("cmp-a").value), Number($("cmp-b").value)]; compare(); changed(); };
  }
  if (D.deviations.length === 0) { $("dev-h").hidden = true; $("devs").hidden = true; }
  for (const x of D.deviations) {
    const p = el("p", {}, el("code", { text: x.trial }), ` ${x.reason}: ${x.upstream}. `);
    for (const [h, standing, status] of x.cols) p.append(el("span", { class: standing, title: status, text: `${h}: ${standing === "lacks-fix" ? "lacks upstream fix" : standing === "upstream-same" ? "upstream behaves so" : "deviates although the fix is in by version"}` }), " ");
    $("devs").append(p);
  }
  if (D.errata.length === 0) { $("errata-h").hidden = true; $("errata").hidden = true; }
  for (const e of D.errata) {
    $("errata").append(el("p", {}, el("b", { text: e.page }), ` says "${e.says}"; the kernel ${e.kernel} (trials ${e.trials}, on ${e.kernels.join(", ")}). The cases assert the kernel. Proposed: ${e.correction}`));
  }
}

// Row visibility and cell counts, from the filter: counts follow it.
function apply() {
  const f = q();
  let shown = 0;
  D.caps.forEach((cap, r) => {
    const tr = $("caps").tBodies[0].rows[r];
    const byName = !f || tr.dataset.hay.includes(f);
    let any = false;
    cap.cells.forEach((c, i) => {
      const [all, kept] = trialsOf(i, cap.trials, byName);
      if (kept.length) any = true;
      const n = count(kept);
      const td = tr.cells[i + 1];
      if (!byName) {
        // Shown for some of its trials only: their counts and colour, not
        // the verdict over all of them.
        td.className = "c " + (kept.length ? areaClass(n) : "none");
        td.textContent = S.full ? areaText(n) : (n.total ? `${n.pass}/${n.total}` : "-");
        td.title = `${kept.length} of ${all.length} trials match the filter; over all of them: ${c.state}: ${c.why}`;
        return;
      }
      let cls = CAPCLASS[c.state];
      if (c.state === "conforming" && n.skip > n.pass) cls = "partial";
      td.className = "c " + cls;
      let text = CAPWORD[c.state];
      if (c.state === "conforming" || c.state === "deviation") text += ` ${n.pass}/${n.total}`;
      if (S.full) text = `${c.state} (${areaText(n)})`;
      td.textContent = text;
      td.title = `${c.state}: ${c.why}`;
    });
    tr.hidden = !byName && !any;
    if (!tr.hidden) shown++;
  });
  $("caps-s").hidden = shown === 0;
  shown = 0;
  D.areas.forEach((area, r) => {
    const tr = $("areas").tBodies[0].rows[r];
    const byName = !f || area.name.toLowerCase().includes(f);
    let any = false;
    area.cells.forEach((c, i) => {
      const kept = byName ? c.trials : c.trials.filter(t => matches(D.ids[t[0]]));
      if (kept.length) any = true;
      const n = count(kept), td = tr.cells[i + 1];
      td.className = "c " + areaClass(n);
      const full = areaText(n);
      td.textContent = S.full ? full : (n.total ? `${n.pass}/${n.total}` : "-");
      td.title = full;
    });
    tr.hidden = !byName && !any;
    if (!tr.hidden) shown++;
  });
  $("areas-s").hidden = shown === 0;
  shown = 0;
  for (const tr of $("features").tBodies[0].rows) {
    tr.hidden = S.off.has(tr.dataset.class) || (f !== "" && !tr.dataset.name.toLowerCase().includes(f));
    if (!tr.hidden) shown++;
  }
  // An empty table has no header either.
  $("features-s").hidden = shown === 0;
  for (const box of document.querySelectorAll("#classes input")) box.checked = !S.off.has(box.dataset.class);
  shown = 0;
  for (const tr of $("claims").tBodies[0].rows) { tr.hidden = f !== "" && !tr.dataset.hay.includes(f); if (!tr.hidden) shown++; }
  $("claims-h").textContent = `Documentation: per claim of the man pages, which kernels conform, deviate or lack it (${shown} of ${D.claims.length} claims${f ? " match the filter" : ""})`;
}

function trialDiv(t) {
  const id = D.ids[t[0]], cs = D.cases[caseOf(id)];
  const div = el("div", { class: "trial", "data-id": id, "data-outcome": t[1] }, el("b", { text: `${t[1].toUpperCase()} ${id}` }));
  if (cs) { div.append(el("div", { class: "sum", text: cs[0] })); if (cs[1].length) div.append(el("div", { class: "refs", text: "refs: " + cs[1].join("; ") })); }
  let text = D.msgs[t[2]] || "";
  if (t[1] === "erratum") text = "passes, asserting the kernel against a stale man page (see Documentation errata)";
  const e = t[3] >= 0 ? D.entries[t[3]] : null;
  if (e) text = `known kernel deviation on kernels ${e.kernels}: ${e.reason}\n${e.upstream ? "upstream: " + e.upstream + "\n" : ""}evidence:\n  - ${e.evidence.join("\n  - ")}\n\nthe failure, exactly the recorded one:\n${text}`;
  if (text) div.append(el("pre", { text }));
  return div;
}
// Every trial behind a cell, passing ones too, grouped (collapsed) by outcome.
function trialList(d, all, kept) {
  if (kept.length < all.length) d.append(el("p", { class: "filtered", text: `Showing ${kept.length} of ${all.length} trials: the filter "${S.filter.trim()}" hides the rest.` }));
  if (all.length === 0) d.append(el("p", { text: "No trial here." }));
  const groups = new Map();
  for (const t of kept) { if (!groups.has(t[1])) groups.set(t[1], []); groups.get(t[1]).push(t); }
  const keys = [...ORDER.filter(o => groups.has(o)), ...[...groups.keys()].filter(k => !ORDER.includes(k))];
  for (const o of keys) {
    const g = groups.get(o);
    const det = el("details", { class: "group", "data-outcome": o });
    det.open = !(o === "pass" || o === "skip");
    det.append(el("summary", { text: `${o} (${g.length})` }));
    for (const t of g) det.append(trialDiv(t));
    d.append(det);
  }
}

function open(kind, name, col, quiet) {
  const d = $("detail"); d.replaceChildren(); d.hidden = false;
  document.body.classList.add("panel-open");
  for (const x of document.querySelectorAll("td.sel")) x.classList.remove("sel");
  S.open = { kind, name, col };
  const c = D.columns[col];
  if (!c) { close(); return; }
  const x = el("span", { class: "close", text: "close" }); x.onclick = () => { close(); changed(); };
  d.append(x);
  d.dataset.kind = kind; d.dataset.name = name; d.dataset.col = String(col);
  const mark = (table) => { const tr = [...$(table).tBodies[0].rows].find(r => r.dataset.name === name); if (tr) tr.cells[[...tr.cells].findIndex(td => td.dataset.col === String(col))]?.classList.add("sel"); };
  if (kind === "column") {
    d.append(el("h3", { text: `${c.head}: ${c.release}` }));
    d.append(el("p", {}, `machine ${c.label}; ${c.version}; io_uring ${c.availability}${c.detail ? " (" + c.detail + ")" : ""}; suite commit ${c.commit}; started ${c.started}; expectations ${c.expectations}. `, el("a", { href: "runs/" + encodeURIComponent(c.file), text: "run report " + c.file })));
  } else if (kind === "area") {
    const area = D.areas.find(a => a.name === name);
    if (!area) { close(); return; }
    const cell = area.cells[col];
    const byName = !q() || name.toLowerCase().includes(q());
    const kept = byName ? cell.trials : cell.trials.filter(t => matches(D.ids[t[0]]));
    d.append(el("h3", { text: `${name} on ${c.head}: ${areaText(count(kept))}` }));
    trialList(d, cell.trials, kept);
    mark("areas");
  } else if (kind === "capability") {
    const cap = D.caps.find(a => a.id === name);
    if (!cap) { close(); return; }
    const v = cap.cells[col];
    const byName = !q() || [cap.id, cap.title, ...cap.features, ...cap.globs].join(" ").toLowerCase().includes(q());
    const [all, kept] = trialsOf(col, cap.trials, byName);
    d.append(el("h3", { text: `${cap.title} on ${c.head}: ${v.state}` }));
    d.append(el("p", { class: "why", "data-state": v.state, text: v.why }));
    d.append(el("p", { class: "about", text: cap.about }));
    if (v.evidence.length) { const ul = el("ul", { class: "evidence" }); for (const [s, t] of v.evidence) ul.append(el("li", {}, el("code", { text: s }), ": " + t)); d.append(ul); }
    const ul = el("ul", { class: "needs" });
    for (const id of cap.features) {
      const feat = D.features.find(x => x.id === id), fc = feat ? feat.cells[col] : null;
      ul.append(el("li", { "data-feature": id, class: fc ? fc.class : "none" }, el("code", { text: id }), `: ${fc ? fc.text : "?"}${fc && fc.note ? " (" + fc.note + ")" : ""}`));
    }
    d.append(el("p", { text: "Needs these probe features:" }), ul);
    trialList(d, all, kept);
    mark("caps");
  } else if (kind === "claim") {
    const cl = D.claims.find(a => a.id === name);
    if (!cl) { close(); return; }
    d.append(el("h3", { text: `${cl.id} on ${c.head}: ${cl.cells[col]}` }));
    d.append(el("p", { text: `${cl.page}, ${cl.section}: ${cl.says}. Status: ${cl.status}${cl.reason ? " (" + cl.reason + ")" : ""}.` }));
    if (cl.cases.length) {
      const want = new Set(cl.cases);
      const idx = D.ids.map((id, i) => [id, i]).filter(([id]) => want.has(caseOf(id))).map(([, i]) => i);
      const [all] = trialsOf(col, idx, true);
      trialList(d, all, all);
    }
    mark("claims");
  } else {
    const feat = D.features.find(x => x.id === name);
    if (!feat) { close(); return; }
    const cell = feat.cells[col];
    d.append(el("h3", { text: `${name} on ${c.head}: ${cell.text}` }));
    d.append(el("p", { text: `Detected by: ${feat.reference}. Documented since: ${feat.since || "-"}. Seen: ${feat.seen}.` }));
    if (cell.note) d.append(el("p", {}, "Why absent: ", el("code", { text: cell.note })));
    mark("features");
  }
  if (!quiet) changed();
}
function close() {
  $("detail").hidden = true; S.open = null;
  document.body.classList.remove("panel-open");
  for (const x of document.querySelectorAll("td.sel")) x.classList.remove("sel");
}

function compare() {
  const out = $("cmp-out"); out.replaceChildren();
  const [a, b] = S.cmp;
  $("cmp-a").value = String(a); $("cmp-b").value = String(b);
  if (!(a >= 0 && b >= 0 && a < NC && b < NC)) { out.append(el("p", { text: "Pick two kernels." })); return; }
  const has = (s) => s === "conforming" || s === "deviation" || s === "broken";
  const A = D.columns[a].head, B = D.columns[b].head;
  for (const [x, y, hx, hy, id] of [[b, a, B, A, "cmp-gained"], [a, b, A, B, "cmp-lost"]]) {
    const caps = D.caps.filter(c => has(c.cells[x].state) && c.cells[y].state === "absent");
    const feats = D.features.filter(f => f.cells[x].class === "pass" && f.cells[y].class !== "pass" && f.cells[y].class !== "none");
    const div = el("div", { id });
    div.append(el("h3", { text: `${hx} has, ${hy} lacks: ${caps.length} capabilities, ${feats.length} features` }));
    const ul = el("ul");
    for (const c of caps) ul.append(el("li", { "data-cap": c.id }, el("b", { text: c.title }), ` (${c.id}): ${c.cells[x].state} on ${hx}; on ${hy}: ${c.cells[y].why}`));
    div.append(ul);
    if (feats.length) div.append(el("p", { class: "feats", text: "Features: " + feats.map(f => f.id).join(", ") }));
    out.append(div);
  }
  const dev = el("div", { id: "cmp-dev" });
  const bad = D.caps.filter(c => [a, b].some(i => c.cells[i].state === "deviation" || c.cells[i].state === "broken"));
  dev.append(el("h3", { text: `Deviates or broken on either: ${bad.length} capabilities` }));
  const ul = el("ul");
  for (const c of bad) {
    const li = el("li", { "data-cap": c.id }, el("b", { text: c.title }));
    for (const [i, h] of [[a, A], [b, B]]) li.append(el("br"), `${h}: ${c.cells[i].state}: ${c.cells[i].why}`);
    ul.append(li);
  }
  dev.append(ul);
  out.append(dev);
}

// The view in the URL fragment: written on every change, read on load.
function changed() {
  apply();
  if (S.open) { const o = S.open; open(o.kind, o.name, o.col, true); }
  const h = new URLSearchParams();
  if (S.filter) h.set("filter", S.filter);
  if (S.off.size) h.set("off", [...S.off].join(","));
  if (S.open) h.set("open", `${S.open.kind}:${S.open.name}:${S.open.col}`);
  if (S.cmp[0] >= 0 || S.cmp[1] >= 0) h.set("cmp", S.cmp.join(","));
  if (S.docs) h.set("docs", "1");
  if (S.full) h.set("full", "1");
  const s = h.toString();
  history.replaceState(null, "", s ? "#" + s : location.pathname + location.search);
}
function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  S.filter = h.get("filter") || ""; $("filter").value = S.filter;
  S.off = new Set((h.get("off") || "").split(",").filter(Boolean));
  S.cmp = (h.get("cmp") || "-1,-1").split(",").map(Number).concat([-1, -1]).slice(0, 2).map(n => Number.isInteger(n) ? n : -1);
  S.docs = h.get("docs") === "1"; $("claims-box").open = S.docs;
  S.full = h.get("full") === "1"; $("full").checked = S.full;
  apply(); compare();
  const o = h.get("open");
  if (o) {
    const i = o.indexOf(":"), j = o.lastIndexOf(":");
    if (i > 0 && j > i) open(o.slice(0, i), o.slice(i + 1, j), Number(o.slice(j + 1)), true);
  } else close();
}

about(); render();
$("filter").oninput = () => { S.filter = $("filter").value; changed(); };
$("full").onchange = () => { S.full = $("full").checked; changed(); };
$("claims-box").ontoggle = () => { if (S.docs !== $("claims-box").open) { S.docs = $("claims-box").open; changed(); } };
fromHash();
window.addEventListener("hashchange", fromHash);
document.body.dataset.ready = "1";
document.body.dataset.renderMs = String(Math.round(performance.now() - T0));
</script></body></html>
"##;
