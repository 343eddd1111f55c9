//! The support matrix as one self-contained page (`matrix.html`): no
//! network, no external assets. The matrix travels as JSON inside the page
//! and a little plain JavaScript renders it: a legend, colours per verdict
//! (pass, fail, known deviation, documentation erratum, not supported,
//! environment), sticky headers and first column, a filter box and class
//! toggles, and drill-down (click a cell: the trials behind it with their
//! outcome and message, the known-deviation entry, how a feature was
//! detected and why it is absent; click a column: its run report).
//!
//! The page takes its state from the URL fragment too
//! (`#filter=TEXT&open=area:AREA:COLUMN` or `open=feature:ID:COLUMN` or
//! `open=column:COLUMN`), which makes a view linkable and lets
//! `reports/page-test.sh` drive it in headless Chromium.

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
    // Skip reasons repeat across thousands of trials: one table of them.
    let mut reasons: Vec<String> = Vec::new();
    let mut reason = |r: &str| -> usize {
        match reasons.iter().position(|x| x == r) {
            Some(i) => i,
            None => {
                reasons.push(r.to_string());
                reasons.len() - 1
            }
        }
    };
    let columns: Vec<Value> = m
        .columns
        .iter()
        .map(|c| {
            json!({"head": c.head, "release": c.release, "label": c.label, "availability": c.availability, "detail": c.availability_detail,
                   "commit": c.commit, "started": c.started, "file": c.file, "expectations": c.expectations})
        })
        .collect();
    let areas: Vec<Value> = m
        .areas
        .iter()
        .map(|(name, cells)| {
            let briefs = &m.briefs.get(name);
            let cells: Vec<Value> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let trials: Vec<Value> = briefs
                        .map(|b| &b[i])
                        .into_iter()
                        .flatten()
                        .map(|t| match (&t.outcome[..], &t.entry) {
                            ("skip", _) => json!([t.id, t.outcome, reason(&t.message)]),
                            (_, Some((kernels, why, evidence))) => {
                                let (standing, status) = t.upstream.clone().unwrap_or_default();
                                json!([t.id, t.outcome, t.message, {"kernels": kernels, "reason": why, "evidence": evidence, "standing": standing, "upstream": status}])
                            }
                            _ => json!([t.id, t.outcome, t.message]),
                        })
                        .collect();
                    json!({"text": Matrix::cell_text(c), "class": Matrix::cell_class(c), "trials": trials})
                })
                .collect();
            json!({"name": name, "cells": cells})
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
    json!({"columns": columns, "commits": m.commits(), "areas": areas, "features": features, "errata": errata, "deviations": deviations, "reasons": reasons})
}

