#!/usr/bin/env bash
# Every speed comparison of issue 14, in one run on this machine (benchmarks, not tests):
#
#   1. no-op build (nothing changed since the last build):
#        fixtures/wordcount-maven   stormpack build   vs  mvn -o package
#        fixtures/java-wordcount    stormpack build   vs  mvn -o package
#        examples/wordcount         stormpack build   vs  cargo build --release (its own no-op),
#                                   both for x86_64-unknown-linux-musl only
#   2. clean warm build, fixtures/wordcount-maven: rm -rf target && stormpack build --offline
#        vs mvn -o clean package
#   3. shading storm-server's runtime closure: stormpack shade-bench vs cat of the same jars
#   4. resolving storm-hdfs + storm-redis: stormpack deps --offline vs mvn -o dependency:list,
#      with the remembered resolution and without it (STORMPACK_RESOLUTION_CACHE=off)
#
# Each pair runs alternately (A, B, A, B, ...) on copies of the projects, caches warmed first
# (not timed). Printed per comparison: median and min-max wall time of each tool, peak RSS
# (GNU time's %M, the largest over the runs), and the ratio of the medians. Wall time is taken
# with bash's $EPOCHREALTIME around `/usr/bin/time` (the same ~1 ms of fork/exec for both).
#
#   bash benches/run.sh              env: RUNS (default 11), MVN_RUNS (default 5),
#                                         STORM_VERSION (default 2.8.3)
# Needs: cargo, mvn, java, GNU time (Debian package `time`), python3; Maven Central reachable
# the first time (to fill ~/.m2), afterwards everything runs offline.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-11}"
MVN_RUNS="${MVN_RUNS:-5}"
STORM_VERSION="${STORM_VERSION:-2.8.3}"
for tool in cargo mvn java python3; do
  command -v "$tool" >/dev/null || { echo "benches/run.sh: needs $tool" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "benches/run.sh: needs GNU time: apt-get install -y time" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stormpack-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== building stormpack (release)" >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin stormpack
SP="$ROOT/target/release/stormpack"

# once CMD...: one timed run; prints "<wall ms> <peak RSS KiB>".
once() {
  local start end
  start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || {
    echo "benches/run.sh: failed: $*" >&2; tail -20 "$WORK/err" >&2; return 1; }
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" -v k="$(tail -1 "$WORK/rss")" 'BEGIN { printf "%.1f %d\n", (e - s) * 1000, k }'
}

# stats FILE: "median min max maxrss" of the "<ms> <kib>" lines in FILE.
stats() {
  sort -n "$1" | awk '{ t[NR] = $1; if ($2 > r) r = $2 }
    END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
          printf "%.1f %.1f %.1f %d\n", m, t[1], t[NR], r }'
}

# compare TITLE N NAME_A CMD_A NAME_B CMD_B: N alternating runs of each (commands run by sh -c).
compare() {
  local title="$1" n="$2" na="$3" ca="$4" nb="$5" cb="$6" i
  : >"$WORK/a"; : >"$WORK/b"
  for i in $(seq "$n"); do
    once sh -c "$ca" >>"$WORK/a"
    once sh -c "$cb" >>"$WORK/b"
  done
  read -r ma loa hia ra < <(stats "$WORK/a")
  read -r mb lob hib rb < <(stats "$WORK/b")
  echo "$title  ($n runs each, alternating)"
  printf '  %-44s median %9.1f ms  (min-max %.1f-%.1f)  peak RSS %4d MiB\n' "$na" "$ma" "$loa" "$hia" $((ra / 1024))
  printf '  %-44s median %9.1f ms  (min-max %.1f-%.1f)  peak RSS %4d MiB\n' "$nb" "$mb" "$lob" "$hib" $((rb / 1024))
  awk -v a="$ma" -v b="$mb" -v na="${na%% *}" -v nb="${nb%% *}" \
    'BEGIN { if (a > 0 && b >= a) printf "  ratio: %s is %.1fx faster than %s\n", na, b / a, nb;
             else if (b > 0) printf "  ratio: %s takes %.2fx the time of %s\n", na, a / b, nb }'
  echo
}

copy() { rm -rf "$2"; cp -r "$1" "$2"; rm -rf "$2/target"; }

echo "== preparing copies and warming caches (not timed)" >&2
copy "$ROOT/fixtures/wordcount-maven" "$WORK/wc-sp"
copy "$ROOT/fixtures/wordcount-maven" "$WORK/wc-mvn"
copy "$ROOT/fixtures/java-wordcount" "$WORK/java-sp"
copy "$ROOT/fixtures/java-wordcount" "$WORK/java-mvn"
(cd "$WORK/wc-mvn" && mvn -B -q package >/dev/null)
(cd "$WORK/java-mvn" && mvn -B -q package >/dev/null)
"$SP" build --project "$WORK/wc-sp" >/dev/null 2>&1
"$SP" build --project "$WORK/java-sp" >/dev/null 2>&1
# The example builds inside this checkout's workspace (its target/ is the workspace's).
EX="$ROOT/examples/wordcount"
# One target for both (plain cargo has no cross linker for aarch64; stormpack sets one).
EX_TARGETS="--target x86_64-unknown-linux-musl"
"$SP" build $EX_TARGETS --project "$EX" >/dev/null 2>&1
(cd "$EX" && cargo build --release --quiet $EX_TARGETS)

