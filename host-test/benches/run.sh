#!/usr/bin/env bash
# Every benchmark in one run, then one markdown table (target/bench/report.md). Not part of CI.
#   bash host-test/benches/run.sh [FLOWS [WARMUP]]
#   (FLOWS: timed signing flows per client, default 100; WARMUP: untimed flows before them, default 10)
# Needs: python3 (a venv with docusign-esign from PyPI is created under target/bench/venv), node
# and npm (docusign-esign from npm, host-test/benches/node_sdk/package-lock.json),
# openssl (for `openssl speed`). Takes ~10 minutes after the release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
FLOWS=${1:-100}
WARMUP=${2:-10}
OUT="$PWD/target/bench"
PORT=${BENCH_PORT:-18443}
mkdir -p "$OUT"
step() { printf '\n==> %s\n' "$*" >&2; }
# BENCH_ONLY=flow,concurrency (criterion, memory, concurrency, openssl, flow): some steps only.
want() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
# BENCH_PIN=same (the flows' server and client both on CPU 0) or split (server on CPU 0, client
# on CPU 1): a fixed placement for the signing flows; unset, the scheduler places them.
case "${BENCH_PIN:-}" in
    "") SERVER_CPU=(); CLIENT_CPU=() ;;
    same) SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 0) ;;
    split) SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1) ;;
    *) echo "BENCH_PIN must be same or split" >&2; exit 2 ;;
esac

step "release build (host, serve, benchmarks)"
cargo build --release -p docusign-host
cargo bench -p docusign-host --no-run

if want criterion; then
step "criterion: sign, PEM, invocation overhead, instantiate, load, 25 MB documents, 2000 events"
cargo bench -p docusign-host --bench connector -- --noplot
fi

if want memory; then
step "peak memory of 25 MB send and download (separate processes)"
cargo bench -p docusign-host --bench memory > "$OUT/memory.json"
cat "$OUT/memory.json" >&2
fi

if want concurrency; then
step "concurrency: 100, 1,000, 4,000 get-status invocations in flight, answers after 250 ms"
cargo bench -q -p docusign-host --bench concurrency -- --in-flight 100,1000,4000 \
    --allocation on-demand,pooling --io blocking,async --transport in-process,live-tls \
    --seconds 6 > "$OUT/concurrency.json"
cat "$OUT/concurrency.json" >&2
fi

if want openssl; then
step "openssl speed rsa2048 (the limit for RS256 signing)"
openssl version >&2
openssl speed -seconds 3 rsa2048 > "$OUT/openssl.txt" 2>/dev/null || echo "openssl speed failed" >&2
fi

if want flow; then
step "signing flow: DocuSign's Python and Node SDKs, this project, its native build and the HTTP floor, against the loopback server"
if [ ! -x "$OUT/venv/bin/python" ]; then
    python3 -m venv "$OUT/venv"
    "$OUT/venv/bin/pip" install -q "docusign-esign==6.1.0"
fi
"$OUT/venv/bin/pip" list 2>/dev/null | grep -iE "^(docusign-esign|pyjwt|cryptography|urllib3) " >&2 || true
serve() {
    "${SERVER_CPU[@]}" target/release/docusign-host serve "$OUT/flows$CACHED.json" --addr "127.0.0.1:$PORT" \
        --ca-out "$OUT/ca.pem" --exit-when-done > "$OUT/serve-$1$CACHED.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 50); do [ -s "$OUT/ca.pem" ] && grep -q serving "$OUT/serve-$1$CACHED.log" && break; sleep 0.1; done
}
# flow.rs's options for a client: rust is the component, rust-hostcalls the component with its
# time bound checked at host calls only.
flow_client() {
    case $1 in
        rust) echo --client component ;;
        rust-hostcalls) echo --client component --host-call-checks ;;
        *) echo --client "$1" ;;
    esac
}
(cd host-test/benches/node_sdk && npm ci --ignore-scripts --no-audit --no-fund --silent)
# A new token every flow (as the SDK samples do), then one token for all flows (as a service runs).
for CACHED in "" -cached; do
    FLAG=${CACHED:+--cached-token}
    python3 fixtures/tools/make_bench_fixtures.py --repeat "$((WARMUP + FLOWS))" $FLAG \
        --out "$OUT/flows$CACHED.json"
    rm -f "$OUT/ca.pem"; serve python
    "${CLIENT_CPU[@]}" "$OUT/venv/bin/python" host-test/benches/python_sdk_flow.py --port "$PORT" --ca "$OUT/ca.pem" \
        --flows "$FLOWS" --warmup "$WARMUP" --key fixtures/keys/test-only-rsa-pkcs1.pem $FLAG \
        --document "fixtures/documents/Master Services Agreement.pdf" > "$OUT/flow$CACHED-python.json"
    wait "$SERVER"
    rm -f "$OUT/ca.pem"; serve node
    (cd host-test/benches/node_sdk && NODE_EXTRA_CA_CERTS="$OUT/ca.pem" "${CLIENT_CPU[@]}" node flow.js --port "$PORT" \
        --flows "$FLOWS" --warmup "$WARMUP" --key ../../../fixtures/keys/test-only-rsa-pkcs1.pem $FLAG \
        --document "../../../fixtures/documents/Master Services Agreement.pdf") > "$OUT/flow$CACHED-node.json"
    wait "$SERVER"
    for client in rust rust-hostcalls native floor; do
        rm -f "$OUT/ca.pem"; serve "$client"
        "${CLIENT_CPU[@]}" cargo bench -q -p docusign-host --bench flow -- --port "$PORT" --ca "$OUT/ca.pem" \
            --flows "$FLOWS" --warmup "$WARMUP" $FLAG $(flow_client "$client") \
            > "$OUT/flow$CACHED-$client.json"
        wait "$SERVER"
    done
    # The same flows replayed in process (no network): what runs between the exchanges.
    for client in rust native; do
        "${CLIENT_CPU[@]}" cargo bench -q -p docusign-host --bench flow -- --cassette "$OUT/flows$CACHED.json" \
            --flows "$FLOWS" --warmup "$WARMUP" $FLAG $(flow_client "$client") \
            > "$OUT/flow$CACHED-inprocess-$client.json"
    done
done
fi

step "report"
python3 host-test/benches/report.py target "$OUT" | tee "$OUT/report.md"
