#!/usr/bin/env bash
# Side-by-side timings on one generated 835 (default 20,000 claims): pyx12 validation,
# linuxforhealth-x12 parse, node-x12 parse, and claimtrack ingest / parse, in one run, with
# the ratios of issue 7's targets.
#
#   bench/peers.sh [--claims N] [--runs R]
#
# Everything it installs or writes goes into one temporary folder, removed on exit: a
# virtualenv with pyx12 4.0.0 and linuxforhealth-x12 0.57.0 (with pydantic<2, which it needs),
# an npm folder with node-x12 1.7.1 (pip and npm caches inside it too), the generated 835
# and claimtrack's data folder. Needs python3 (venv), node + npm, network access to PyPI and
# npm. claimtrack and claimtrack-sim are the release builds under $CARGO_TARGET_DIR
# (default ~/.cache/claimtrack-target), built first if missing (the one thing written
# outside the temporary folder: cargo's own build cache).
#
# Each tool runs R times (default 3) as a new process; the median wall time is reported
# (from hyperfine when it is installed), with the largest max RSS (/usr/bin/time).
set -euo pipefail

claims=20000
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --claims) claims="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/claimtrack-target}
ct="$target/release/claimtrack"
sim="$target/release/claimtrack-sim"
if [ ! -x "$ct" ] || [ ! -x "$sim" ]; then
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p claimtrack -p claimtrack-sim)
fi

tmp=$(mktemp -d -t claimtrack-peers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PIP_CACHE_DIR="$tmp/pip-cache" npm_config_cache="$tmp/npm-cache" PIP_DISABLE_PIP_VERSION_CHECK=1

echo "== setting up peers in $tmp" >&2
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q 'pyx12==4.0.0' 'linuxforhealth-x12==0.57.0' 'pydantic<2' python-dotenv >&2
mkdir -p "$tmp/node"
(cd "$tmp/node" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent node-x12@1.7.1 >&2)

echo "== generating the 835 ($claims claims)" >&2
"$sim" generate 835 --claims "$claims" --seed 42 -o "$tmp/w.835" >&2
# linuxforhealth-x12 0.57.0 fails on an 835 with a PER segment (peers.md §2): it reads a
# copy without them. The others read the file as generated.
tr -d '\r\n' <"$tmp/w.835" | tr '~' '\n' | grep -v '^PER\*' | tr '\n' '~' >"$tmp/noper.835"
size=$(stat -c %s "$tmp/w.835")
segments=$(tr -d '\r\n' <"$tmp/w.835" | tr '~' '\n' | grep -c .)

# node resolves node-x12 from the script's own folder ($tmp/node/node_modules).
cat >"$tmp/node/parse.js" <<'JS'
const { X12Parser } = require('node-x12');
const text = require('fs').readFileSync(process.argv[2], 'utf8');
const interchange = new X12Parser(true).parse(text);
let sets = 0;
for (const g of interchange.functionalGroups) sets += g.transactions.length;
console.log(`${sets} transaction set(s)`);
JS

# claimtrack's data folder, with its plugin compile cache warm (as after the first run).
data="$tmp/claimtrack-data"
"$ct" --data-dir "$data" plugins >/dev/null

have_time=0; [ -x /usr/bin/time ] && have_time=1
have_hyperfine=0; command -v hyperfine >/dev/null && have_hyperfine=1

# measure NAME PREPARE COMMAND: median wall seconds of $runs runs -> $tmp/NAME.s, the largest
# max RSS (kB) -> $tmp/NAME.kb. PREPARE runs before each run, untimed.
measure() {
  local name="$1" prepare="$2" cmd="$3"
  echo "== $name: $cmd" >&2
  if [ "$have_hyperfine" = 1 ]; then
    hyperfine --runs "$runs" --prepare "$prepare" --export-json "$tmp/$name.json" -i "$cmd" >&2
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$tmp/$name.json" >"$tmp/$name.s"
  fi
  local times=() rss=0 rc
  for _ in $(seq "$runs"); do
    bash -c "$prepare"
    local t0 t1 kb=0
    t0=$(date +%s.%N)
    if [ "$have_time" = 1 ]; then
      rc=0; /usr/bin/time -f '%M' -o "$tmp/$name.run" bash -c "exec $cmd" >/dev/null 2>"$tmp/$name.err" || rc=$?
      kb=$(tail -1 "$tmp/$name.run")
    else
      rc=0; bash -c "$cmd" >/dev/null 2>"$tmp/$name.err" || rc=$?
    fi
    # x12valid exits 1 even when the file is valid (peers.md); anything else must succeed.
    if [ "$rc" != 0 ] && [ "$name" != pyx12 ]; then
      echo "warning: $name exited with $rc:" >&2; tail -5 "$tmp/$name.err" >&2
    fi
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$rss" >"$tmp/$name.kb"
  if [ "$have_hyperfine" = 0 ]; then
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}' >"$tmp/$name.s"
  fi
  echo "   median $(cat "$tmp/$name.s") s, max RSS $rss kB" >&2
}

