#!/usr/bin/env bash
# Opens the matrix page in headless Chromium, as a person would: checks
# that the filter hides rows, that a drill-down opens with the expected
# trial, and takes a screenshot. Then renders a matrix from reports whose
# every string is hostile (trial IDs, areas, releases, labels, commits,
# messages, errata holding <!--, <script>, </script>, onerror=) and checks
# that its page still renders its tables and drill-down and that no
# injected script ran. Installs Debian's chromium if it is missing (root);
# where it cannot be had, says why and skips (exit 0).
#
#   reports/page-test.sh [PAGE.html] [SCREENSHOT.png]
#
# The hostile page needs the binary: $URING_CONFORM_BIN (an error when set
# and missing), else target/release/uring-conform (skipped, saying so,
# when not built).
#
# The page is driven through its URL fragment (#filter=...&open=...), the
# same state a person gets by typing in the filter box and clicking a cell.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
page="$(realpath "${1:-$root/reports/matrix.html}")"
shot="${2:-}"
bin="${URING_CONFORM_BIN:-$root/target/release/uring-conform}"
if [ -n "${URING_CONFORM_BIN:-}" ] && [ ! -x "$bin" ]; then
    echo "page-test: FAIL: URING_CONFORM_BIN=$bin is not an executable"
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "page-test: skip: chromium is not installed, and installing it needs root"
        exit 0
    fi
    if ! apt-get install -y --no-install-recommends chromium >"$work/apt.log" 2>&1; then
        echo "page-test: skip: chromium cannot be installed here: $(tail -n 1 "$work/apt.log")"
        exit 0
    fi
fi

# Headless Chromium wants a writable home and no sandbox as root.
export HOME="$work"
chrome() { chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"; }
dom() { chrome --virtual-time-budget=3000 --dump-dom "file://$page#$1" >"$work/dom.html"; }

start=$(date +%s%N)
dom "filter=cancel/"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
python3 - "$work/dom.html" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.table = None; s.rows = {}
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "table": s.table = a.get("id")
        if tag == "tr" and "data-name" in a: s.rows[(s.table, a["data-name"])] = "hidden" in a
p = P(); p.feed(open(sys.argv[1]).read())
areas = {n: h for (t, n), h in p.rows.items() if t == "areas"}
feats = {n: h for (t, n), h in p.rows.items() if t == "features"}
assert areas, "the areas table did not render"
assert areas.get("cancel") is False, "filter cancel/ hid the cancel row"
assert areas.get("links") is True, "filter cancel/ left the links row visible"
assert feats and all(feats.values()), "filter cancel/ left feature rows visible"
print(f"page-test: filter: {sum(not h for h in areas.values())} of {len(areas)} area rows and {sum(not h for h in feats.values())} of {len(feats)} feature rows left")
PY

# The drill-down: the cancel cell of the newest column with a deviation.
col=$(python3 - "$page" <<'PY'
import sys, json, re
text = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1))
cancel = next(a for a in data["areas"] if a["name"] == "cancel")
cols = [i for i, c in enumerate(cancel["cells"]) if any(t[1] != "skip" for t in c["trials"])]
print(cols[-1] if cols else 0)
PY
)
want=$(python3 - "$page" "$col" <<'PY'
import sys, json, re
text = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1))
cell = next(a for a in data["areas"] if a["name"] == "cancel")["cells"][int(sys.argv[2])]
print(next((t[0] for t in cell["trials"] if t[1] != "skip"), ""))
PY
)
dom "open=area:cancel:$col"
if [ -n "$want" ]; then
    grep -q "<aside id=\"detail\">" "$work/dom.html" || { echo "page-test: FAIL: the drill-down did not open"; exit 1; }
    grep -qF "data-id=\"$want\"" "$work/dom.html" || { echo "page-test: FAIL: the drill-down of cancel on column $col lacks $want"; exit 1; }
    echo "page-test: drill-down: cancel on column $col lists $want"
fi
if [ -n "$shot" ]; then
    chrome --window-size=1400,1000 --virtual-time-budget=3000 --screenshot="$shot" "file://$page#open=area:cancel:$col" >/dev/null
    echo "page-test: screenshot $shot"
