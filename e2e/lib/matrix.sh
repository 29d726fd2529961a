# shellcheck shell=bash
# Portcullis e2e: the compatibility matrix (issue 10), sourced by run-e2e.sh (it uses that script's
# check, scan, good_scan, probe, gw_* and server functions; it defines no top-level behaviour).
#
# A cell is a server and a scanner. Each cell that runs:
#   * scans project A through one or both gateway flavours with sonar.qualitygate.wait=true (good_scan:
#     EXECUTION/BUILD SUCCESS, compute-engine task SUCCESS with its analysis listed, the decision-log
#     check) and, with E2E_DIRECT_SCANS=1, once directly for the wall-time comparison;
#   * replays, through each of those gateways, the Azure DevOps extension's Prepare task (server version,
#     token property) and Publish task against the compute-engine task of that very scan
#     (lib/azure-tasks.sh: metrics, server version, ce/task, quality gate, measures);
#   * sends the leaked-token probes through each of those gateways with A's token, the way that scanner
#     sends it (Basic on 9.9 and for CLI 5.0.1, Bearer otherwise): user directory, token minting,
#     permissions, project listing, web services, system info, web UI, encodings: all must be refused.
# The cells marked "base" are the scans run-e2e.sh's step 3 always ran (26.9 with CLI 8.1 and Maven 5.8,
# 9.9 with CLI 5.0.1, each through every flavour); the matrix adds their replay and probes.
#
# Servers: 9.9 and 26.9 are run-e2e.sh's; 10.7 (sq107) is started with them, gets the same default and
# restricted gateways, runs its cells right after 9.9's phase A and is stopped when they are done.
# Scanner set-up per cell: CLI 5.0.1 on JDK 17 (9.9, 10.7) or SQ_JDK21PLUS (26.9: its engine needs 21+),
# token as sonar.login below 10.0 (SonarQube 9.9 knows no sonar.token), else sonar.token; CLI 8.1 and
# Maven 5.8 (JDK 17; they provision their JRE from 10.6+) with SONAR_TOKEN, or sonar.login on 9.9
# (SCANNER_LEGACY_LOGIN); @sonar/scan 5.0.1 with SONAR_TOKEN on Node 22 (lib/scanners.sh).
#
# E2E_MATRIX: which cells run, space-separated bash patterns over "SERVER/SCANNER" (default "*": all);
#   e.g. "10.7/* 26.9/cli5.0.1"; "none" runs none (10.7 is then not started; the base scans still run).
# At the end (from the EXIT trap) the table is printed and written to $E2E_WORK/compatibility.tsv;
# e2e/update-readme-table.sh puts it into README.md.

# shellcheck disable=SC2034  # SQ107_PORT and GW107_PORT are read by run-e2e.sh
SQ107_VERSION=10.7.0.96327; SQ107_PORT="${E2E_SQ107_PORT:-19010}"; GW107_PORT="${E2E_GW107_PORT:-18010}"
NPM_SCAN=5.0.1
MATRIX="${E2E_MATRIX:-*}"
MATRIX_TSV="$E2E_WORK/compatibility.tsv"
# Probes.java (e2e/probes/, when present) and its leaked-token table
MATRIX_PROBES_JAVA="$ROOT/e2e/probes/Probes.java"
MATRIX_PROBES_TABLE="${E2E_MATRIX_PROBES_TABLE:-$ROOT/e2e/probes/leaked-token.tsv}"

# "SERVER SCANNER GATEWAYS": GATEWAYS = both | jetty | netty (the other when only one runs) | base
# (step 3 scanned it through every flavour) | skip. Flavours alternate; every server has a cell
# through both.
MATRIX_CELLS=(
  "9.9 cli5.0.1 base"
  "9.9 cli8.1 netty"
  "9.9 maven5.8 jetty"
  "9.9 npm5.0.1 skip"
  "10.7 cli5.0.1 both"
  "10.7 cli8.1 netty"
  "10.7 maven5.8 jetty"
  "10.7 npm5.0.1 netty"
  "26.9 cli5.0.1 jetty"
  "26.9 cli8.1 base"
  "26.9 maven5.8 base"
  "26.9 npm5.0.1 jetty"
)
declare -A MATRIX_SKIP_WHY=(
  [9.9/npm5.0.1]="skipped: @sonar/scan provisions JRE and engine only from SonarQube >= 10.6; on 9.9 it downloads SonarScanner CLI from binaries.sonarsource.com (not reachable here, and not through the gateway)"
)
MATRIX_NOTES=(
  "SonarQube Server 2025.x LTA: not in the matrix. It is a commercial release that Maven Central does not serve (it has 9.9.x, 10.7, the 25.x Community Builds and 26.x)."
)
declare -A MX_STATUS=() MX_CHECKS=() MX_PUBLISH=() MX_PROBES=() MX_GW=()

