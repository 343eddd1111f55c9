"""The matrix page, driven by clicks in headless Chromium (selenium and
Debian's chromium-driver), as a runtime author would use it. Run by
reports/page-test.sh, which installs what it needs:

    python3 page-test.py PAGE.html [SHOTS_DIR] [--bin BINARY]

Answers three questions by clicks and asserts the answers against
matrix.json beside the page (and `matrix --compare` where the binary is
given): does 6.1 support multishot recv (and why not, where not); which
kernels deviate in cancellation, and how; what does 6.12 have that 6.1
lacks. Then: the URL fragment round-trips a view; counts follow the
filter; an empty section hides; a mostly skipped cell is not green; the
panel covers no table; the tables fit 1400 px; the filter's placeholder is
not cut; the documentation view answers per claim; every link resolves.
With SHOTS_DIR, writes the screenshots of the answers there.
"""

import json
import os
import time
import re
import subprocess
import sys
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

args = [a for a in sys.argv[1:]]
links_only = "--links" in args
if links_only:
    args.remove("--links")
binary = None
if "--bin" in args:
    i = args.index("--bin")
    binary = args[i + 1]
    del args[i : i + 2]
page = os.path.realpath(args[0])
shots = args[1] if len(args) > 1 else None
pagedir = os.path.dirname(page)
checks = []


def fail(why):
    sys.exit(f"page-test: FAIL: {why}")


def ok(what):
    checks.append(what)
    print(f"page-test: ok: {what}")


with open(os.path.join(pagedir, "matrix.json")) as f:
    data = json.load(f)
kernels = data["kernels"]
heads = [k["column"] for k in kernels]
col = {h: i for i, h in enumerate(heads)}
for need in ("5.10", "6.1", "6.12"):
    if need not in col:
        fail(f"the page has no {need} column (columns: {heads})")

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--hide-scrollbars"):
    opts.add_argument(a)
opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
d = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)
d.set_window_size(1400, 1000)


def load(fragment=""):
    d.get("about:blank")
    d.get("file://" + urllib.parse.quote(page) + (("#" + fragment) if fragment else ""))
    if d.execute_script("return document.body.dataset.ready") != "1":
        fail("the page's script did not run to its end")


def click(e):
    try:
        e.click()
    except ElementClickInterceptedException:
        d.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", e)


def cell(table, row, head):
    tr = d.find_element(By.CSS_SELECTOR, f'#{table} tbody tr[data-name="{row}"]')
    return tr.find_element(By.CSS_SELECTOR, f'td[data-col="{col[head]}"]')


def panel():
    p = d.find_element(By.ID, "detail")
    if not p.is_displayed():
        fail("the panel did not open")
    return p


def set_filter(text):
    box = d.find_element(By.ID, "filter")
    box.clear()
    if text:
        box.send_keys(text)
    else:
        d.execute_script("arguments[0].dispatchEvent(new Event('input'))", box)


def hidden(e):
    return not e.is_displayed()


def no_overlap(what):
    """The open panel covers none of the page's tables."""
    p = d.find_element(By.ID, "detail").rect
    for w in d.find_elements(By.CSS_SELECTOR, "main .wrap"):
        if not w.is_displayed():
            continue
        r = w.rect
        if r["x"] + r["width"] > p["x"] + 1:
            fail(f"{what}: the panel (x {p['x']}) covers a table (x {r['x']} to {r['x'] + r['width']})")


def shot(name):
    if shots:
        d.execute_script("for (const w of document.querySelectorAll('.wrap')) w.scrollLeft = 0")
        d.save_screenshot(os.path.join(shots, name))
        print(f"page-test: screenshot {os.path.join(shots, name)}")


