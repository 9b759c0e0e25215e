#!/usr/bin/env bash
# One signing workflow through Restate, offline: a loopback replay of DocuSign, a single-node
# Restate server, docusign-worker; registers the worker, starts SignatureWorkflow and follows it to
# the signed documents' hashes. Everything listens on 127.0.0.1 and is stopped on exit.
#   bash worker/run-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/worker-demo
RESTATE=worker/restate/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server
RESTATE_CLI=worker/restate/node_modules/@restatedev/restate-linux-x64/bin/restate
INGRESS=http://127.0.0.1:8080
ADMIN=http://127.0.0.1:9070
WORKFLOW_ID=${WORKFLOW_ID:-order-$(date +%s)}

if [ ! -x "$RESTATE" ] || [ ! -x "$RESTATE_CLI" ]; then
    echo "installing the pinned Restate server and CLI (npm ci in worker/restate)"
    (cd worker/restate && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
cargo build --quiet -p docusign-host -p docusign-worker
rm -rf "$OUT" && mkdir -p "$OUT"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

wait_http() { # URL WHAT
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "error: $2 did not come up; logs in $OUT" >&2
    exit 1
}

target/debug/docusign-host serve fixtures/cassettes/worker/signature-workflow.json \
    --addr 127.0.0.1:8443 > "$OUT/replay.log" 2>&1 &
pids+=($!)
"$RESTATE" --no-logo --config-file worker/restate/dev.toml --base-dir "$OUT/restate-data" \
    > "$OUT/restate.log" 2>&1 &
pids+=($!)
target/debug/docusign-worker --config worker/examples/offline.toml > "$OUT/worker.log" 2>&1 &
pids+=($!)
wait_http "$ADMIN/health" "the Restate server"
wait_http "$INGRESS/restate/health" "Restate's ingress"
for _ in $(seq 1 300); do grep -q "listening on" "$OUT/worker.log" && break; sleep 0.1; done

echo "==> register the worker with Restate (restate deployments register)"
RESTATE_ADMIN_URL=$ADMIN "$RESTATE_CLI" deployments register http://127.0.0.1:9080 --yes \
    > "$OUT/register.log" 2>&1 || { cat "$OUT/register.log" >&2; exit 1; }
echo "==> start SignatureWorkflow $WORKFLOW_ID (fixtures/inputs/signature-workflow.json)"
curl -fsS -X POST "$INGRESS/SignatureWorkflow/$WORKFLOW_ID/run/send" \
    -H 'content-type: application/json' -d @fixtures/inputs/signature-workflow.json
echo
last=""
for _ in $(seq 1 600); do
    progress=$(curl -fsS -X POST "$INGRESS/SignatureWorkflow/$WORKFLOW_ID/progress" || true)
    line=$(printf '%s' "$progress" | sed -E 's/.*"phase":"([a-z-]+)".*"status":("[a-z]+"|null).*"checks":([0-9]+).*/phase \1, status \2, checks \3/')
    if [ -n "$line" ] && [ "$line" != "$last" ]; then echo "    $line"; last=$line; fi
    case "$progress" in *'"phase":"done"'*) break ;; esac
    sleep 0.2
done
echo "==> result"
result=$(curl -fsS "$INGRESS/restate/workflow/SignatureWorkflow/$WORKFLOW_ID/attach")
printf '%s\n' "$result" | python3 -m json.tool
case "$result" in
    *'"outcome":"completed"'*) echo "signed documents archived under $OUT/signed" ;;
    *) echo "error: the workflow did not complete; logs in $OUT" >&2; exit 1 ;;
esac
