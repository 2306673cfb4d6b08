#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/): each for SECONDS seconds (default 15), starting from the
# committed seeds (fuzz/seeds/<target>) and the corpus earlier runs grew (fuzz/corpus/<target>,
# not committed). A crash, a timeout (10 s for one input) or more than 2 GiB of memory fails.
#   bash scripts/fuzz.sh            # CI: every target, 15 s each
#   bash scripts/fuzz.sh 3600 xml   # a longer run of one target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(xml topology jar lockfile)
# What fuzzing needs beyond scripts/setup.sh: a nightly toolchain and cargo-fuzz.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo +nightly fuzz build --release
mkdir -p fuzz/logs
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    status=0
    cargo +nightly fuzz run --release "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"fuzz/logs/$t.log" 2>&1 || status=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "fuzz/logs/$t.log" | grep -oE '[0-9]+$' || echo '?')
    rss=$(grep -oE '^stat::peak_rss_mb: *[0-9]+' "fuzz/logs/$t.log" | grep -oE '[0-9]+$' || echo '?')
    echo "fuzz: $t: ${seconds}s, $runs executions, peak RSS ${rss} MB, status $status"
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|panicked' "fuzz/logs/$t.log" | head -20 >&2 || true
        echo "fuzz: $t failed; the input is under fuzz/artifacts/$t/, the log in fuzz/logs/$t.log" >&2
        exit 1
    fi
done
