#!/usr/bin/env bash
# Opens the matrix page in headless Chromium and drives it by clicks, as a
# runtime author would (reports/page-test.py, selenium with Debian's
# chromium-driver): asserts the answers to "does 6.1 support multishot
# recv, and why not if not", "which kernels deviate in cancellation, and
# how" and "what does 6.12 have that 6.1 lacks" against matrix.json beside
# the page (and `matrix --compare`), that the URL fragment round-trips a
# view, counts follow the filter, an empty section hides, a mostly skipped
# cell is not green, the panel covers no table, the tables fit 1400 px,
# the filter's placeholder is not cut, the documentation view answers per
# claim, and every link resolves. Then renders the committed runs into a
# fresh directory with `matrix --out` and checks that every link of that
# page resolves. Then renders a matrix from reports whose every string is
# hostile (trial IDs, areas, releases, labels, commits, messages, errata
# holding <!--, <script>, </script>, onerror=) and checks that its page
# still renders its tables and drill-down and that no injected script ran.
# Installs what it needs with ci/setup.sh --page (root); where that cannot
# be had, says why and skips (exit 0).
#
#   reports/page-test.sh [PAGE.html] [SHOTS_DIR]
#
# PAGE.html needs matrix.json and runs/ beside it (what `matrix --out`
# writes). With SHOTS_DIR, the screenshots of the three answers go there
# (matrix-multishot-recv.png, matrix-cancel.png, matrix-compare.png) and
# the page's overview (matrix.png).
#
# The fresh and the hostile page need the binary: $URING_CONFORM_BIN (an
# error when set and missing), else target/release/uring-conform (skipped,
# saying so, when not built).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
page="$(realpath "${1:-$root/reports/matrix.html}")"
shots="${2:-}"
bin="${URING_CONFORM_BIN:-$root/target/release/uring-conform}"
if [ -n "${URING_CONFORM_BIN:-}" ] && [ ! -x "$bin" ]; then
    echo "page-test: FAIL: URING_CONFORM_BIN=$bin is not an executable"
    exit 1
fi
if [ -n "$shots" ]; then
    mkdir -p "$shots"
    shots="$(realpath "$shots")"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

py="${URING_CONFORM_CACHE:-$root/ci/.cache}/page/bin/python3"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! "$py" -c "import selenium" 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "page-test: skip: chromium, chromium-driver or selenium is missing, and installing them needs root (ci/setup.sh --page)"
        exit 0
    fi
    if ! "$root/ci/setup.sh" --page >"$work/setup.log" 2>&1; then
        echo "page-test: skip: chromium, chromium-driver or selenium cannot be installed here: $(tail -n 1 "$work/setup.log")"
        exit 0
    fi
fi

# Headless Chromium wants a writable home and no sandbox as root.
export HOME="$work"
chrome() { chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"; }
dom() { chrome --virtual-time-budget=3000 --dump-dom "file://$page#$1" >"$work/dom.html"; }

binargs=()
[ -x "$bin" ] && binargs=(--bin "$bin")
start=$(date +%s%N)
"$py" "$root/reports/page-test.py" "$page" ${shots:+"$shots"} "${binargs[@]}"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ -n "$shots" ]; then
    chrome --window-size=1400,1000 --hide-scrollbars --virtual-time-budget=3000 --screenshot="$shots/matrix.png" "file://$page#filter=cancel&open=area:cancel:0" >/dev/null
    echo "page-test: screenshot $shots/matrix.png"
fi
dom ""
render=$(grep -o 'data-render-ms="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || echo '?')
echo "page-test: ok ($(du -k "$page" | cut -f1) KiB page; the page's script rendered it in ${render} ms; the clicked checks took ${ms} ms)"

if [ ! -x "$bin" ]; then
    echo "page-test: fresh and hostile page: skip: no binary at $bin (cargo build --release)"
    exit 0
fi
# A fresh directory: matrix --out writes the run reports beside the page.
"$bin" matrix --out "$work/fresh" "$root"/reports/runs/*.json 2>/dev/null
"$py" "$root/reports/page-test.py" --links "$work/fresh/matrix.html"

# The hostile page: two reports made without io_uring (failed-run), one
# clean, one whose strings each try to end the data block, open a comment
# or script in it, or inject markup; every payload, if it ever ran, marks
# the document with data-injected="WHERE".
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
