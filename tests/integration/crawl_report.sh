#!/usr/bin/env bash
# bsvcrawl's HTML report in headless Chromium (Debian's chromium, a fresh --user-data-dir):
# after a crawl of a small simulated network, the test takes a screenshot and a DOM dump of
# report.html and checks that
#   - every chart canvas was drawn (the page writes each canvas' painted-pixel count into
#     <pre id="canvas-stats">; each must be well above blank), and the screenshot holds the
#     charts' colours;
#   - the page made no network request: Chromium's net log has no http(s)/ws request whose
#     initiator is the page (a control page that does fetch proves the check sees them).
# Chromium's own background requests are sent to a dead loopback proxy and every host name
# resolves to nothing, so nothing leaves the machine.
# usage: crawl_report.sh BUILD_DIR SOURCE_DIR   (exit 77 without chromium)
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=crawl_lib.bash
source "$SOURCE_DIR/tests/integration/crawl_lib.bash"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$CHROMIUM" ]]; then
  echo "SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
fi

start_simnet net --nodes 60 --base 152 --seed 3
# shellcheck disable=SC2046
read -r -a ARGS <<<"$(crawl_args) $SEED_ARGS"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/d" 2>"$TMP/crawl.log" || fail "crawl failed"
$CHECK truth "$TRUTH" "$TMP/d/nodes.json" || fail "crawl differs from the truth"
grep -q "Content-Security-Policy" "$TMP/d/report.html" || fail "no CSP in the report"
if grep -qiE "<script[^>]+src=|<link[^>]+href=\"?https?:" "$TMP/d/report.html"; then
  fail "the report refers to an external script or stylesheet"
fi

# chrome_run NAME URL EXTRA...: one headless run with a fresh profile and a net log.
chrome_run() {
  local name=$1 url=$2
  shift 2
  rm -rf "$TMP/ud-$name"
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/ud-$name" --proxy-server=127.0.0.1:9 \
    --host-resolver-rules="MAP * ~NOTFOUND" --window-size=1280,1800 \
    --log-net-log="$TMP/$name.netlog.json" --virtual-time-budget=3000 "$@" "$url" \
    2>"$TMP/$name.chrome.log"
}

# page_requests NETLOG: the http(s)/ws URLs the page itself requested (initiator is an origin;
# Chromium's own requests say "not an origin").
page_requests() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d["events"]:
    p = e.get("params") or {}
    if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
        continue
    if p.get("initiator") == "not an origin":
        continue
    if p["url"].split(":")[0] in ("http", "https", "ws", "wss"):
        print(p["url"])
PY
}

echo "== control page that fetches: the net-log check must see it"
cat >"$TMP/control.html" <<'HTML'
<html><body><img src="http://127.0.0.1:9/probe.png"><script>fetch("http://127.0.0.1:9/x")</script></body></html>
HTML
chrome_run control "file://$TMP/control.html" --screenshot="$TMP/control.png" || true
[[ -n "$(page_requests "$TMP/control.netlog.json")" ]] ||
  fail "the control page's requests were not seen in the net log"

echo "== the report: screenshot"
chrome_run shot "file://$TMP/d/report.html" --screenshot="$TMP/shot.png" ||
  fail "chromium failed: $(tail -3 "$TMP/shot.chrome.log")"
[[ -s "$TMP/shot.png" ]] || fail "no screenshot"
shot=$(python3 "$SOURCE_DIR/tests/integration/crawl_report_png.py" "$TMP/shot.png")
echo "screenshot: $shot"
python3 -c "import json,sys; s=json.loads(sys.argv[1]); assert s['chart_pixels']>2000, s" "$shot" ||
  fail "the screenshot shows no charts"
requests=$(page_requests "$TMP/shot.netlog.json")
[[ -z "$requests" ]] || fail "the report made network requests: $requests"

echo "== the report: every canvas drawn"
chrome_run dom "file://$TMP/d/report.html" --dump-dom >"$TMP/dom.html" ||
  fail "chromium --dump-dom failed"
python3 - "$TMP/dom.html" <<'PY' || fail "a chart was not drawn"
import json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="canvas-stats">([^<]*)</pre>', dom)
assert m and m.group(1), "the page did not write canvas stats (script failed?)"
stats = json.loads(m.group(1))
want = ["chart-ua", "chart-version", "chart-services", "chart-ports", "chart-verdicts",
        "chart-heights", "chart-rtt", "chart-progress"]
assert sorted(stats) == sorted(want), sorted(stats)
for name in want:
    s = stats[name]
    # An axis alone paints a few hundred pixels; bars, arcs and lines paint thousands.
    assert s["painted"] > 0.05 * s["width"] * s["height"], (name, s)
    print(name, s["painted"], "of", s["width"] * s["height"], "pixels painted")
PY
requests=$(page_requests "$TMP/dom.netlog.json")
[[ -z "$requests" ]] || fail "the report made network requests: $requests"
echo "PASS"
