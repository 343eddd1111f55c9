#!/usr/bin/env bash
# Opens the matrix page in headless Chromium, as a person would: checks
# that the filter hides rows, that a drill-down opens with the expected
# trial, and takes a screenshot. Installs Debian's chromium if it is
# missing (root); where it cannot be had, says why and skips (exit 0).
#
#   reports/page-test.sh [PAGE.html] [SCREENSHOT.png]
#
# The page is driven through its URL fragment (#filter=...&open=...), the
# same state a person gets by typing in the filter box and clicking a cell.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
page="$(realpath "${1:-$root/reports/matrix.html}")"
shot="${2:-}"
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
data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1).replace("<\\/", "</"))
cancel = next(a for a in data["areas"] if a["name"] == "cancel")
cols = [i for i, c in enumerate(cancel["cells"]) if any(t[1] != "skip" for t in c["trials"])]
print(cols[-1] if cols else 0)
PY
)
want=$(python3 - "$page" "$col" <<'PY'
import sys, json, re
text = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1).replace("<\\/", "</"))
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