const TEMPLATE: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#222}
header{padding:.8em 1em;border-bottom:1px solid #ddd}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 1em .4em}
#controls{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:center;margin-top:.5em}
#filter{font:inherit;padding:.3em .5em;min-width:16em}
.legend span{display:inline-block;padding:.1em .5em;margin-right:.3em;border:1px solid #bbb;border-radius:3px}
.wrap{overflow:auto;max-height:75vh;margin:0 1em;border:1px solid #ddd}
table{border-collapse:separate;border-spacing:0}
th,td{border-right:1px solid #ddd;border-bottom:1px solid #ddd;padding:2px 6px;text-align:center;white-space:nowrap}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:2;cursor:pointer}
th.n,td.n{position:sticky;left:0;background:#fff;text-align:left;font-family:ui-monospace,monospace;z-index:1}
thead th.n{z-index:3;background:#f4f4f4;cursor:default}
td.c{cursor:pointer}
.pass{background:#c8f0c8}.fail{background:#f5a8a8}.xfail{background:#f9d79b}.erratum{background:#bcd8f5}.lacks-fix{outline:2px dashed #b35c00;padding:0 .2em}.upstream-same{outline:2px solid #7a3db8;padding:0 .2em}.has-fix{outline:2px dotted #555;padding:0 .2em}
.skip-kernel{background:#e2e2e2;color:#555}.skip-env{background:#e6dcf3;color:#555}.none{background:#fafafa;color:#999}
.late{color:#a00;font-weight:bold}.backport{color:#05a;font-weight:bold}
#detail{position:fixed;right:0;bottom:0;width:min(46em,100%);max-height:60vh;overflow:auto;background:#fff;border:2px solid #666;
 box-shadow:0 0 12px #0004;padding:.6em 1em;z-index:10;font-size:13px}
#detail[hidden]{display:none}#detail pre{white-space:pre-wrap;background:#f6f6f6;padding:.4em;margin:.2em 0 .6em}
#detail .close{float:right;cursor:pointer;border:1px solid #999;background:#eee;padding:0 .5em}
.note{margin:0 1em;color:#444}
tr[hidden]{display:none}
</style></head><body>
<header><h1>@TITLE@</h1>
<div class="note" id="about"></div>
<div id="controls">
 <label>Filter <input id="filter" type="search" placeholder="feature or trial ID, e.g. cancel/ or op.read"></label>
 <span id="classes"></span>
</div>
<div class="legend" id="legend">
 <span class="pass">pass / present</span><span class="fail">fail</span><span class="xfail">known kernel deviation (xfail)</span><span class="erratum">documentation erratum</span><span class="skip-kernel">skip: not supported</span><span class="skip-env">skip: environment</span><span class="none">no data</span>
 <span class="late" style="border:0">late</span>: the first kernel here at or after the documented version lacks it; <span class="backport" style="border:0">backport</span>: present before its documented version
</div>
</header>
<h2>Areas</h2><div class="wrap"><table id="areas"></table></div>
<h2 id="dev-h">Known kernel deviations and upstream</h2><div class="note" id="devs"><p>Per kernel: <span class="lacks-fix">lacks upstream fix</span> (older than the release that fixed it: an upgrade fixes it), <span class="upstream-same">upstream behaves so</span> (no fix upstream), <span class="has-fix">deviates although the fix is in by version</span>.</p></div>
<h2 id="errata-h">Documentation errata</h2><div class="note" id="errata"></div>
<h2>Features</h2><div class="wrap"><table id="features"></table></div>
<aside id="detail" hidden></aside>
<script type="application/json" id="data">@DATA@</script>
<script>
"use strict";
const T0 = performance.now();
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) { if (k === "text") e.textContent = v; else e.setAttribute(k, v); } for (const k of kids) e.append(k); return e; };

function about() {
  const n = D.columns.length, c = D.commits;
  let s = `From ${n} real run${n === 1 ? "" : "s"} of uring-conform (run reports in runs/). Click a cell for the trials behind it, a kernel for its run.`;
  if (c.length > 1) s += ` The columns come from ${c.length} different suite commits (${c.join(", ")}): compare with care.`;
  $("about").textContent = s;
}

function head(table) {
  const tr = el("tr", {}, el("th", { class: "n", text: table === "areas" ? "area" : "feature" }));
  if (table === "features") { tr.append(el("th", { text: "documented" }), el("th", { text: "seen" })); }
  D.columns.forEach((c, i) => {
    const th = el("th", { text: c.head, title: `${c.release} (${c.label}), suite ${c.commit}, ${c.started}`, "data-col": i });
    th.onclick = () => open("column", "", i);
    tr.append(th);
  });
  return el("thead", {}, tr);
}

function render() {
  const a = $("areas"); a.append(head("areas"));
  const ab = el("tbody");
  for (const area of D.areas) {
    const tr = el("tr", { "data-name": area.name, "data-ids": area.cells.flatMap(c => c.trials.map(t => t[0])).join(" ") }, el("td", { class: "n", text: area.name }));
    area.cells.forEach((c, i) => { const td = el("td", { class: "c " + c.class, text: c.text }); td.onclick = () => open("area", area.name, i); tr.append(td); });
    ab.append(tr);
  }
  a.append(ab);
  const f = $("features"); f.append(head("features"));
  const fb = el("tbody");
  for (const feat of D.features) {
    const tr = el("tr", { "data-name": feat.id, "data-class": feat.class }, el("td", { class: "n", text: feat.id, title: feat.reference }), el("td", { text: feat.since || "-" }), el("td", { class: feat.seen_kind, text: feat.seen }));
    feat.cells.forEach((c, i) => { const td = el("td", { class: "c " + c.class, text: c.text }); td.onclick = () => open("feature", feat.id, i); tr.append(td); });
    fb.append(tr);
  }
  f.append(fb);
  const classes = [...new Set(D.features.map(x => x.class))];
  for (const cl of classes) {
    const box = el("input", { type: "checkbox", "data-class": cl }); box.checked = true; box.onchange = apply;
    $("classes").append(el("label", {}, box, cl + "."));
  }
  if (D.deviations.length === 0) { $("dev-h").hidden = true; $("devs").hidden = true; }
  for (const x of D.deviations) {
    const p = el("p", {}, el("code", { text: x.trial }), ` ${x.reason}: ${x.upstream}. `);
    for (const [head, standing, status] of x.cols) p.append(el("span", { class: standing, title: status, text: `${head}: ${standing === "lacks-fix" ? "lacks upstream fix" : standing === "upstream-same" ? "upstream behaves so" : "deviates although the fix is in by version"}` }), " ");
    $("devs").append(p);
  }
  if (D.errata.length === 0) { $("errata-h").hidden = true; $("errata").hidden = true; }
  for (const e of D.errata) {
    $("errata").append(el("p", {}, el("b", { text: e.page }), ` says "${e.says}"; the kernel ${e.kernel} (trials ${e.trials}, on ${e.kernels.join(", ")}). The cases assert the kernel. Proposed: ${e.correction}`));
  }
}

function apply() {
  const q = $("filter").value.trim().toLowerCase();
  const on = new Set([...document.querySelectorAll("#classes input")].filter(b => b.checked).map(b => b.dataset.class));
  for (const tr of document.querySelectorAll("#areas tbody tr")) {
    tr.hidden = q !== "" && !tr.dataset.name.toLowerCase().includes(q) && !tr.dataset.ids.toLowerCase().includes(q);
  }
  for (const tr of document.querySelectorAll("#features tbody tr")) {
    tr.hidden = !on.has(tr.dataset.class) || (q !== "" && !tr.dataset.name.toLowerCase().includes(q));
  }
}

function open(kind, name, col) {
  const d = $("detail"); d.replaceChildren(); d.hidden = false;
  const c = D.columns[col];
  const close = el("span", { class: "close", text: "close" }); close.onclick = () => { d.hidden = true; };
  d.append(close);
  if (kind === "column") {
    d.append(el("h3", { text: `${c.head}: ${c.release}` }));
    d.append(el("p", {}, `machine ${c.label}; io_uring ${c.availability}${c.detail ? " (" + c.detail + ")" : ""}; suite commit ${c.commit}; started ${c.started}; expectations ${c.expectations}. `, el("a", { href: "runs/" + c.file, text: "run report " + c.file })));
  } else if (kind === "area") {
    const area = D.areas.find(a => a.name === name), cell = area.cells[col];
    d.append(el("h3", { text: `${name} on ${c.head}: ${cell.text}` }));
    if (cell.trials.length === 0) d.append(el("p", { text: "Every trial passed." }));
    const q = $("filter").value.trim().toLowerCase();
    for (const [id, outcome, msg, entry] of cell.trials) {
      if (q && !id.toLowerCase().includes(q) && !name.includes(q)) continue;
      let text = outcome === "skip" ? D.reasons[msg] : msg;
      if (outcome === "erratum") text = "passes, asserting the kernel against a stale man page (see Documentation errata)";
      if (entry) text = `known kernel deviation on kernels ${entry.kernels}: ${entry.reason}\n${entry.upstream ? "upstream: " + entry.upstream + "\n" : ""}evidence:\n  - ${entry.evidence.join("\n  - ")}\n\nthe failure, exactly the recorded one:\n${msg}`;
      d.append(el("div", { class: "trial", "data-id": id }, el("b", { text: `${outcome.toUpperCase()} ${id}` }), el("pre", { text })));
    }
  } else {
    const feat = D.features.find(x => x.id === name), cell = feat.cells[col];
    d.append(el("h3", { text: `${name} on ${c.head}: ${cell.text}` }));
    d.append(el("p", { text: `Detected by: ${feat.reference}. Documented since: ${feat.since || "-"}. Seen: ${feat.seen}.` }));
    if (cell.note) d.append(el("p", {}, "Why absent: ", el("code", { text: cell.note })));
  }
}

function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.has("filter")) { $("filter").value = h.get("filter"); apply(); }
  if (h.has("open")) { const [kind, name, col] = h.get("open").split(":"); open(kind, name, Number(col)); }
}

about(); render();
$("filter").oninput = apply;
fromHash();
window.addEventListener("hashchange", fromHash);
document.body.dataset.ready = "1";
document.body.dataset.renderMs = String(Math.round(performance.now() - T0));
</script></body></html>
"##;
