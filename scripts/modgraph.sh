#!/usr/bin/env bash
# Prints the module graph of stormpack as `from -> to` edges, then the cycles (groups of modules
# that reach each other). Edges come from paths in the code (`use crate::x`, `crate::x::f()`,
# `super::x`, and `stormpack::x` in the binary); lines after `#[cfg(test)]` are not counted.
#
#   scripts/modgraph.sh          top-level modules of the library and the binary's modules
#   scripts/modgraph.sh jar      files inside src/jar/ (same for shade, topology, maven, ...)
#   scripts/modgraph.sh multilang  files inside crates/multilang/src/
#   scripts/modgraph.sh all      every graph above, one after the other
# Exit status 1 if any graph printed has a cycle.
set -euo pipefail
cd "$(dirname "$0")/.."

# Emits "file<TAB>path" for every crate::/super::/stormpack:: path in the code part of a file.
paths() {
  local f
  for f in "$@"; do
    awk -v file="$f" '
      /^[[:space:]]*#\[cfg\(test\)\]/ { exit }
      { sub(/\/\/.*/, "") }
      {
        line = $0
        # use crate::{a, b::c} and use super::{a, b}: expand the braces one level deep.
        while (match(line, /(crate|super|stormpack)::\{[^}]*\}/)) {
          grp = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
          head = grp; sub(/::\{.*/, "", head)
          body = grp; sub(/^[^{]*\{/, "", body); sub(/\}$/, "", body)
          n = split(body, items, ",")
          for (i = 1; i <= n; i++) { it = items[i]; gsub(/[[:space:]]/, "", it); if (it != "") print file "\t" head "::" it }
        }
        line = $0
        while (match(line, /(crate|super|stormpack)(::(super|[A-Za-z_][A-Za-z0-9_]*))+/)) {
          print file "\t" substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
        }
      }' "$f"
  done
}

# Reads "from<TAB>to" edges on stdin; prints them sorted, then the cycles.
report() {
  sort -u | awk -F'\t' '
    $1 != $2 { e[$1, $2] = 1; edges[++ne] = $1 " -> " $2; node[$1]; node[$2] }
    END {
      for (i = 1; i <= ne; i++) print "  " edges[i]
      for (a in node) for (b in node) r[a, b] = ((a, b) in e)
      for (k in node) for (a in node) if (r[a, k]) for (b in node) if (r[k, b]) r[a, b] = 1
      found = 0
      for (a in node) if (!(a in done) && r[a, a]) {
        grp = a; done[a] = 1
        for (b in node) if (b != a && r[a, b] && r[b, a]) { grp = grp " " b; done[b] = 1 }
        cyc[++found] = grp
      }
      if (found == 0) { print "cycles: none"; exit 0 }
      print "cycles: " found
      for (i = 1; i <= found; i++) {
        n = split(cyc[i], m, " "); line = ""
        for (x = 1; x <= n; x++) for (y = 1; y <= n; y++) if (x != y && ((m[x], m[y]) in e)) line = line "  " m[x] "->" m[y]
        print "  {" cyc[i] "}:" line
      }
      exit 1
    }'
}

# Modules the binary declares itself (`mod x;` in src/main.rs).
bin_mods() { awk '/^[[:space:]]*(pub )?mod [a-z_]+;/ { sub(/.*mod /, ""); sub(/;.*/, ""); print }' src/main.rs; }

# Modules the library declares (`mod x;` in src/lib.rs); any other `stormpack::x` is the API at
# the crate root (`lib`).
lib_mods() { awk '/^[[:space:]]*(pub )?mod [a-z_]+;/ { sub(/.*mod /, ""); sub(/;.*/, ""); print }' src/lib.rs; }

toplevel() {
  local bins; bins=" $(bin_mods | tr '\n' ' ') "
  local libs; libs=" $(lib_mods | tr '\n' ' ') "
  local files; files=$(find src -name '*.rs' | sort)
  # shellcheck disable=SC2086
  paths $files | awk -F'\t' -v bins="$bins" -v libs="$libs" '
    function lib(m) { return m }
    {
      f = $1; p = $2
      sub(/^src\//, "", f); top = f; sub(/[\/.].*/, "", top)
      inbin = (top == "main" || index(bins, " " top " ") > 0)
      if (top == "lib") next
      from = inbin ? (top == "main" ? "bin:main" : "bin:" top) : top
      n = split(p, s, "::")
      if (s[1] == "stormpack") to = s[2]
      else if (s[1] == "crate") to = inbin ? "bin:" s[2] : s[2]
      else next
      if (to == "" || to == "super") next
      if (inbin && s[1] == "crate" && index(bins, " " s[2] " ") == 0) next
      if (!(inbin && s[1] == "crate") && index(libs, " " to " ") == 0) to = "lib"
      print from "\t" to
    }'
}

# Files inside one directory: src/<dir>/ (or crates/multilang/src for `multilang`).
inside() {
  local dir=$1 root files
  if [ "$dir" = multilang ]; then root=crates/multilang/src; else root=src/$dir; fi
  [ -d "$root" ] || { echo "no directory $root" >&2; exit 2; }
  files=$(find "$root" -name '*.rs' | sort)
  local mods; mods=" $(for f in $files; do f=${f#"$root"/}; f=${f%.rs}; f=${f%%/*}; echo "$f"; done | sort -u | tr '\n' ' ') "
  # shellcheck disable=SC2086
  paths $files | awk -F'\t' -v root="$root/" -v dir="$dir" -v mods="$mods" '
    function name(m) { return (m == "mod" || m == "lib") ? dir : m }
    {
      f = $1; sub("^" root, "", f); sub(/\.rs$/, "", f); sub(/\/.*/, "", f); from = name(f)
      n = split($2, s, "::")
      if (dir == "multilang") { if (s[1] != "crate" && s[1] != "super") next; k = 2 }
      else if (s[1] == "crate") { if (s[2] != dir) next; k = 3 }
      else if (s[1] == "super") { if (f == "mod") next; k = 2 }
      else next
      if (s[1] == "super" && dir == "multilang" && (f == "lib")) next
      t = s[k]
      if (t == "" || t == "super" || t == "self") next
      to = (index(mods, " " t " ") > 0) ? name(t) : dir
      print from "\t" to
    }'
}

status=0
case "${1:-top}" in
  top) echo "top-level modules:"; toplevel | report || status=1 ;;
  all)
    echo "top-level modules:"; toplevel | report || status=1
    for d in jar shade topology maven multilang; do
      echo "inside $d:"; inside "$d" | report || status=1
    done ;;
  *) echo "inside $1:"; inside "$1" | report || status=1 ;;
esac
exit $status
