#!/usr/bin/env bash
# bsvcrawl against bsvpeer-simnet: crawl time, peak RSS and CPU of the crawler for simulated
# networks of 1,000 and 10,000 nodes at concurrency 32/128/512, beside what the simulated
# network itself costs (its CPU during the crawl and its RSS). One JSON line per run on
# stdout; progress on stderr. Every run is checked against simnet's truth ("exact").
#
# usage: benches/bench_crawl.sh BUILD_DIR [SIZES] [CONCURRENCIES]
#   BUILD_DIR: a release build with bsvcrawl and bsvpeer_simnet
#     (cmake --preset release && cmake --build --preset release --target bsvcrawl bsvpeer_simnet)
#   SIZES default "1000 10000", CONCURRENCIES default "32 128 512".
# Environment: CRAWL_ARGS adds bsvcrawl options (defaults below), SIMNET_ARGS simnet options.
# The 10,000-node network holds 10,000 listening sockets: the open-file limit is raised to
# its hard limit (20000 here) by both programs; loopback addresses 127.201+.x.y spread the
# 4-tuples so TIME_WAIT from one run does not slow the next (toolchain.md §7).
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR [SIZES] [CONCURRENCIES]}" && pwd)
SIZES=${2:-"1000 10000"}
CONCURRENCIES=${3:-"32 128 512"}
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
ulimit -n "$(ulimit -Hn)"
exec python3 - "$BUILD_DIR" "$SOURCE_DIR" "$SIZES" "$CONCURRENCIES" <<'PY'
import json, os, random, resource, shlex, subprocess, sys, tempfile, time

build, source, sizes, concurrencies = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
simnet_bin = os.path.join(build, "tools", "bsvpeer-simnet")
crawl_bin = os.path.join(build, "src", "bsvcrawl", "bsvcrawl")
check = os.path.join(source, "tests", "integration", "crawl_check.py")
for b in (simnet_bin, crawl_bin):
    if not os.access(b, os.X_OK):
        sys.exit(f"bench_crawl: {b} not built")
work = tempfile.mkdtemp(prefix="bench-crawl.")
tick = os.sysconf("SC_CLK_TCK")
# Timeouts a crawl of the real network would shorten too; the simulated silent nodes cost
# one handshake timeout each, slow ones 0.4 s, self-announcing ones 0.2 s.
crawl_args = shlex.split(os.environ.get("CRAWL_ARGS",
    "--connect-timeout=2 --handshake-timeout=2 --addr-timeout=3 --rate=5000"))
simnet_args = shlex.split(os.environ.get("SIMNET_ARGS", ""))

def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

base = 201
for size in sizes:
    n = int(size)
    truth = os.path.join(work, f"truth-{n}.json")
    ready = os.path.join(work, f"ready-{n}")
    for attempt in range(5):
        port = random.randint(20000, 28999)
        sim = subprocess.Popen([simnet_bin, "--nodes", str(n), "--port", str(port), "--base", str(base),
                                "--seed", "42", "--truth", truth, "--ready", ready] + simnet_args,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(600):
            if os.path.exists(ready) and os.path.getsize(ready) > 0 or sim.poll() is not None:
                break
            time.sleep(0.05)
        if sim.poll() is None and os.path.exists(ready):
            break
    else:
        sys.exit("bench_crawl: simnet did not start")
    base += 1 + n // 62500
    t = json.load(open(truth))
    seeds = ["--seed=" + s for s in t["seeds"]]
    for c in concurrencies:
        datadir = os.path.join(work, f"d-{n}-{c}")
        sim_cpu0 = cpu_s(sim.pid)
        cmd = [crawl_bin, "--network=regtest", "--dns-seed=0", "--local-addresses=1",
               f"--port={port}", f"--concurrency={c}", f"--datadir={datadir}",
               "--progress-interval=5"] + crawl_args + seeds
        print(f"bench_crawl: {n} nodes, concurrency {c} ...", file=sys.stderr)
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stderr=open(datadir + ".log", "w"))
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        sim_cpu = cpu_s(sim.pid) - sim_cpu0
        rc = os.waitstatus_to_exitcode(status)
        exact = subprocess.run([sys.executable, check, "truth", truth,
                                os.path.join(datadir, "nodes.json")],
                               capture_output=True).returncode == 0 if rc == 0 else False
        found = len(json.load(open(os.path.join(datadir, "nodes.json")))["nodes"]) if rc == 0 else 0
        print(json.dumps({
            "bench": "crawl", "nodes": len(t["nodes"]), "reachable": t["reachable"],
            "concurrency": int(c), "exit": rc, "exact": exact, "found": found,
            "crawl_s": round(elapsed, 2), "nodes_per_s": round(found / elapsed, 1),
            "crawler_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "crawler_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "simnet_cpu_s": round(sim_cpu, 2),
            "simnet_rss_mib": round(status_kib(sim.pid, "VmRSS") / 1024, 1),
            "simnet_peak_rss_mib": round(status_kib(sim.pid, "VmHWM") / 1024, 1),
            "args": " ".join(crawl_args)}), flush=True)
    sim.terminate()
    out, _ = sim.communicate(timeout=30)
    print(f"bench_crawl: simnet {n}: {out.strip()}", file=sys.stderr)
print(f"bench_crawl: logs and outputs in {work}", file=sys.stderr)
PY