def check_links():
    """Every link of the page, each kernel's run report included, resolves
    beside it; none leaves the machine."""
    load()
    hrefs = set()
    for th in d.find_elements(By.CSS_SELECTOR, "#caps thead th[data-col]"):
        click(th)
        hrefs.update(a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "#detail a[href]"))
    hrefs.update(a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a[href]"))
    runs = 0
    for h in sorted(hrefs):
        u = urllib.parse.urlparse(h)
        if u.scheme != "file":
            fail(f"a link leaves the page's directory: {h}")
        path = urllib.parse.unquote(u.path)
        if u.path.split("#")[0] == urllib.parse.quote(page) or path == page:
            continue
        if not os.path.exists(path):
            fail(f"a link does not resolve: {h}")
        runs += "/runs/" in path and path.endswith(".json")
    if runs != len(heads):
        fail(f"{runs} run report links for {len(heads)} kernels")
    ok(f"every link resolves ({len(hrefs)} links, {runs} run reports) in {pagedir}")


if links_only:
    check_links()
    d.quit()
    sys.exit(0)

# --- 1. Does 6.1 support multishot recv, and why not where not? ---------
load()
set_filter("multishot recv")
caps_row = d.find_element(By.CSS_SELECTOR, '#caps tbody tr[data-name="recv.multishot"]')
if hidden(caps_row):
    fail("filter 'multishot recv' hid the multishot recv capability")
want = kernels[col["5.10"]]["capabilities"]["recv.multishot"]
click(cell("caps", "recv.multishot", "5.10"))
p = panel()
h = p.find_element(By.TAG_NAME, "h3").text
if not h.endswith(f"5.10: {want['state']}"):
    fail(f"5.10 multishot recv panel says {h!r}, matrix.json {want['state']}")
why = p.find_element(By.CSS_SELECTOR, "p.why").text
if want["state"] == "absent":
    missing = [li for li in p.find_elements(By.CSS_SELECTOR, "ul.needs li") if "skip-kernel" in li.get_attribute("class")]
    if not missing or why != want["why"] or "kernel lacks" not in why:
        fail(f"5.10 absent, but the panel does not say which feature it lacks: {why!r}")
    ok(f"5.10 multishot recv: absent, why: {why}; the probe: {missing[0].text}")
v61 = kernels[col["6.1"]]["capabilities"]["recv.multishot"]
click(cell("caps", "recv.multishot", "6.1"))
p = panel()
h = p.find_element(By.TAG_NAME, "h3").text
why = p.find_element(By.CSS_SELECTOR, "p.why").text
if not h.endswith("6.1: conforming") or v61["state"] != "conforming" or not re.match(r"\d+ of \d+ trials pass", why):
    fail(f"6.1 multishot recv: the panel says {h!r} / {why!r}, matrix.json {v61['state']}")
# Supported is seen, not inferred: the passing trials are listed, with
# their case summaries.
passing = p.find_elements(By.CSS_SELECTOR, 'details[data-outcome="pass"] .trial')
if len(passing) != v61["counts"]["pass"]:
    fail(f"6.1 multishot recv: {len(passing)} passing trials listed, matrix.json counts {v61['counts']['pass']}")
ids = [t.get_attribute("data-id") for t in passing]
if "multishot/recv[default]" not in ids:
    fail(f"6.1 multishot recv lists no multishot/recv[default]: {ids}")
summaries = p.find_elements(By.CSS_SELECTOR, 'details[data-outcome="pass"] .trial .sum')
if binary and len(summaries) != len(passing):
    fail("the passing trials lack their case summaries")
if p.find_element(By.CSS_SELECTOR, 'details[data-outcome="pass"]').get_attribute("open") is not None:
    fail("passing trials are not collapsed")
cell61 = cell("caps", "recv.multishot", "6.1")
if "pass" not in cell61.get_attribute("class").split() or not cell61.text.startswith("yes "):
    fail(f"the 6.1 multishot recv cell reads {cell61.text!r} ({cell61.get_attribute('class')})")
ok(f"6.1 multishot recv: conforming, {why}; {len(passing)} passing trials listed with summaries")
no_overlap("multishot recv on 6.1")
# Open the collapsed passes: supported, seen.
click(p.find_element(By.CSS_SELECTOR, 'details[data-outcome="pass"] summary'))
if p.find_element(By.CSS_SELECTOR, 'details[data-outcome="pass"]').get_attribute("open") is None:
    fail("the passing trials do not open on a click")
frag = urllib.parse.unquote(d.current_url.split("#", 1)[1]) if "#" in d.current_url else ""
if "filter=multishot+recv" not in frag and "filter=multishot recv" not in frag or f"open=capability:recv.multishot:{col['6.1']}" not in frag:
    fail(f"the URL fragment does not hold the view: {frag!r}")
ok("clicks and typing write the URL fragment")
shot("matrix-multishot-recv.png")

# --- 2. Which kernels deviate in cancellation, and how? -----------------
load()
set_filter("cancel/")
row = d.find_element(By.CSS_SELECTOR, '#caps tbody tr[data-name="cancel"]')
deviating = [heads[int(td.get_attribute("data-col"))] for td in row.find_elements(By.CSS_SELECTOR, "td.c") if "xfail" in td.get_attribute("class").split()]
want = [k["column"] for k in kernels if k["capabilities"]["cancel"]["state"] == "deviation"]
if not deviating or deviating != want:
    fail(f"cancellation deviates on {deviating} by the page, on {want} by matrix.json")
how = {}
# The oldest last: the screenshot shows the table from its first column.
for h in reversed(deviating):
    click(cell("caps", "cancel", h))
    p = panel()
    xf = p.find_elements(By.CSS_SELECTOR, 'details[data-outcome="xfail"] .trial pre')
    if not xf or not all("known kernel deviation on kernels" in x.get_attribute("textContent") for x in xf):
        fail(f"the cancellation panel of {h} does not say how it deviates")
    how[h] = p.find_element(By.CSS_SELECTOR, "p.why").text
    no_overlap(f"cancel on {h}")
ok(f"cancellation deviates on {', '.join(deviating)}; e.g. {deviating[0]}: {how[deviating[0]]}")
# The filter: cancel/ leaves the cancel area, hides links, and the
# Features section (no feature matches) has no header left.
if hidden(d.find_element(By.CSS_SELECTOR, '#areas tbody tr[data-name="cancel"]')) or not hidden(d.find_element(By.CSS_SELECTOR, '#areas tbody tr[data-name="links"]')):
    fail("filter cancel/ did not keep cancel and hide links in the areas")
if d.find_element(By.ID, "features-s").is_displayed():
    fail("filter cancel/ hides every feature, but the Features header stays")
ok("filter cancel/: the cancel row stays, links goes, the empty Features section hides")
shot("matrix-cancel.png")
# Counts follow the filter: multishot/recv narrows the multishot area.
set_filter("multishot/recv")
with open(os.path.join(pagedir, "runs", kernels[col["6.1"]]["report"].split("/", 1)[1])) as f:
    run61 = json.load(f)
n = sum(t["id"].startswith("multishot/recv") for t in run61["results"])
got = cell("areas", "multishot", "6.1").text
if not got.endswith(f"/{n}"):
    fail(f"with filter multishot/recv the multishot cell of 6.1 reads {got!r}, not counting its {n} multishot/recv trials")
ok(f"counts follow the filter (multishot on 6.1 under multishot/recv: {got})")

# --- 3. What does 6.12 have that 6.1 lacks? -----------------------------
load()
Select(d.find_element(By.ID, "cmp-a")).select_by_visible_text("6.1")
Select(d.find_element(By.ID, "cmp-b")).select_by_visible_text("6.12")
a, b = kernels[col["6.1"]], kernels[col["6.12"]]
have = lambda s: s in ("conforming", "deviation", "broken")
want = [c["id"] for c in data["capabilities"] if have(b["capabilities"][c["id"]]["state"]) and a["capabilities"][c["id"]]["state"] == "absent"]
gained = [li.get_attribute("data-cap") for li in d.find_elements(By.CSS_SELECTOR, "#cmp-gained li")]
if not gained or gained != want:
    fail(f"6.12 over 6.1: the page lists {gained}, matrix.json says {want}")
for must in ("waitid", "futex", "read.multishot", "recvsend.bundle"):
    if must not in gained:
        fail(f"6.12 over 6.1 lacks {must}: {gained}")
feats = d.find_element(By.CSS_SELECTOR, "#cmp-gained p.feats").text
if "op.waitid" not in feats:
    fail(f"6.12 over 6.1: features {feats!r} lack op.waitid")
lost = d.find_elements(By.CSS_SELECTOR, "#cmp-lost li")
dev = [li.get_attribute("data-cap") for li in d.find_elements(By.CSS_SELECTOR, "#cmp-dev li")]
if "cancel" not in dev:
    fail(f"the comparison's deviations lack cancel: {dev}")
if binary:
    text = subprocess.run([binary, "matrix", "--compare", "6.1", "6.12", *sorted(os.path.join(pagedir, "runs", f) for f in os.listdir(os.path.join(pagedir, "runs")))], capture_output=True, text=True, check=True).stdout
    section = text.split("capabilities 6.12 has that 6.1 lacks", 1)[1].split("\n\n", 1)[0]
    cli = re.findall(r"^  (\S+) \(", section, re.M)
    if cli != gained:
        fail(f"matrix --compare lists {cli}, the page {gained}")
    ok("matrix --compare 6.1 6.12 lists the same capabilities as the page")
ok(f"6.12 has, 6.1 lacks: {', '.join(gained)} ({len(lost)} the other way; {len(dev)} deviate on either)")
d.execute_script("document.getElementById('compare-s').scrollIntoView()")
shot("matrix-compare.png")

# --- The URL fragment round-trips a view --------------------------------
set_filter("cancel/")
click(cell("caps", "cancel", "6.12"))
d.find_element(By.CSS_SELECTOR, "#classes input[data-class='env']").click()
d.find_element(By.ID, "claims-h").click()
# <details> fires its toggle event after the click returns, and the page
# writes the fragment from that event: wait for it (bounded).
deadline = time.time() + 10
while "docs=1" not in d.current_url.split("#", 1)[-1]:
    if time.time() > deadline:
        fail(f"opening the documentation view never reached the fragment: {d.current_url}")
    time.sleep(0.05)
url = d.current_url
frag = urllib.parse.parse_qs(url.split("#", 1)[1])
state = lambda: (
    d.find_element(By.ID, "filter").get_attribute("value"),
    d.find_element(By.ID, "detail").get_attribute("data-kind") if d.find_element(By.ID, "detail").is_displayed() else None,
    d.find_element(By.ID, "detail").get_attribute("data-name"),
    d.find_element(By.ID, "detail").get_attribute("data-col"),
    Select(d.find_element(By.ID, "cmp-a")).first_selected_option.text,
    Select(d.find_element(By.ID, "cmp-b")).first_selected_option.text,
    d.find_element(By.ID, "claims-box").get_attribute("open") is not None,
    d.find_element(By.CSS_SELECTOR, "#classes input[data-class='env']").is_selected(),
)
before = state()
if before != ("cancel/", "capability", "cancel", str(col["6.12"]), "6.1", "6.12", True, False):
    fail(f"the view before reloading is not what was clicked: {before}")
d.get("about:blank")
d.get(url)
after = state()
if after != before:
    fail(f"the fragment {urllib.parse.unquote(url.split('#', 1)[1])!r} restores {after}, not {before}")
ok(f"the URL fragment round-trips a view ({', '.join(sorted(frag))})")

# --- Honest colours, layout ---------------------------------------------
load()
groups = data["kernels"][col["5.10"]]["areas"].get("groups")
if groups and groups["skip"] > groups.get("pass", 0):
    c = cell("areas", "groups", "5.10")
    if "pass" in c.get_attribute("class").split():
        fail(f"the mostly skipped groups cell of 5.10 ({c.get_attribute('title')}) is green")
    ok(f"a mostly skipped cell is not green (groups on 5.10: {c.get_attribute('title')}, class {c.get_attribute('class')})")
for t in ("caps", "areas"):
    w = d.execute_script(f"const w = document.getElementById('{t}').parentElement; return [w.scrollWidth, w.clientWidth]")
    if w[0] > w[1]:
        fail(f"the {t} table needs horizontal scrolling at 1400 px ({w[0]} > {w[1]})")
ok(f"the capability and area tables fit 1400 px with {len(heads)} kernels")
cut = d.execute_script(
    """const i = document.getElementById('filter'), s = getComputedStyle(i);
    const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
    return [c.measureText(i.placeholder).width, i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)]"""
)
if cut[0] > cut[1]:
    fail(f"the filter's placeholder is cut ({cut[0]:.0f} px of text in {cut[1]:.0f} px)")
ok("the filter's placeholder fits its box")

# --- The documentation view ---------------------------------------------
d.find_element(By.ID, "claims-h").click()
newest = heads[-1]
claim = next((c["id"] for c in data["claims"] if kernels[-1]["claims"].get(c["id"], {}).get("state") == "conforms"), None)
if not claim:
    fail("no claim conforms on the newest kernel")
td = cell("claims", claim, newest)
if td.text != "ok":
    fail(f"claim {claim} on {newest} reads {td.text!r}, matrix.json conforms")
click(td)
trials = panel().find_elements(By.CSS_SELECTOR, ".trial")
if not trials:
    fail(f"the panel of claim {claim} on {newest} lists no trial")
states = {}
for c in data["claims"]:
    for k in kernels:
        s = k["claims"].get(c["id"], {}).get("state")
        if s:
            states[s] = states.get(s, 0) + 1
ok(f"documentation view: {len(data['claims'])} claims; {claim} conforms on {newest} with {len(trials)} trials; states over all kernels: {states}")
check_links()
d.quit()
print(f"page-test: {len(checks)} checks passed on {page}")