mx_server_name() { case "$1" in 9.9) printf sq99;; 10.7) printf sq107;; 26.9) printf sq26;; esac; }
mx_server_version() { case "$1" in 9.9) printf '%s' "$SQ99_VERSION";; 10.7) printf '%s' "$SQ107_VERSION";; 26.9) printf '%s' "$SQ26_VERSION";; esac; }

# matrix_selected SERVER SCANNER -> 0 when E2E_MATRIX names the cell
matrix_selected() {
  local p cell="$1/$2" pats=()
  [ "$MATRIX" = none ] && return 1
  read -r -a pats <<<"$MATRIX"   # split only: no pathname expansion of "*"
  for p in "${pats[@]}"; do
    # shellcheck disable=SC2053  # a pattern on purpose
    [[ "$cell" == $p ]] && return 0
  done
  return 1
}

# matrix_wants_server SERVER -> 0 when a selected cell (other than base and skip) is on it
matrix_wants_server() {
  local c s sc g
  for c in "${MATRIX_CELLS[@]}"; do
    read -r s sc g <<<"$c"
    [ "$s" = "$1" ] && [ "$g" != skip ] && matrix_selected "$s" "$sc" && return 0
  done
  return 1
}

# matrix_scanner SCANNER -> sets MX_KIND (cli|maven|npm) and MX_V
matrix_scanner() {
  case "$1" in
    cli5.0.1) MX_KIND=cli; MX_V=$CLI501;;
    cli8.1) MX_KIND=cli; MX_V=$CLI81;;
    maven5.8) MX_KIND=maven; MX_V=$MVN58;;
    npm5.0.1) MX_KIND=npm; MX_V=$NPM_SCAN;;
    *) return 1;;
  esac
}

# mx_jdk JAVA_HOME -> "JDK 17" (its release file's major version), or the directory's name
mx_jdk() {
  local v; v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)"
  if [ -n "$v" ]; then printf 'JDK %s' "$v"; else basename "$1"; fi
}

# matrix_setup SERVER SCANNER -> MX_JAVA (JDK the scanner is started with), MX_RUNTIME (what runs the
# analysis, for the table), MX_TOKEN_AS (how it gets the token), MX_AUTH (how it sends it to the
# bootstrap calls; the probes send it so)
matrix_setup() {
  local major="${1%%.*}"
  MX_JAVA="$SCANNER_JAVA_HOME"; MX_AUTH=bearer; MX_RUNTIME="$(mx_jdk "$MX_JAVA")"
  case "$2" in
    cli5.0.1)
      MX_AUTH=basic
      [ "$1" = 26.9 ] && MX_JAVA="$SQ_JDK21PLUS"
      MX_RUNTIME="$(mx_jdk "$MX_JAVA")"
      if [ "$major" -lt 10 ]; then MX_TOKEN_AS=sonar.login; else MX_TOKEN_AS=sonar.token; fi;;
    cli8.1|maven5.8)
      if [ "$major" -lt 10 ]; then MX_TOKEN_AS=sonar.login; MX_AUTH=basic
      else MX_TOKEN_AS=SONAR_TOKEN; MX_RUNTIME+=", engine on the JRE from the server"; fi;;
    npm5.0.1) MX_TOKEN_AS=SONAR_TOKEN; MX_RUNTIME="Node 22, engine on the JRE from the server";;
  esac
}

