#!/usr/bin/env bash
# Installs what stormpack's build and tests need on a fresh machine. Idempotent and
# non-interactive; safe to run on every CI run (it only installs what is missing).
set -euo pipefail

targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

# qemu-user runs the aarch64 binaries in tests (the launcher's architecture choice); busybox
# checks that the component launchers need nothing beyond it (Alpine-like nodes).
need=()
command -v qemu-aarch64-static >/dev/null 2>&1 || command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user-static)
command -v busybox >/dev/null 2>&1 || need+=(busybox)
# Java runs Storm and python3 the Python components in the end-to-end tests (tests/e2e.rs).
command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] || need+=(openjdk-17-jre-headless)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# Maven is the baseline the tests compare against (dependency:list, package).
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
            || echo "setup: could not install ${need[*]}; the tests that need them will be skipped" >&2
    else
        echo "setup: missing ${need[*]} (apt-get install ${need[*]}); the tests that need them will be skipped" >&2
    fi
fi
