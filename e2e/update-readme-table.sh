#!/usr/bin/env bash
# Puts the compatibility matrix of the last e2e run into README.md, between the lines
#   <!-- compatibility-matrix:begin -->  and  <!-- compatibility-matrix:end -->
# so that the README's table is what a run measured, never typed by hand.
#
# Usage: e2e/update-readme-table.sh [COMPATIBILITY_TSV] [README]
#   COMPATIBILITY_TSV  written by e2e/run-e2e.sh at its end (default
#                      ${E2E_WORK:-/tmp/portcullis-e2e-run}/compatibility.tsv)
#   README             default README.md next to this script's directory
# Exit status 1 (README unchanged) when the file is missing, has no rows, or the markers are absent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsv="${1:-${E2E_WORK:-/tmp/portcullis-e2e-run}/compatibility.tsv}"
readme="${2:-$ROOT/README.md}"
begin='<!-- compatibility-matrix:begin -->'
end='<!-- compatibility-matrix:end -->'

[ -s "$tsv" ] || { echo "no compatibility table at $tsv (run e2e/run-e2e.sh first)" >&2; exit 1; }
if ! grep -qxF "$begin" "$readme" || ! grep -qxF "$end" "$readme"; then
  echo "$readme lacks the lines $begin and $end" >&2; exit 1
fi
[ "$(grep -vc '^#' "$tsv")" -ge 2 ] || { echo "$tsv has no cells" >&2; exit 1; }
if grep -q '^# run: .*IN PROGRESS' "$tsv" && [ "${ALLOW_PARTIAL:-0}" != 1 ]; then
  echo "$tsv is from a run still in progress (or stopped early); ALLOW_PARTIAL=1 takes it anyway" >&2; exit 1
fi

table="$(mktemp)"; trap 'rm -f "$table" "$table.readme"' EXIT
awk -F'\t' '
  function cell(v) { gsub(/\|/, "\\|", v); return v }
  /^# run: / { run = substr($0, 8); next }
  /^# note: / { notes[++nn] = substr($0, 9); next }
  /^#/ { next }
  !header { header = 1; next }
  {
    # server, scanner, how it ran, result, wall times, Azure DevOps Publish replay, leaked-token probes
    res = $8; if ($9 != "-") res = res " (" $9 ")"
    walls = "direct " $10 " / jetty " $11 " / netty " $12
    sc = $3; sub(/^cli[0-9.]*$/, "SonarScanner CLI", sc); sub(/^maven[0-9.]*$/, "SonarScanner for Maven", sc)
    sub(/^npm[0-9.]*$/, "@sonar/scan", sc)
    rows[++n] = sprintf("| %s (%s) | %s %s | %s; token as `%s` | %s | %s | %s | %s | %s |", $1, $2, sc, $4, cell($5), $6, $7,
      cell(res), walls, cell($13), cell($14))
  }
  END {
    printf "Written by `e2e/update-readme-table.sh` from the e2e run of %s.\n\n", run
    print "| server | scanner | runtime; token | gateways | result (checks) | wall time, s | Azure DevOps Publish replay | leaked-token probes |"
    print "|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) print rows[i]
    if (nn) print ""
    for (i = 1; i <= nn; i++) print "- " notes[i]
  }' "$tsv" > "$table"

awk -v b="$begin" -v e="$end" -v t="$table" '
  $0 == b { print; while ((getline line < t) > 0) print line; skip = 1; next }
  $0 == e { skip = 0 }
  !skip { print }' "$readme" > "$table.readme"
cat "$table.readme" > "$readme"
echo "README table updated from $tsv ($(grep -vc '^#' "$tsv") lines incl. header)"