# matrix_flavours GATEWAYS -> the active flavours a cell runs through
matrix_flavours() {
  case "$1" in
    both|base) printf '%s\n' "${ACTIVE[@]}";;
    *) local f; for f in "${ACTIVE[@]}"; do [ "$f" = "$1" ] && { printf '%s\n' "$f"; return; }; done
       [ ${#ACTIVE[@]} -gt 0 ] && printf '%s\n' "${ACTIVE[0]}";;
  esac
}

# matrix_fetch: the npm scanner (and Node 22) in its cache, while the servers start
matrix_fetch() {
  local c s sc g need=0 got
  for c in "${MATRIX_CELLS[@]}"; do
    read -r s sc g <<<"$c"
    [ "$sc" = npm5.0.1 ] && [ "$g" != skip ] && matrix_selected "$s" "$sc" && want "$s" && need=1
  done
  [ "$need" = 1 ] || return 0
  if got="$(scanner_npm_fetch "$NPM_SCAN")"; then
    check PASS all "SonarScanner for NPM (@sonar/scan $NPM_SCAN) installed with npm" "in $NPM_SCANNER_CACHE" \
      "ok, node $("${got%%$'\t'*}" --version)"
  else
    check FAIL all "SonarScanner for NPM (@sonar/scan $NPM_SCAN) installed with npm" "in $NPM_SCANNER_CACHE" "failed"
  fi
}

# matrix_publish NAME SQLABEL SCANNER FLAVOUR SCAN_DIR: the Azure DevOps Prepare and Publish tasks'
# calls through the gateway, against the compute-engine task of the scan in SCAN_DIR
matrix_publish() {
  local n="$1" sql="$2" sc="$3" f="$4" dir="$5" gw tf id want_prop act ok=0
  gw="$(gw_url "$f" "$n")"; tf="$(tok_a "$n")"
  want_prop=sonar.token; [ "${sql%%.*}" -lt 10 ] && want_prop=sonar.login
  if ! id="$(scanner_ce_task_id "$dir/project")"; then
    check FAIL "$sql" "[$f] $sc: Azure DevOps Prepare + Publish replay through the gateway" "its scan's CE task" "no ceTaskId in $dir"
    MX_PUBLISH[$sql/$sc]+="${MX_PUBLISH[$sql/$sc]:+; }$f: no CE task"
    return
  fi
  if replay_prepare_task "$gw" "$tf"; then
    act="Prepare: $AZDO_SERVER_VERSION, $AZDO_TOKEN_PROPERTY"
    [[ "$AZDO_SERVER_VERSION" == "$sql".* ]] && [ "$AZDO_TOKEN_PROPERTY" = "$want_prop" ] || ok=1
  else
    act="Prepare FAILED: $AZDO_FAILURE"; ok=1
  fi
  if replay_publish_task "$gw" "$tf" "$id" "$KEY_A"; then
    act+="; Publish: $AZDO_CALLS requests, task $AZDO_TASK_STATUS, gate $AZDO_QG_STATUS, $AZDO_MEASURES"
    MX_PUBLISH[$sql/$sc]+="${MX_PUBLISH[$sql/$sc]:+; }$f: gate $AZDO_QG_STATUS, $AZDO_CALLS calls"
  else
    act+="; Publish FAILED: $AZDO_FAILURE"; ok=1
    MX_PUBLISH[$sql/$sc]+="${MX_PUBLISH[$sql/$sc]:+; }$f: FAILED"
  fi
  printf '%s' "$AZDO_LOG" > "$dir/azure-publish-replay.txt"
  check $ok "$sql" "[$f] $sc: Azure DevOps Prepare + Publish replay through the gateway (CE task of this scan)" \
    "$sql.x, $want_prop; every call 200, task SUCCESS, gate status" "$act" "-"
}

# The leaked-token probes: e2e/probes/leaked-token.tsv through Probes.java (no --upstream: step 4 shows
# SonarQube's own answers once per server, and a direct token-generation probe would mint a token), then
# MATRIX_ENCODINGS with curl. Without Probes.java, MATRIX_FALLBACK_PROBES with curl instead of the table.
# "METHOD PATH|expected": a gateway reason (403 with it) or "refused" (400 or 403 from the gateway, any
# reason: the Jetty gateway's HTTP stack refuses some encodings before the policy, the Netty one in it).
MATRIX_FALLBACK_PROBES=(
  "GET /api/users/search|user_directory"
  "GET /api/v2/users-management/users|user_directory"
  "POST /api/user_tokens/generate?name=GENNAME|token_management"
  "GET /api/user_tokens/search|token_management"
  "GET /api/permissions/search_templates|permission_management"
  "POST /api/permissions/add_user?login=admin&permission=admin|permission_management"
  "GET /api/components/search?qualifiers=TRK|project_listing"
  "GET /api/projects/search|project_listing"
  "GET /api/webservices/list|api_enumeration"
  "GET /api/system/info|system_administration"
  "GET /|web_ui_not_allowed"
  "GET /admin/users|web_ui_not_allowed"
)
MATRIX_ENCODINGS=(
  "GET /api/users/%73earch|refused"
  "GET /api/users/search.json|refused"
  "GET /api//users/search|refused"
  "GET /api/./users/search|refused"
  "GET /api/plugins/../users/search|refused"
  "GET /api/users%2Fsearch|refused"
  "GET /api/users/search;x=1|refused"
  "GET /API/users/search|refused"
  "GET /api/user_tokens/search/|refused"
  "GET /api/v2/users-management/users?q=a|refused"
)

# matrix_curl_probes NAME GATEWAY_URL AUTH TOKEN_FILE ROW... -> MXP_PASS, MXP_TOTAL, MXP_BAD
matrix_curl_probes() {
  local n="$1" gw="$2" auth="$3" tf="$4"; shift 4
  local p mp want m path gname st
  MXP_PASS=0; MXP_TOTAL=0; MXP_BAD=""
  for p in "$@"; do
    mp="${p%%|*}"; want="${p#*|}"; m="${mp%% *}"; path="${mp#* }"
    gname="e2e-mx-probe-$RANDOM$RANDOM"; path="${path//GENNAME/$gname}"
    probe "$gw" "$m" "$path" "$auth" "$tf" --path-as-is
    MXP_TOTAL=$((MXP_TOTAL + 1)); st=1
    # shellcheck disable=SC2153  # P_STATUS is set by run-e2e.sh's probe
    if [ "$want" = refused ]; then
      { [ "$P_STATUS" = 400 ] || [ "$P_STATUS" = 403 ]; } && st=0
    else
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = "$want" ] && st=0
    fi
    if [ $st = 0 ]; then MXP_PASS=$((MXP_PASS + 1)); else MXP_BAD+="${MXP_BAD:+, }$m ${path%%\?*} -> $(fmt)"; fi
    # a minted token must not outlive the probe
    if [[ "$path" == /api/user_tokens/generate* ]] && [ "${P_STATUS:0:1}" = 2 ]; then sq_revoke_token "$n" "$gname" admin; fi
  done
}

