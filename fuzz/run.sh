#!/usr/bin/env bash
# Bounded fuzzing of every target with libFuzzer (cargo-fuzz, nightly). Not part of CI.
#   bash fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]   (default 120 s, every target)
# Needs: `rustup toolchain install nightly`, `cargo install cargo-fuzz`.
# New corpus entries go to target/fuzz-corpus/<target>; findings to fuzz/artifacts/<target>.
# The summary (runs, coverage, findings) is written to target/fuzz-summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-120}
TARGETS=(pem esign_replies auth_replies event_replies action_inputs json_inputs cassette connect_messages)
if [ "$#" -gt 1 ]; then
    TARGETS=("${@:2}")
fi

# The component, built once with the pinned stable toolchain, is embedded by the host crate.
cargo build -q -p docusign-host
export DOCUSIGN_CONNECTOR_WASM="$PWD/target/component/wasm32-wasip2/component/docusign_connector.wasm"

summary=target/fuzz-summary.md
mkdir -p target/fuzz-logs
{
    echo "| target | seconds | runs | coverage (edges) | findings |"
    echo "| --- | --- | --- | --- | --- |"
} > "$summary"
for t in "${TARGETS[@]}"; do
    mkdir -p "target/fuzz-corpus/$t"
    echo "==> fuzzing $t for ${SECS}s"
    status=0
    (cd fuzz && cargo +nightly fuzz run "$t" "../target/fuzz-corpus/$t" "corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1) \
        > "target/fuzz-logs/$t.log" 2>&1 || status=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "target/fuzz-logs/$t.log" | grep -oE '[0-9]+$' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "target/fuzz-logs/$t.log" | tail -1 | grep -oE '[0-9]+')
    findings=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
    [ "$status" -ne 0 ] && findings="$findings (exit $status, see target/fuzz-logs/$t.log)"
    echo "| $t | $SECS | ${runs:-?} | ${cov:-?} | $findings |" >> "$summary"
done
cat "$summary"
