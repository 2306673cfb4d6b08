#!/usr/bin/env bash
# Benchmark (not a test): `stormpack build` against `mvn clean package` on the same project, both
# measured in this one run, with warm caches (the local Maven repository is filled first).
# Prints wall time and peak RSS of each, and the ratio.
#
#   bash benches/build/run.sh [PROJECT_DIR] [RUNS]     (default: fixtures/wordcount-maven, 5)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
project="${1:-$root/fixtures/wordcount-maven}"
runs="${2:-5}"
command -v mvn >/dev/null || { echo "bench: needs mvn" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin stormpack
stormpack="$root/target/release/stormpack"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$project" "$work/maven"
cp -r "$project" "$work/stormpack"
rm -rf "$work/maven/target" "$work/stormpack/target"

# Warm both caches: Maven's plugins and the dependencies.
(cd "$work/maven" && mvn -B -q package -DskipTests >/dev/null)
"$stormpack" build --project "$work/stormpack" >/dev/null 2>&1

# measure NAME CMD...: median wall seconds and max RSS (KiB) over $runs clean builds.
measure() {
    local name="$1"; shift
    local walls=() rss=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
        read -r wall kib <"$work/time"
        walls+=("$wall")
        [ "$kib" -gt "$rss" ] && rss="$kib"
    done
    local median
    median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$name $median $rss"
}

m=$(measure maven sh -c "cd '$work/maven' && mvn -B -q -o clean package -DskipTests")
s=$(measure stormpack sh -c "rm -rf '$work/stormpack/target' && '$stormpack' build --offline --project '$work/stormpack'")
read -r _ mw mr <<<"$m"
read -r _ sw sr <<<"$s"
printf 'project: %s (%s clean builds each, warm caches, median wall time)\n' "$project" "$runs"
printf '  mvn clean package   %8.3f s   peak RSS %6d MiB\n' "$mw" $((mr / 1024))
printf '  stormpack build     %8.3f s   peak RSS %6d MiB\n' "$sw" $((sr / 1024))
awk -v m="$mw" -v s="$sw" 'BEGIN { if (s > 0) printf "  ratio: stormpack is %.1fx faster than mvn clean package\n", m / s }'