# matrix_probes NAME SQLABEL SCANNER FLAVOUR AUTH: the leaked-token probes through the gateway with A's token
matrix_probes() {
  local n="$1" sql="$2" sc="$3" f="$4" auth="$5" gw tf out rc line="" ok=0 what minted
  gw="$(gw_url "$f" "$n")"; tf="$(tok_a "$n")"
  if [ -f "$MATRIX_PROBES_JAVA" ] && [ -f "$MATRIX_PROBES_TABLE" ]; then
    out="$SCANS/$n-$sc-gateway-$f/probes.txt"; mkdir -p "$(dirname "$out")"
    # run-e2e.sh's PROBES: Probes.java compiled once (probes_compile); else the source launcher
    local cmd=("${PROBES[@]}"); [ ${#cmd[@]} -gt 0 ] || cmd=("$GATEWAY_JAVA" "$MATRIX_PROBES_JAVA")
    "${cmd[@]}" --table "$MATRIX_PROBES_TABLE" --gateway "$gw" \
      --token-file "$tf" --auth "$auth" --label "$sql/$sc/$f" > "$out" 2>&1
    rc=$?
    line="$(grep -E '^probes: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)"
    grep -E '^FAIL' "$out" | sed -n 1,10p >&2
    while IFS= read -r minted; do
      [ -n "$minted" ] && sq_revoke_token "$n" "$minted" admin
    done < <(sed -n 's/.* minted \([A-Za-z0-9_-]*\).*/\1/p' "$out")
    { [ $rc = 0 ] && [ -n "$line" ]; } || ok=1
    line="${line:-exit $rc, see $out}"
    what="$(basename "$MATRIX_PROBES_TABLE") ${line#probes: } + encodings"
    matrix_curl_probes "$n" "$gw" "$auth" "$tf" "${MATRIX_ENCODINGS[@]}"
  else
    what="users, tokens, permissions, projects, UI, encodings"
    matrix_curl_probes "$n" "$gw" "$auth" "$tf" "${MATRIX_FALLBACK_PROBES[@]}" "${MATRIX_ENCODINGS[@]}"
  fi
  [ "$MXP_PASS" = "$MXP_TOTAL" ] || ok=1
  check $ok "$sql" "[$f] $sc: leaked-token probes with A's token as $auth ($what) refused" \
    "403 + reason; encodings 400/403" "${line:+$line; }$MXP_PASS/$MXP_TOTAL curl probes refused${MXP_BAD:+; NOT: $MXP_BAD}" "-"
  MX_PROBES[$sql/$sc]+="${MX_PROBES[$sql/$sc]:+; }$f: ${line:+${line#probes: } + }$MXP_PASS/$MXP_TOTAL"
}

# matrix_cell NAME SQLABEL SCANNER GATEWAYS: one cell
matrix_cell() {
  local n="$1" sql="$2" sc="$3" g="$4" f0=$FAILED p0=$PASSED f fl=()
  local key="$sql/$sc"
  matrix_scanner "$sc" || return 0
  matrix_setup "$sql" "$sc"
  mapfile -t fl < <(matrix_flavours "$g")
  if [ ${#fl[@]} -eq 0 ]; then MX_STATUS[$key]="FAIL (no gateway)"; return; fi
  MX_GW[$key]="$(IFS=,; printf '%s' "${fl[*]}")"
  log "matrix $key: $MX_KIND $MX_V on $(basename "$MX_JAVA"), token as $MX_TOKEN_AS, through ${MX_GW[$key]}"
  if [ "$g" != base ]; then
    # good_scan loops over ACTIVE and reads SCANNER_JAVA_HOME: both shadowed for this cell only
    local -a ACTIVE=("${fl[@]}")
    local SCANNER_JAVA_HOME="$MX_JAVA" legacy=0 prop=sonar.login
    if [ "$sc" = cli5.0.1 ]; then prop="$MX_TOKEN_AS"; elif [ "$MX_TOKEN_AS" = sonar.login ]; then legacy=1; fi
    SCANNER_LEGACY_LOGIN=$legacy SCANNER_TOKEN_PROP=$prop good_scan "$n" "$sql" "$sc" "$MX_KIND" "$MX_V"
  fi
  for f in "${fl[@]}"; do
    if ! gw_ok "$f" "$n"; then
      check FAIL "$sql" "[$f] $sc: the cell's gateway" "listening" "not started, see $(gw_log "$f" "$n")"; continue
    fi
    matrix_publish "$n" "$sql" "$sc" "$f" "$SCANS/$n-$sc-gateway-$f"
    matrix_probes "$n" "$sql" "$sc" "$f" "$MX_AUTH"
  done
  MX_CHECKS[$key]="$((PASSED - p0)) passed, $((FAILED - f0)) failed"
  if [ "$FAILED" = "$f0" ]; then MX_STATUS[$key]=PASS; else MX_STATUS[$key]=FAIL; fi
}

# matrix_cells NAME SQLABEL: every selected cell of this server (run-e2e.sh's phase A, after step 3)
matrix_cells() {
  local n="$1" sql="$2" c s sc g
  for c in "${MATRIX_CELLS[@]}"; do
    read -r s sc g <<<"$c"
    [ "$s" = "$sql" ] || continue
    if [ "$g" = skip ]; then MX_STATUS[$s/$sc]="${MATRIX_SKIP_WHY[$s/$sc]:-skipped}"; continue; fi
    matrix_selected "$s" "$sc" || continue
    matrix_cell "$n" "$sql" "$sc" "$g"
    # here, outside matrix_cell, whose ACTIVE is the cell's flavours only
    matrix_write_tsv $((SECONDS - T_START)) in-progress
  done
}

# matrix_server_107: SonarQube 10.7's part, between 9.9's phase A and 26.9's: set-up, readiness of its
# gateways, its cells, /metrics and the validation calls; then it is stopped (nothing else uses it)
matrix_server_107() {
  want 10.7 || return 0
  if server_ready 10.7 sq107 "${BRINGUP[10.7]}"; then
    ready_checks sq107 10.7
    matrix_cells sq107 10.7
    metrics_checks sq107 10.7
    validation_report sq107 10.7
  fi
  [ "${E2E_KEEP_SERVERS:-0}" = 1 ] || sq_stop sq107
}

# matrix_targets: drop 10.7 from the targets when no selected cell needs it
matrix_targets() {
  local t keep=()
  for t in "${targets[@]}"; do
    if [ "$t" = 10.7 ] && ! matrix_wants_server 10.7; then log "E2E_MATRIX='$MATRIX' selects no 10.7 cell: SonarQube 10.7 is not started"; continue; fi
    keep+=("$t")
  done
  targets=("${keep[@]}")
}

# matrix_walls SQLABEL SCANNER -> "direct<TAB>jetty<TAB>netty" wall seconds of the cell's scans ("-" none)
# shellcheck disable=SC2317  # runs from the EXIT trap
matrix_walls() {
  awk -F'\t' -v s="$1" -v l="$2" '$1 == s && $2 == l { t[$3] = $4 }
    END { printf "%s\t%s\t%s", ("direct" in t ? t["direct"] : "-"), ("jetty" in t ? t["jetty"] : "-"), ("netty" in t ? t["netty"] : "-") }' \
    "$TIMINGS" 2>/dev/null
}

# matrix_write_tsv SECONDS [in-progress]: compatibility.tsv as it stands (after each cell, so that a run
# stopped early still leaves its cells; and at the end)
# shellcheck disable=SC2317  # runs from the EXIT trap too
matrix_write_tsv() {
  local w="$1" state="${2:-}" c s sc g key st walls tsv="$MATRIX_TSV" commit
  # E2E_COMMIT: the commit of a run from an exported copy of the tree (no .git there)
  commit="${E2E_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  {
    printf '# Portcullis compatibility matrix, written by e2e/run-e2e.sh (e2e/lib/matrix.sh); e2e/update-readme-table.sh puts it into README.md\n'
    printf '# run: %s UTC, commit %s%s, gateways %s, E2E_MATRIX=%s, direct scans %s, context-path step %s, denial scans %s, %s %d min %02d s, %d checks passed, %d failed\n' \
      "$(date -u '+%F %H:%M')" "$commit" "$( [ -n "${E2E_COMMIT:-}" ] || git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (modified)')" \
      "${ACTIVE[*]:-none}" "$MATRIX" "$DIRECT_SCANS" "$CONTEXT_PROOF" "$DENIAL_SCANS" \
      "$([ -n "$state" ] && echo "IN PROGRESS after" || echo "total e2e wall time")" $((w / 60)) $((w % 60)) "$PASSED" "$FAILED"
    for s in "${MATRIX_NOTES[@]}"; do printf '# note: %s\n' "$s"; done
    printf 'server\tserver_version\tscanner\tscanner_version\tscanner_runtime\ttoken_as\tgateways\tresult\tchecks\tdirect_s\tjetty_s\tnetty_s\tazure_publish\tleaked_token_probes\n'
    for c in "${MATRIX_CELLS[@]}"; do
      read -r s sc g <<<"$c"; key="$s/$sc"
      matrix_scanner "$sc"; matrix_setup "$s" "$sc"
      st="${MX_STATUS[$key]:-}"
      if [ -z "$st" ]; then
        if [ "$g" = skip ]; then st="${MATRIX_SKIP_WHY[$key]:-skipped}"; else st="not run"; fi
      fi
      walls="$(matrix_walls "$s" "$sc")"; [ -n "$walls" ] || walls=$'-\t-\t-'
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$(mx_server_version "$s")" "$sc" "$MX_V" \
        "$MX_RUNTIME" "$MX_TOKEN_AS" "${MX_GW[$key]:--}" "$st" "${MX_CHECKS[$key]:--}" "$walls" \
        "${MX_PUBLISH[$key]:--}" "${MX_PROBES[$key]:--}"
    done
  } > "$tsv.tmp" 2>/dev/null && mv "$tsv.tmp" "$tsv"
}

# matrix_summary TOTAL_SECONDS: the table, written to compatibility.tsv and printed (from the EXIT trap)
# shellcheck disable=SC2317  # runs from the EXIT trap
matrix_summary() {
  local tsv="$MATRIX_TSV"
  matrix_write_tsv "$1"
  printf '\n== Compatibility matrix (%s; README: e2e/update-readme-table.sh %s)\n' "$tsv" "$tsv"
  local t; t="$(mktemp)"; grep -v '^#' "$tsv" | cut -f1,3,6-14 > "$t"
  awk -F'\t' '
    NR == FNR { for (i = 1; i <= NF; i++) { v = substr($i, 1, 60); if (length(v) > w[i]) w[i] = length(v) } next }
    { line = ""; for (i = 1; i <= NF; i++) line = line sprintf(i < NF ? "%-" w[i] "s  " : "%s", substr($i, 1, 60)); print line }' "$t" "$t"
  rm -f "$t"
  grep '^# note: ' "$tsv" | sed 's/^# note: //'
}
