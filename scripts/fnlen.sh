#!/usr/bin/env bash
# Prints the longest functions of the library (src/, the binary's commands included), longest
# first: lines from the `fn` line to its closing brace at the same indentation. Test modules
# (`#[cfg(test)] mod ... { }`) and the generated Thrift code are left out. A `*` marks a
# function whose comment says why it is long (it mentions "~80" or "on purpose").
#
#   scripts/fnlen.sh        the 15 longest
#   scripts/fnlen.sh 40     the 40 longest
set -euo pipefail
cd "$(dirname "$0")/.."
top="${1:-15}"

find src -name '*.rs' ! -name generated.rs | sort | while read -r f; do
  awk -v file="$f" '
    function indent(s) { match(s, /^ */); return RLENGTH }
    function closing(i,   s) { s = ""; while (length(s) < i) s = s " "; return s "}" }
    # A test module: skip to its closing brace.
    skip_ind >= 0 { if ($0 == closing(skip_ind)) skip_ind = -1; next }
    /^[[:space:]]*#\[cfg\(test\)\]/ { cfg_test = 1; next }
    cfg_test && /^[[:space:]]*(pub )?mod [A-Za-z0-9_]+ *\{/ { skip_ind = indent($0); cfg_test = 0; next }
    { cfg_test = 0 }
    # Comments before an item: remember whether one says why the item is long.
    /^[[:space:]]*\/\// { if ($0 ~ /~80|on purpose/) why = 1; next }
    /^[[:space:]]*#\[/ || /^[[:space:]]*impl[ <]/ { next }
    # A fn whose signature is still open: its body starts at a line ending in `{`.
    pending { if ($0 ~ /;[[:space:]]*$/) pending = 0; else if ($0 ~ /\{[[:space:]]*$/) { pending = 0; n++ } ; next }
    /^[[:space:]]*(pub(\([^)]*\))? +)?(const +)?(async +)?(unsafe +)?fn +[A-Za-z0-9_]+/ {
      name = $0; sub(/^.*fn +/, "", name); sub(/[^A-Za-z0-9_].*$/, "", name)
      ind[n + 1] = indent($0); start[n + 1] = NR; fname[n + 1] = name; fwhy[n + 1] = why
      why = 0
      if ($0 ~ /;[[:space:]]*$/ || $0 ~ /\}[[:space:]]*$/) next   # a declaration or a one-liner
      if ($0 ~ /\{[[:space:]]*$/) n++; else pending = 1
      next
    }
    { why = 0 }
    n > 0 && $0 == closing(ind[n]) {
      printf "%5d %s %s%s\n", NR - start[n] + 1, file, fname[n], (fwhy[n] ? " *" : "")
      n--
    }
    BEGIN { skip_ind = -1; n = 0 }
  ' "$f"
done | sort -k1,1nr -k2 | head -n "$top"