# Shading input: storm-server's runtime closure in Maven's classpath order.
mkdir -p "$WORK/shade" "$WORK/deps-sp" "$WORK/deps-mvn"
cat >"$WORK/shade/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>stormpack.bench</groupId>
  <artifactId>shade-input</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.storm</groupId>
      <artifactId>storm-server</artifactId>
      <version>${STORM_VERSION}</version>
    </dependency>
  </dependencies>
</project>
POM
(cd "$WORK/shade" && mvn -q -B dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt" -Dmdep.includeScope=runtime >&2)
IFS=: read -r -a JARS <"$WORK/classpath.txt" || true
printf '%s\n' "${JARS[@]}" >"$WORK/jars.txt"
cat "${JARS[@]}" >/dev/null
SHADE_OUT="$WORK"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then SHADE_OUT="$(mktemp -d /dev/shm/stormpack-bench.XXXXXX)"; fi
trap 'rm -rf "$WORK" "$SHADE_OUT"' EXIT

# Resolution: storm-hdfs + storm-redis (about 75 coordinates).
for d in deps-sp deps-mvn; do
  cat >"$WORK/$d/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>stormpack.bench</groupId>
  <artifactId>resolve</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.storm</groupId>
      <artifactId>storm-hdfs</artifactId>
      <version>${STORM_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.storm</groupId>
      <artifactId>storm-redis</artifactId>
      <version>${STORM_VERSION}</version>
    </dependency>
  </dependencies>
</project>
POM
done
(cd "$WORK/deps-mvn" && mvn -B -q dependency:list >/dev/null)
for attempt in 1 2 3; do
  "$SP" deps --project "$WORK/deps-sp" >"$WORK/deps.txt" 2>"$WORK/deps.err" && break
  [ "$attempt" = 3 ] && { cat "$WORK/deps.err" >&2; exit 1; }
  sleep 2
done
COORDS=$(grep -c ':' "$WORK/deps.txt" || true)

echo "stormpack $("$SP" --version 2>/dev/null | awk '{print $2}') ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(mvn -B -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g' | cut -d' ' -f1-3), $(java -version 2>&1 | head -1), $(cargo --version)"
echo

compare "no-op build, fixtures/wordcount-maven" "$RUNS" \
  "stormpack build" "'$SP' build --project '$WORK/wc-sp'" \
  "mvn -o package" "cd '$WORK/wc-mvn' && mvn -B -q -o package"
compare "no-op build, fixtures/java-wordcount (Java sources)" "$RUNS" \
  "stormpack build" "'$SP' build --project '$WORK/java-sp'" \
  "mvn -o package" "cd '$WORK/java-mvn' && mvn -B -q -o package"
compare "no-op build, examples/wordcount (Rust components)" "$RUNS" \
  "stormpack build --target x86_64-..-musl" "'$SP' build $EX_TARGETS --project '$EX'" \
  "cargo build --release (cargo's no-op)" "cd '$EX' && cargo build --release --quiet $EX_TARGETS"
compare "clean warm build, fixtures/wordcount-maven" "$MVN_RUNS" \
  "stormpack build --offline (target/ removed)" "rm -rf '$WORK/wc-sp/target' && '$SP' build --offline --project '$WORK/wc-sp'" \
  "mvn -o clean package" "cd '$WORK/wc-mvn' && mvn -B -q -o clean package"
compare "shading storm-server ${STORM_VERSION}'s closure (${#JARS[@]} jars, $(( $(cat "${JARS[@]}" | wc -c) / 1048576 )) MiB, output on ${SHADE_OUT%/*})" "$RUNS" \
  "stormpack shade-bench" "xargs -d '\n' '$SP' shade-bench --allow-storm-runtime --main-class org.apache.storm.flux.Flux --out '$SHADE_OUT/stormpack.jar' <'$WORK/jars.txt'" \
  "cat (raw copy of the same jars)" "xargs -d '\n' cat <'$WORK/jars.txt' >'$SHADE_OUT/raw.bin'"
compare "resolution, storm-hdfs + storm-redis ${STORM_VERSION} ($COORDS coordinates), remembered resolution" "$MVN_RUNS" \
  "stormpack deps --offline" "'$SP' deps --offline --project '$WORK/deps-sp'" \
  "mvn -o dependency:list" "cd '$WORK/deps-mvn' && mvn -B -q -o dependency:list"
compare "resolution, storm-hdfs + storm-redis ${STORM_VERSION}, every pom parsed (STORMPACK_RESOLUTION_CACHE=off)" "$MVN_RUNS" \
  "stormpack deps --offline" "STORMPACK_RESOLUTION_CACHE=off '$SP' deps --offline --project '$WORK/deps-sp'" \
  "mvn -o dependency:list" "cd '$WORK/deps-mvn' && mvn -B -q -o dependency:list"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
