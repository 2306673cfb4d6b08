#!/usr/bin/env bash
# Shading benchmark (not a test): the runtime closure of org.apache.storm:storm-server, shaded
#   (a) by stormpack (release build; `stormpack shade-bench`, the same shade::plan + jar::write_jar
#       code path as `stormpack build`, with the Storm guard bypassed on purpose),
#   (b) by maven-shade-plugin on the same jars (same filters: signatures, INDEX.LIST,
#       module-info.class; services and manifest transformers),
#   (c) by a plain copy of the input bytes (`cat` of every jar into one file),
# all in this one run, and prints wall times, ratios and stormpack's peak RSS.
# Targets: stormpack >= 12x faster than maven-shade, within 1.5x of the raw copy, peak RSS <= 64 MiB.
#
# Usage: benches/shade/run.sh   (env: STORM_VERSION, SHADE_PLUGIN_VERSION, RUNS = timed runs per
# tool, best kept; OUT_DIR = where all three write their output, default /dev/shm (tmpfs),
# which takes disk writeback out of the comparison, else a temp dir)
# Needs: cargo, mvn (Maven Central reachable, or the artifacts cached), GNU time (/usr/bin/time;
# Debian package `time`).
set -euo pipefail

# 2.8.8 is the release the project targets, but the registry here does not serve its artifacts;
# 2.8.3 is the newest storm-server whose whole closure resolves.
STORM_VERSION="${STORM_VERSION:-2.8.3}"
SHADE_PLUGIN_VERSION="${SHADE_PLUGIN_VERSION:-3.6.2}"
RUNS="${RUNS:-5}"
SHADE_RUNS="${SHADE_RUNS:-2}"   # maven-shade takes tens of seconds a run
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/stormpack-shade-bench.XXXXXX")"
# Outputs go to tmpfs when there is one, so the comparison measures the tools, not the state of
# the disk's writeback; OUT_DIR=<dir> puts them elsewhere.
if [ -z "${OUT_DIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then OUT_DIR=/dev/shm; fi
OUT="$(mktemp -d "${OUT_DIR:-$WORK}/stormpack-shade-bench-out.XXXXXX")"
trap 'rm -rf "$WORK" "$OUT"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "benches/shade: /usr/bin/time is missing; install it with: apt-get install -y time" >&2
  exit 1
fi

echo "== building stormpack (release)" >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
STORMPACK="$ROOT/target/release/stormpack"

# One pom: storm-server as a dependency, maven-shade-plugin configured like a topology build.
cat > "$WORK/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>stormpack.bench</groupId>
  <artifactId>shade-bench</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <maven.compiler.release>17</maven.compiler.release>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.apache.storm</groupId>
      <artifactId>storm-server</artifactId>
      <version>${STORM_VERSION}</version>
    </dependency>
  </dependencies>
  <build>
    <directory>${OUT}/maven-target</directory>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-shade-plugin</artifactId>
        <version>${SHADE_PLUGIN_VERSION}</version>
        <executions>
          <execution>
            <phase>package</phase>
            <goals><goal>shade</goal></goals>
            <configuration>
              <createDependencyReducedPom>false</createDependencyReducedPom>
              <filters>
                <filter>
                  <artifact>*:*</artifact>
                  <excludes>
                    <exclude>META-INF/*.SF</exclude>
                    <exclude>META-INF/*.DSA</exclude>
                    <exclude>META-INF/*.RSA</exclude>
                    <exclude>META-INF/*.EC</exclude>
                    <exclude>META-INF/SIG-*</exclude>
                    <exclude>META-INF/INDEX.LIST</exclude>
                    <exclude>module-info.class</exclude>
                    <exclude>META-INF/versions/*/module-info.class</exclude>
                  </excludes>
                </filter>
              </filters>
              <transformers>
                <transformer implementation="org.apache.maven.plugins.shade.resource.ServicesResourceTransformer"/>
                <transformer implementation="org.apache.maven.plugins.shade.resource.ManifestResourceTransformer">
                  <mainClass>org.apache.storm.flux.Flux</mainClass>
                </transformer>
              </transformers>
            </configuration>
          </execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
POM

echo "== resolving storm-server ${STORM_VERSION} and the shade plugin (not timed)" >&2
(cd "$WORK" && mvn -q -B dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt" -Dmdep.includeScope=runtime >&2)
(cd "$WORK" && mvn -q -B package >&2)   # warms the plugin cache; the timed runs are offline
IFS=: read -r -a JARS < "$WORK/classpath.txt" || true  # no trailing newline
INPUT_BYTES=$(cat "${JARS[@]}" | wc -c)
echo "== inputs: ${#JARS[@]} jars, ${INPUT_BYTES} bytes (classpath order from Maven); outputs in $OUT" >&2

# best N <command...>: run N times, print the fastest wall time in seconds.
best() {
  local best="" t n=$1
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/last.err" || { cat "$WORK/last.err" >&2; return 1; }
    t=$(cut -d' ' -f1 "$WORK/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

echo "== timing (best of ${RUNS}, stormpack and the raw copy alternating; maven-shade best of ${SHADE_RUNS})" >&2
cat "${JARS[@]}" > /dev/null   # inputs in the page cache for everyone
RAW=""
STORMPACK_T=""
for _ in $(seq "$RUNS"); do
  t=$(best 1 sh -c 'cat "$@" > "$0"' "$OUT/raw-copy.bin" "${JARS[@]}")
  if [ -z "$RAW" ] || awk "BEGIN{exit !($t < $RAW)}"; then RAW=$t; fi
  t=$(best 1 "$STORMPACK" shade-bench --allow-storm-runtime --main-class org.apache.storm.flux.Flux --out "$OUT/stormpack.jar" "${JARS[@]}")
  if [ -z "$STORMPACK_T" ] || awk "BEGIN{exit !($t < $STORMPACK_T)}"; then STORMPACK_T=$t; fi
done
PEAK_KB=0
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%M" -o "$WORK/rss.txt" "$STORMPACK" shade-bench --allow-storm-runtime --out "$OUT/stormpack.jar" "${JARS[@]}" 2>/dev/null
  kb=$(cat "$WORK/rss.txt"); [ "$kb" -gt "$PEAK_KB" ] && PEAK_KB=$kb
done
SHADE_T=$(best "$SHADE_RUNS" sh -c 'cd "$0" && mvn -o -q -B package' "$WORK")
SHADED_JAR="$OUT/maven-target/shade-bench-1.jar"

count() { python3 -c 'import sys,zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))' "$1"; }
echo
echo "storm-server ${STORM_VERSION} runtime closure: ${#JARS[@]} jars, $((INPUT_BYTES / 1048576)) MiB; outputs on ${OUT_DIR:-$WORK}; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-34s %8ss  %s\n' "raw copy (cat of the input jars)" "$RAW" "$(stat -c %s "$OUT/raw-copy.bin") bytes"
printf '  %-34s %8ss  %s entries, %s bytes\n' "stormpack shade-bench" "$STORMPACK_T" "$(count "$OUT/stormpack.jar")" "$(stat -c %s "$OUT/stormpack.jar")"
printf '  %-34s %8ss  %s entries, %s bytes\n' "maven-shade-plugin ${SHADE_PLUGIN_VERSION} (mvn -o package)" "$SHADE_T" "$(count "$SHADED_JAR")" "$(stat -c %s "$SHADED_JAR")"
awk -v s="$STORMPACK_T" -v m="$SHADE_T" -v r="$RAW" -v kb="$PEAK_KB" 'BEGIN {
  printf "  stormpack vs maven-shade: %.1fx faster (target >= 12x)\n", m / s
  printf "  stormpack vs raw copy:    %.2fx the raw copy time (target <= 1.5x)\n", s / r
  printf "  stormpack peak RSS:       %.1f MiB (target <= 64 MiB)\n", kb / 1024
}'