fi
render=$(grep -o 'data-render-ms="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || echo '?')
echo "page-test: ok ($(du -k "$page" | cut -f1) KiB page; the page's script rendered it in ${render} ms; Chromium start to DOM dump ${ms} ms)"

# The hostile page: two reports made without io_uring (failed-run), one
# clean, one whose strings each try to end the data block, open a comment
# or script in it, or inject markup; every payload, if it ever ran, marks
# the document with data-injected="WHERE".
if [ ! -x "$bin" ]; then
    echo "page-test: hostile page: skip: no binary at $bin (cargo build --release)"
    exit 0
fi
"$bin" failed-run --kernel 6.12.0-clean --label clean --reason unused >"$work/clean.json"
"$bin" failed-run --kernel 6.18.0 --label unused --reason unused >"$work/hostile.json"
python3 - "$work/clean.json" "$work/hostile.json" <<'PY'
import json, sys
def mark(where):
    return f"document.documentElement.setAttribute('data-injected','{where}')"
def trial(id, area, outcome, message=""):
    return {"id": id, "area": area, "variant": "default", "outcome": outcome, "message": message, "missing": [], "duration_ms": 0.0}
# Markup first, then the comment and script that would blank the page (a
# comment first would hide the markup from any parser).
AREA = f'x<img src=x onerror="{mark("area-img")}"><!--<script>{mark("area")}</script>'
ID = f"{AREA}/y<svg onload=\"{mark('id-svg')}\"></svg><!--<script>{mark('id')}</script>[default]"
for path, hostile in ((sys.argv[1], False), (sys.argv[2], True)):
    with open(path) as f:
        r = json.load(f)
    r["probe"]["availability"], r["probe"]["availability_detail"] = "ok", ""
    results = [trial("nop/basic[default]", "nop", "pass")]
    if hostile:
        r["kernel"]["release"] = r["probe"]["kernel"]["release"] = f"6.18.0-<!--<script>{mark('release')}</script>"
        r["machine"]["label"] = f"<img src=x onerror=\"{mark('label-img')}\"></script><script>{mark('label')}</script><!--"
        r["suite"]["commit"] = f"<!--<SCRIPT>{mark('commit')}</SCRIPT>"
        r["probe"]["notes"] = {"op.nop": f"<svg onload=\"{mark('note')}\"></svg>"}
        results.append(trial(ID, AREA, "fail", f"<!--<script>{mark('message')}</script>\n<img src=x onerror=\"{mark('message-img')}\">"))
        r["errata"] = [{"trials": f"<!--<script>{mark('erratum')}</script>", "page": f"<img src=x onerror=\"{mark('page')}\">", "says": "<!--", "kernel": "</script>",
                        "evidence": [], "correction": "<script>", "ran": []}]
    r["results"] = results
    # The summary agrees with the results, or matrix refuses the report.
    r["summary"] = {o: sum(t["outcome"] == o for t in results) for o in ("pass", "fail", "skip", "timeout", "crash", "error", "xfail", "xpass")}
    with open(path, "w") as f:
        json.dump(r, f)
with open(sys.argv[2] + ".want", "w") as f:
    json.dump({"area": AREA, "id": ID}, f)
PY
"$bin" matrix --out "$work/hostile" "$work/clean.json" "$work/hostile.json" 2>/dev/null
page="$work/hostile/matrix.html" # what dom() opens from here on
hash=$(python3 -c 'import json, sys, urllib.parse; w = json.load(open(sys.argv[1])); print("open=" + urllib.parse.quote("area:" + w["area"] + ":1", safe=""))' "$work/hostile.json.want")
dom "$hash"
python3 - "$work/dom.html" "$work/hostile.json.want" <<'PY'
import json, sys, html.parser
with open(sys.argv[2]) as f:
    want = json.load(f)
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.table = None; s.rows = []; s.trials = []; s.attrs = {}
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag in ("html", "body"): s.attrs.update(a)
        if tag == "table": s.table = a.get("id")
        if tag == "tr" and "data-name" in a and s.table == "areas": s.rows.append(a["data-name"])
        if tag == "div" and a.get("class") == "trial": s.trials.append(a.get("data-id"))
p = P()
with open(sys.argv[1]) as f:
    p.feed(f.read())
def fail(why):
    sys.exit(f"page-test: FAIL: hostile page: {why}")
if "data-injected" in p.attrs: fail(f"an injected script ran (payload {p.attrs['data-injected']})")
if p.attrs.get("data-ready") != "1": fail("the page's script did not run to its end (a blank page)")
if want["area"] not in p.rows or "nop" not in p.rows: fail(f"the areas table lacks rows: {p.rows}")
if want["id"] not in p.trials: fail(f"the hostile area's drill-down lacks its trial: {p.trials}")
print(f"page-test: hostile page: {len(p.rows)} area rows, the hostile trial in its drill-down, no injected script ran")
PY