fresh_db="rm -f '$data'/claimtrack.db '$data'/claimtrack.db-wal '$data'/claimtrack.db-shm"
# pyx12 writes its 997 beside the input: it validates a copy in its own folder.
mkdir -p "$tmp/pyx12"
measure pyx12 "cp '$tmp/w.835' '$tmp/pyx12/w.835'" "'$tmp/venv/bin/x12valid' '$tmp/pyx12/w.835'"
measure lfh true "'$tmp/venv/bin/lfhx12' -m '$tmp/noper.835'"
measure node_x12 true "node '$tmp/node/parse.js' '$tmp/w.835'"
measure ct_ingest "$fresh_db" "'$ct' --data-dir '$data' ingest '$tmp/w.835'"
measure ct_parse true "'$ct' --data-dir '$data' parse '$tmp/w.835'"
measure ct_parse_json true "'$ct' --data-dir '$data' parse --json '$tmp/w.835'"

# Sanity: claimtrack stored every claim.
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM claims\").fetchone()[0])" "$data/claimtrack.db")

python3 - "$tmp" "$claims" "$size" "$segments" "$runs" "$stored" <<'PY'
import sys
tmp, claims, size, segments, runs, stored = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
def s(n): return float(open(f"{tmp}/{n}.s").read())
def kb(n):
    try: return int(open(f"{tmp}/{n}.kb").read().split()[-1])
    except Exception: return 0
rows = [
    ("pyx12 4.0.0 `x12valid` (full IG validation)", "pyx12"),
    ("linuxforhealth-x12 0.57.0 `lfhx12 -m` (models; 835 without PER)", "lfh"),
    ("node-x12 1.7.1 `X12Parser(true).parse`", "node_x12"),
    ("claimtrack `ingest` (archive + parse + store + correlate)", "ct_ingest"),
    ("claimtrack `parse` (sandboxed plugin, nothing stored; prints every event as a table)", "ct_parse"),
    ("claimtrack `parse --json` (the same, printed as JSON)", "ct_parse_json"),
]
ingest = s("ct_ingest")
print(f"835: {claims} claims, {segments} segments, {size/1e6:.2f} MB; claimtrack stored {stored} claims; median of {runs} runs, new process each")
print()
print("| tool | wall s (median) | peak RSS MB | claims/s | claimtrack ingest is … faster |")
print("|---|---:|---:|---:|---:|")
for label, n in rows:
    t = s(n)
    print(f"| {label} | {t:.3f} | {kb(n)/1024:.1f} | {claims/t:,.0f} | {t/ingest:.1f}× |")
print()
py, node = s("pyx12"), s("node_x12")
print(f"target: ingest ≥ 100× faster than pyx12 validation: {py/ingest:.1f}× ({'met' if py/ingest >= 100 else 'missed'})")
print(f"target: ingest ≥ 10× faster than node-x12 parse: {node/ingest:.2f}× ({'met' if node/ingest >= 10 else 'missed'})")
# node-x12 prints nothing; `parse --json` is the closer of the two (no table layout).
print(f"claimtrack parse --json alone: {py/s('ct_parse_json'):.1f}× pyx12, {node/s('ct_parse_json'):.2f}× node-x12")
PY
