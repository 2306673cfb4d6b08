#!/usr/bin/env bash
# The test suite: unit tests, integration tests (real binary on fixture projects), the multilang
# conformance harness, and the end-to-end runs on a real Storm LocalCluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --locked "$@"
