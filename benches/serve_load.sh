#!/usr/bin/env bash
# The load figures of docs/serving.md, on this machine: single-lead requests
# per second and latency with wrk (Debian's package), a 100,000-lead NDJSON
# batch against `leadscore score` on the same leads, and 100 reloads during
# a load run. Loopback only; every run is bounded in time.
#   benches/serve_load.sh            (after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/leadscore
[ -x "$bin" ] || { echo "build first: cargo build --release"; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: .ci/setup-browser installs it"; exit 2; }
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r examples/. "$work/"
port=${PORT:-18181}

"$bin" serve "$work/b2b-saas.score" --listen "127.0.0.1:$port" --as-of 2026-11-20 \
    --max-lines 100000 --max-body 200000000 2> "$work/server.log" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "== single lead, wrk ${WRK_ARGS:--t2 -c32 -d15s}"
lead=$(head -n 1 "$work/leads.ndjson")
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$lead]==]
LUA
# shellcheck disable=SC2086
wrk ${WRK_ARGS:--t2 -c32 -d15s} --latency -s "$work/post.lua" "http://127.0.0.1:$port/v1/score"

echo "== 100,000 leads: leadscore score, then POST /v1/score as NDJSON"
"$bin" generate --leads 100000 > "$work/batch.ndjson"
ls -l "$work/batch.ndjson" | awk '{print $5 " bytes"}'
start=$(date +%s.%N)
"$bin" score "$work/b2b-saas.score" "$work/batch.ndjson" --as-of 2026-11-20 --format ndjson > "$work/cli.ndjson"
cli=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
curl -sf -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" \
    "http://127.0.0.1:$port/v1/score" > "$work/served.ndjson"
served=$(echo "$(date +%s.%N) - $start" | bc)
cmp "$work/cli.ndjson" "$work/served.ndjson" && echo "identical results ($(wc -l < "$work/served.ndjson") lines)"
echo "cli ${cli}s, served ${served}s: the server at $(echo "scale=0; 100 * $cli / $served" | bc)% of the CLI's throughput"

echo "== 100 reloads during wrk"
hash_of() { curl -sf "http://127.0.0.1:$port/v1/model" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/' | head -c 64; }
# shellcheck disable=SC2086
wrk -t2 -c16 -d60s --latency -s "$work/post.lua" "http://127.0.0.1:$port/v1/score" > "$work/wrk-reload.txt" &
load=$!
sed 's/+5 "partner or customer referral"/+6 "partner or customer referral"/' "$work/b2b-saas.score" > "$work/b.score"
cp "$work/b2b-saas.score" "$work/a.score"
for i in $(seq 100); do
    if [ $((i % 2)) -eq 1 ]; then cp "$work/b.score" "$work/.next"; else cp "$work/a.score" "$work/.next"; fi
    before=$(hash_of)
    mv "$work/.next" "$work/b2b-saas.score"
    for _ in $(seq 100); do [ "$(hash_of)" != "$before" ] && break; sleep 0.05; done
done
wait "$load"
cat "$work/wrk-reload.txt"
echo "reloads logged: $(grep -c 'reloaded the model' "$work/server.log")"
