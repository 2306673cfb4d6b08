#!/usr/bin/env bash
# Benchmark (not a timed test): the Rust split bolt (stormpack-multilang) against a storm.py split
# bolt, both driven by the same Storm-side driver (tests/conformance/driver.rs), pipelined with up
# to BENCH_WINDOW tuples in flight. Prints tuples per second for each and the ratio from one run.
#   bash benches/multilang/run.sh                 # 50000 tuples of 6 words each
#   BENCH_TUPLES=100000 bash benches/multilang/run.sh
# Both components and the driver are built with --release (the first run compiles the test
# dependencies in release mode, a few minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "run.sh: python3 is needed for the storm.py bolt" >&2; exit 1; }
cargo test --release --quiet --test conformance -- --ignored --exact bench_split_bolt_throughput --nocapture 2>&1 \
    | grep -vE '^(running [0-9]+ tests?|test result:.*|test bench_split_bolt_throughput \.\.\. ok|\.|)$'
