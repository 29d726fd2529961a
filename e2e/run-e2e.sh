#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Portcullis end-to-end test: real SonarQube servers, the Jetty gateway in front of each, real scanners.
#
#   1. fetches SonarQube Community Build 26.9 and SonarQube 9.9 LTA from Maven Central (cached in
#      ~/.m2), starts both at once on loopback as user `sonar`, sets the admin password, creates
#      projects A and B and one token of each kind (project analysis token for A, global analysis,
#      user);
#   2. starts the gateway (examples/jetty-gateway/target/jetty-gateway.jar) in front of each, plus
#      a second, restricted one (policy data allowed_project_keys = [A]);
#   3. runs SonarScanner CLI 8.1 and SonarScanner for Maven 5.8 against 26.9 and SonarScanner CLI
#      5.0.1 against 9.9 through the gateway (and, with E2E_DIRECT_SCANS=1, directly, for the wall
#      time comparison), sonar.qualitygate.wait=true; each must end in EXECUTION/BUILD SUCCESS and
#      its compute-engine task must be SUCCESS with an analysis listed by SonarQube;
#   4. with project A's token, through the gateway: the user directory, project listing, web
#      services list, token and permission endpoints, other sensitive reads and the web UI must be
#      refused (403 + reason) although SonarQube itself answers several of them with 200 (both are
#      shown); a scan of project B with A's token must fail (refused by SonarQube behind the default
#      gateway, by the gateway itself with allowed_project_keys);
#   5. without a credential and with a well-formed unknown token (Bearer and Basic) everything but
#      the anonymous bootstrap calls gets 401 with WWW-Authenticate from the gateway;
#   6. tears everything down (trap, also on failure or Ctrl-C) and prints a summary table whose last
#      line is exactly `N passed, M failed`. Exit status 0 only when nothing failed.
#
# Usage: sudo e2e/run-e2e.sh [26.9] [9.9]          (default: both)
# Env:
#   E2E_DIRECT_SCANS=1     also scan each project directly (no gateway) for the timing comparison
#                          (default 1; CI may set 0 to save about 1.5 minutes)
#   E2E_WORK               work directory (default /tmp/portcullis-e2e-run): server trees, logs
#   E2E_FRESH=1            delete and unzip the server trees again (default 1); 0 reuses them
#   E2E_KEEP_SERVERS=1     leave the SonarQube servers running at the end (default 0; gateways
#                          are always stopped); with E2E_FRESH=0 the next run reuses them
#   E2E_UP_TIMEOUT         seconds to wait for a server to be UP (default 420)
#   E2E_GATEWAY_WAIT       seconds to wait for the gateway jar to appear (default 0)
#   GATEWAY_JAR            default examples/jetty-gateway/target/jetty-gateway.jar
#   GATEWAY_JAVA           java for the gateway (default: java on the PATH, JDK 17+)
#   E2E_GATEWAY_DATA       policy data file for the default gateways (default: none = shipped
#                          defaults, which is what the assertions expect)
#   SQ_JDK17, SQ_JDK21PLUS JDKs for 9.9/scanners and for 26.9 (see e2e/lib/sonarqube.sh)
# Ports (loopback only): SonarQube 26.9 19026 (+100 search, +200 H2), 9.9 19099; gateways 18026 and
# 18099, restricted gateways 18126 and 18199.
# Needs root, curl, jq, unzip, mvn, ss; ~3 GB disk and ~6 GB RAM; Maven Central on the first run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export E2E_WORK="${E2E_WORK:-/tmp/portcullis-e2e-run}"
# shellcheck source=lib/sonarqube.sh
. "$ROOT/e2e/lib/sonarqube.sh"
# shellcheck source=lib/scanners.sh
. "$ROOT/e2e/lib/scanners.sh"

SQ26_VERSION=26.9.0.129388; SQ26_PORT="${E2E_SQ26_PORT:-19026}"; GW26_PORT="${E2E_GW26_PORT:-18026}"
SQ99_VERSION=9.9.0.65466;   SQ99_PORT="${E2E_SQ99_PORT:-19099}"; GW99_PORT="${E2E_GW99_PORT:-18099}"
CLI81=8.1.0.6389; CLI501=5.0.1.3006; MVN58=5.8.0.7211
KEY_A=portcullis-e2e-a; KEY_B=portcullis-e2e-b
DIRECT_SCANS="${E2E_DIRECT_SCANS:-1}"
UP_TIMEOUT="${E2E_UP_TIMEOUT:-420}"
GATEWAY_JAR="${GATEWAY_JAR:-$ROOT/examples/jetty-gateway/target/jetty-gateway.jar}"
GATEWAY_JAVA="${GATEWAY_JAVA:-java}"
SCANS="$E2E_WORK/scans"
RESULTS="$E2E_WORK/results.tsv"
TIMINGS="$E2E_WORK/timings.tsv"
T_START=$SECONDS

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# --- results -------------------------------------------------------------------------------

PASSED=0; FAILED=0; CHECK_NO=0
# check RESULT SERVER DESCRIPTION EXPECTED GATEWAY_ACTUAL [DIRECT_ACTUAL]
# RESULT: PASS, FAIL, or an exit status (0 = PASS), so that `[ ... ]; check $? ...` works.
check() {
  local ok="$1" server="$2" desc="$3" exp="$4" act="$5" direct="${6:--}" res
  CHECK_NO=$((CHECK_NO + 1))
  if [ "$ok" = PASS ] || [ "$ok" = 0 ]; then res=PASS; PASSED=$((PASSED + 1)); else res=FAIL; FAILED=$((FAILED + 1)); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CHECK_NO" "$server" "$desc" "$exp" "$act" "$direct" "$res" >> "$RESULTS"
  if [ "$res" = PASS ]; then log "PASS #$CHECK_NO [$server] $desc: $act"
  else log "FAIL #$CHECK_NO [$server] $desc: expected $exp, got $act"; fi
}

print_summary() {
  local w=$(( SECONDS - T_START ))
  printf '\n== Scan wall times (seconds, same run; gateway scans ran first)\n'
  printf '%-8s %-22s %10s %10s %10s\n' server scanner direct gateway delta
  if [ -s "$TIMINGS" ]; then
    awk -F'\t' '{ d[$1"\t"$2]=$0; if (!($1"\t"$2 in seen)) { order[++n]=$1"\t"$2; seen[$1"\t"$2]=1 }
                  t[$1"\t"$2"\t"$3]=$4 }
      END { for (i=1;i<=n;i++) { k=order[i]; split(k,a,"\t"); dd=t[k"\tdirect"]; gg=t[k"\tgateway"]
            delta = (dd != "" && gg != "") ? sprintf("%+.1f", gg-dd) : "-"
            printf "%-8s %-22s %10s %10s %10s\n", a[1], a[2], (dd==""?"-":dd), (gg==""?"-":gg), delta } }' "$TIMINGS"
  fi
  printf '\n== Summary (%s; total wall time %d min %02d s)\n' "$E2E_WORK" $((w / 60)) $((w % 60))
  # columns as wide as their widest cell
  { printf '#\tserver\tcheck\texpected\tgateway\tdirect (SonarQube)\tresult\n'; cat "$RESULTS" 2>/dev/null; } > "$RESULTS.table"
  awk -F'\t' 'NR == FNR { for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i); next }
    { line = ""; for (i = 1; i <= NF; i++) line = line sprintf(i < NF ? "%-" w[i] "s  " : "%s", $i); print line }' \
    "$RESULTS.table" "$RESULTS.table"
  rm -f "$RESULTS.table"
  printf 'gateway/direct columns: status and reason; "+W" = WWW-Authenticate present; "a/b/c" = one value per credential variant\n'
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}

# --- processes and teardown ----------------------------------------------------------------

STARTED=()      # SonarQube instance names
GW_PIDS=()      # gateway java pids (started by this script)
BG_PIDS=()      # background bring-up subshells
FINISHING=0

gw_stop_all() {
  local p i
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 1
  done
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  GW_PIDS=()
}

teardown() {
  local p n
  for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  log "teardown: stopping gateways"
  gw_stop_all
  if [ "${E2E_KEEP_SERVERS:-0}" = 1 ]; then log "E2E_KEEP_SERVERS=1: leaving the SonarQube servers running"; return; fi
  log "teardown: stopping servers"
  local spids=()
  for n in "${STARTED[@]:-}"; do [ -n "$n" ] && { sq_stop "$n" & spids+=($!); }; done
  for p in "${spids[@]:-}"; do [ -n "$p" ] && wait "$p"; done
  # nothing of ours may still listen
  local ports=() busy=""
  for n in "${STARTED[@]:-}"; do [ -n "$n" ] && ports+=("$(sq_env "$n" WEB_PORT 2>/dev/null)"); done
  ports+=("$GW26_PORT" "$GW99_PORT" $((GW26_PORT + 100)) $((GW99_PORT + 100)))
  for p in "${ports[@]}"; do
    [ -n "$p" ] && ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN && busy+="$p "
  done
  if [ -z "$busy" ]; then check PASS all "teardown: no server or gateway left listening" "ports closed" "ports closed"
  else check FAIL all "teardown: no server or gateway left listening" "ports closed" "still listening: $busy"; fi
}

finish() {
  local rc=$?
  [ $FINISHING = 1 ] && return; FINISHING=1
  trap - INT TERM
  [ $rc -ne 0 ] && [ $rc -ne 130 ] && check FAIL all "script ran to the end" "exit 0" "aborted with status $rc"
  [ $rc -eq 130 ] && check FAIL all "script ran to the end" "exit 0" "interrupted"
  teardown
  print_summary
  [ "$FAILED" -eq 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- HTTP probes (credentials through curl's config on stdin, never on the command line) ----

WRONG_TOKEN_FILE=""
# probe BASE METHOD PATH CRED [TOKEN_FILE]; CRED: none | basic | bearer
# Sets P_STATUS, P_REASON (the gateway's "reasons" joined by ","), P_WWW (1 if WWW-Authenticate).
# The body is read for the reasons only and deleted (it may hold a minted token).
probe() {
  local base="$1" method="$2" path="$3" cred="$4" tf="${5:-}" cfg="" body hdr
  case "$cred" in
    none) cfg="";;
    basic) cfg="user = \"$(cat "$tf"):\"";;
    bearer) cfg="header = \"Authorization: Bearer $(cat "$tf")\"";;
  esac
  body="$(mktemp "$E2E_WORK/probe.XXXXXX")"; hdr="$(mktemp "$E2E_WORK/probe.XXXXXX")"
  P_STATUS="$(printf '%s\n' "$cfg" | curl -s -o "$body" -D "$hdr" -w '%{http_code}' -K - -X "$method" \
      --max-time 120 "$base$path")"
  P_REASON="$(jq -r 'if type == "object" and (.reasons | type) == "array" then (.reasons | join(",")) else empty end' "$body" 2>/dev/null)"
  P_WWW=0; grep -qi '^www-authenticate:' "$hdr" && P_WWW=1
  rm -f "$body" "$hdr"
}
fmt() { if [ -n "${P_REASON:-}" ]; then printf '%s %s' "$P_STATUS" "$P_REASON"; else printf '%s' "$P_STATUS"; fi; }

# --- servers --------------------------------------------------------------------------------

bring_up_bg() { # NAME VERSION PORT -> background; exit status in $E2E_WORK/NAME.up
  local name="$1" v="$2" port="$3"
  (
    trap - EXIT INT TERM
    if [ "${E2E_FRESH:-1}" = 1 ]; then sq_purge "$name"; fi
    sq_install "$name" "$v" "$port" || exit 1
    if [ -z "$(sq_status "$name")" ] && ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
      log "port $port is taken by another process"; exit 4
    fi
    if [ "${E2E_FRESH:-1}" = 1 ] && [ -n "$(sq_status "$name")" ]; then
      log "another SonarQube already answers on port $port (not ours: ours was just purged)"; exit 4
    fi
    sq_start "$name" || exit 2
    sq_wait_up "$name" "$UP_TIMEOUT" || exit 3
    echo $(( SECONDS - T_START )) > "$E2E_WORK/$name.up-after"
  ) &
  BG_PIDS+=($!)
  STARTED+=("$name")
}

setup_server() { # NAME LABEL -> creates projects and tokens; 0 on success
  local n="$1" label="$2" sec
  sq_set_admin_password "$n" || return 1
  sq_recreate_project "$n" "$KEY_A" "Portcullis e2e A" || return 1
  sq_recreate_project "$n" "$KEY_B" "Portcullis e2e B" || return 1
  sq_generate_token "$n" PROJECT_ANALYSIS_TOKEN "$KEY_A" >/dev/null || return 1
  sq_generate_token "$n" GLOBAL_ANALYSIS_TOKEN >/dev/null || return 1
  sq_generate_token "$n" USER_TOKEN >/dev/null || return 1
  sec="$(sq_secrets "$n")"
  [ -s "$sec/token-project-$KEY_A.txt" ] && [ -s "$sec/token-global.txt" ] && [ -s "$sec/token-user.txt" ]
}
tok_a() { printf '%s/token-project-%s.txt' "$(sq_secrets "$1")" "$KEY_A"; }
tok_global() { printf '%s/token-global.txt' "$(sq_secrets "$1")"; }
tok_user() { printf '%s/token-user.txt' "$(sq_secrets "$1")"; }

# --- gateways -------------------------------------------------------------------------------

# gw_launch LABEL UPSTREAM_URL PORT [DATA_FILE]: start a gateway in the background (own log file);
# gw_wait LABEL -> 0 once it printed its listening line. Launch all, then wait: they start in parallel.
declare -A GW_PID=()
gw_launch() {
  local label="$1" upstream="$2" port="$3" data="${4:-}" glog pid
  glog="$E2E_WORK/gateway-$label.log"
  if ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
    log "gateway $label: port $port is taken by another process"; echo "port $port taken" > "$glog"; return 1
  fi
  local args=(-jar "$GATEWAY_JAR" --upstream "$upstream" --listen "127.0.0.1:$port")
  [ -n "$data" ] && args+=(--data "$data")
  "$GATEWAY_JAVA" "${args[@]}" > "$glog" 2>&1 < /dev/null &
  pid=$!; GW_PIDS+=("$pid"); GW_PID[$label]=$pid
  log "gateway $label: pid $pid, 127.0.0.1:$port -> $upstream${data:+ (data $data)}, log $glog"
}
gw_wait() {
  local label="$1" glog="$E2E_WORK/gateway-$1.log" pid="${GW_PID[$1]:-}" i
  [ -n "$pid" ] || return 1
  for i in $(seq 1 240); do
    grep -q 'Portcullis Jetty gateway listening on' "$glog" 2>/dev/null && { log "gateway $label: $(head -c 300 "$glog" | grep -m1 'listening on')"; return 0; }
    kill -0 "$pid" 2>/dev/null || { log "gateway $label exited:"; tail -20 "$glog" >&2; return 1; }
    sleep 0.5
  done
  log "gateway $label did not print its listening line within 120 s"; tail -20 "$glog" >&2; return 1
}

# --- scans ----------------------------------------------------------------------------------

SAMPLE="$E2E_WORK/sample-compiled"
compile_sample() {
  rm -rf "$SAMPLE"; cp -r "$ROOT/e2e/sample-project" "$SAMPLE"; rm -rf "$SAMPLE/target" "$SAMPLE/.scannerwork"
  ( cd "$SAMPLE" && JAVA_HOME="$SCANNER_JAVA_HOME" mvn -q -B compile ) > "$E2E_WORK/compile.log" 2>&1
}

access_lines() { local f; f="$(sq_access_log "$1")"; if [ -f "$f" ]; then wc -l < "$f"; else echo 0; fi; }
# access_window NAME FROM -> "METHOD PATH STATUS" lines of the access log after line FROM
access_window() {
  tail -n +"$(( $2 + 1 ))" "$(sq_access_log "$1")" 2>/dev/null | awk -F'\t' '$1 == "PCX" { print $3, $4, $5 }'
}

# scan NAME LABEL KIND(cli|maven) VERSION VIA(gateway|direct|...) BASE_URL TOKEN_FILE KEY [extra]
# Sets SCAN_RC (0 = success marker present), SCAN_WALL, SCAN_DIR, SCAN_ACCESS_FROM.
scan() {
  local n="$1" label="$2" kind="$3" v="$4" via="$5" url="$6" tf="$7" key="$8"; shift 8
  SCAN_DIR="$SCANS/$n-$label-$via"; rm -rf "$SCAN_DIR"; mkdir -p "$SCAN_DIR"
  cp -r "$SAMPLE" "$SCAN_DIR/project"
  SCAN_ACCESS_FROM="$(access_lines "$n")"
  local t0 t1 rc
  t0=$(date +%s.%N)
  if [ "$kind" = cli ]; then
    scanner_cli_run "$v" "$url" "$tf" "$key" "$SCAN_DIR/project" "$SCAN_DIR/scanner.log" "$@"; rc=$?
  else
    scanner_maven_run "$v" "$url" "$tf" "$key" "$SCAN_DIR/project" "$SCAN_DIR/scanner.log" "$@"; rc=$?
  fi
  t1=$(date +%s.%N)
  SCAN_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  if [ $rc -eq 0 ] && scanner_check_success "$SCAN_DIR/scanner.log"; then SCAN_RC=0; else SCAN_RC=1; fi
  sleep 1
  access_window "$n" "$SCAN_ACCESS_FROM" > "$SCAN_DIR/upstream-requests.txt"
  log "$n $label via $via: $([ $SCAN_RC = 0 ] && echo SUCCESS || echo "FAILED (exit $rc)") in ${SCAN_WALL} s"
}

# analysis_visible NAME KEY PROJECT_DIR -> prints "SUCCESS analysis <id>" or why not; 0 if visible
analysis_visible() {
  local n="$1" key="$2" dir="$3" id task st comp aid
  id="$(scanner_ce_task_id "$dir")" || { printf 'no ceTaskId in report-task.txt'; return 1; }
  task="$(sq_api_admin "$n" GET "/api/ce/task?id=$id")" || { printf 'ce/task %s' "$SQ_LAST_STATUS"; return 1; }
  st="$(jq -r '.task.status' <<<"$task")"; comp="$(jq -r '.task.componentKey' <<<"$task")"
  aid="$(jq -r '.task.analysisId // empty' <<<"$task")"
  [ "$st" = SUCCESS ] && [ "$comp" = "$key" ] && [ -n "$aid" ] || { printf 'task %s %s %s' "$st" "$comp" "${aid:-no-analysis}"; return 1; }
  if sq_api_admin "$n" GET "/api/project_analyses/search?project=$key&ps=100" \
      | jq -e --arg a "$aid" '[.analyses[].key] | index($a) != null' >/dev/null; then
    printf 'task SUCCESS, analysis listed'; return 0
  fi
  printf 'task SUCCESS but analysis %s not listed' "$aid"; return 1
}

# refused_requests LOG -> "METHOD STATUS PATH?QUERY" for every 4xx/5xx the scanner logged in
# verbose mode: scanner library >= 3 (CLI 8.1, Maven 5.8) logs "--> GET url" and "<-- 403 Forbidden
# url (..)"; the 9.9 engine (CLI 5) logs "GET 403 url | time=..".
refused_requests() {
  awk '
    match($0, /--> (GET|POST|PUT|DELETE|HEAD) https?:\/\/[^ ]+/) {
      split(substr($0, RSTART + 4, RLENGTH - 4), a, " "); method[a[2]] = a[1]; next }
    match($0, /<-- [45][0-9][0-9] [^h]*https?:\/\/[^ ]+/) {
      n = split(substr($0, RSTART + 4, RLENGTH - 4), a, " "); url = a[n]
      print (url in method ? method[url] : "GET"), a[1], url; next }
    match($0, /(GET|POST|PUT|DELETE|HEAD) [45][0-9][0-9] https?:\/\/[^ ]+/) {
      print substr($0, RSTART, RLENGTH); next }
    # bootstrapper / library errors: "url [http://...] is not valid: [401]", "url [http://...]: 403"
    match($0, /url \[https?:\/\/[^]]+\][^0-9]*[45][0-9][0-9]/) {
      t = substr($0, RSTART + 5, RLENGTH - 5); u = t; sub(/\].*/, "", u)
      st = t; sub(/.*[^0-9]/, "", st); print (u in method ? method[u] : "GET"), st, u }' "$1" 2>/dev/null \
    | sed -E 's#^([A-Z]+) ([0-9]{3}) https?://[^/]+#\1 \2 #' | awk '!seen[$0]++'
}

# Explain a failed gateway scan: what the scanner said, what SonarQube received, the gateway log;
# for a scan through a gateway, re-run it once verbosely and replay every refused GET with curl to
# get the gateway's reason.
explain_failure() {
  local dir="$1" glog="$2" rerun="${3:-}"
  if [ -n "$rerun" ] && [ ! -f "$dir/scanner-verbose.log" ]; then
    log "diagnosis: re-running $dir verbosely"
    rm -rf "$dir/project-verbose"; cp -r "$SAMPLE" "$dir/project-verbose"
    # shellcheck disable=SC2086
    $rerun "$dir/project-verbose" "$dir/scanner-verbose.log" -Dsonar.verbose=true
  fi
  {
    echo "----- $dir/scanner.log (errors) -----"
    grep -nE 'ERROR|FAILURE|HTTP|40[0-9]|50[0-9]' "$dir/scanner.log" | head -25
    echo "----- requests SonarQube received during the scan (non-2xx) -----"
    awk '$3 !~ /^2/' "$dir/upstream-requests.txt" | head -15
    echo "----- last requests SonarQube received -----"
    tail -5 "$dir/upstream-requests.txt"
    [ -n "$glog" ] && { echo "----- tail $glog -----"; tail -25 "$glog"; }
    local l m st path
    for l in "$dir/scanner.log" "$dir/scanner-verbose.log"; do
      [ -f "$l" ] || continue
      echo "----- requests refused (4xx/5xx) according to $(basename "$l") -----"
      refused_requests "$l" | while read -r m st path; do
        if [ -n "${REPLAY_GW:-}" ] && [ "$m" = GET ]; then
          # replayed both ways: the scanner may have sent no credential (bootstrap calls)
          local without with
          probe "$REPLAY_GW" GET "$path" none; without="$(fmt)"
          probe "$REPLAY_GW" GET "$path" basic "$REPLAY_TOKEN"; with="$(fmt)"
          echo "$m $st $path   (replayed through the gateway: without credential $without; with the token $with)"
        else
          echo "$m $st $path"
        fi
      done
    done
  } | tee -a "$dir/diagnosis.txt" >&2
}

# A good scan through the gateway (and optionally directly): success + visible analysis.
# good_scan NAME SQLABEL LABEL KIND VERSION GW_URL GW_LOG
good_scan() {
  local n="$1" sql="$2" label="$3" kind="$4" v="$5" gw="$6" glog="$7" vis
  if [ "$GW_OK" = 1 ]; then
    scan "$n" "$label" "$kind" "$v" gateway "$gw" "$(tok_a "$n")" "$KEY_A"
    printf '%s\t%s\tgateway\t%s\n' "$sql" "$label" "$SCAN_WALL" >> "$TIMINGS"
    if [ $SCAN_RC = 0 ]; then
      check PASS "$sql" "$label scan of A through the gateway (qualitygate.wait)" "SUCCESS" "SUCCESS ${SCAN_WALL}s"
      vis="$(analysis_visible "$n" "$KEY_A" "$SCAN_DIR/project")"
      check $? "$sql" "$label scan through the gateway: analysis visible in SonarQube" "task SUCCESS, analysis listed" "$vis"
    else
      local runner=scanner_cli_run why; [ "$kind" = maven ] && runner=scanner_maven_run
      REPLAY_GW="$gw" REPLAY_TOKEN="$(tok_a "$n")" \
        explain_failure "$SCAN_DIR" "$glog" "$runner $v $gw $(tok_a "$n") $KEY_A"
      # the first refused request and the gateway's reason, for the table
      why="$(grep -m1 'replayed through the gateway' "$SCAN_DIR/diagnosis.txt" 2>/dev/null \
        | sed -E 's/\?[^ ]*//; s/ +\(replayed through the gateway: (.*)\)$/ (replayed \1)/' | cut -c1-110)"
      [ -n "$why" ] || why="$(grep -m1 -E 'ERROR' "$SCAN_DIR/scanner.log" | cut -c1-60)"
      check FAIL "$sql" "$label scan of A through the gateway (qualitygate.wait)" "SUCCESS" "FAILED: ${why:-see $SCAN_DIR}"
    fi
  fi
  if [ "$DIRECT_SCANS" = 1 ]; then
    scan "$n" "$label" "$kind" "$v" direct "$(sq_url "$n")" "$(tok_a "$n")" "$KEY_A"
    printf '%s\t%s\tdirect\t%s\n' "$sql" "$label" "$SCAN_WALL" >> "$TIMINGS"
    if [ $SCAN_RC = 0 ]; then
      vis="$(analysis_visible "$n" "$KEY_A" "$SCAN_DIR/project")"
      check $? "$sql" "$label scan of A directly (timing reference)" "SUCCESS, visible" "-" "SUCCESS ${SCAN_WALL}s, $vis"
    else
      check FAIL "$sql" "$label scan of A directly (timing reference)" "SUCCESS, visible" "-" "FAILED, see $SCAN_DIR"
      explain_failure "$SCAN_DIR" ""
    fi
  fi
}

# Project B with project A's token. Behind the default gateway SonarQube itself must refuse it;
# behind the restricted gateway (allowed_project_keys = [A]) the gateway must refuse it and
# SonarQube must not see a single request naming B.
scan_project_b() {
  local n="$1" sql="$2" label="$3" kind="$4" v="$5" gw="$6" glog="$7" gwr="$8" glogr="$9"
  local refused
  if [ "$GW_OK" = 1 ]; then
    scan "$n" "$label" "$kind" "$v" gateway-projectB "$gw" "$(tok_a "$n")" "$KEY_B" -Dsonar.verbose=true
    refused="$(awk '$3 ~ /^4/ { print $1, $2, $3; exit }' "$SCAN_DIR/upstream-requests.txt" | sed "s/?.*\( [0-9]*\)$/?...\1/")"
    if [ $SCAN_RC = 1 ] && [ -n "$refused" ]; then
      check PASS "$sql" "scan of B with A's token, default gateway: refused by SonarQube" "scanner fails; upstream 4xx" "forwarded; scan FAILED" "$refused"
    else
      check FAIL "$sql" "scan of B with A's token, default gateway: refused by SonarQube" "scanner fails; upstream 4xx" \
        "$([ $SCAN_RC = 0 ] && echo SUCCEEDED || echo FAILED)" "${refused:-no upstream 4xx}"
      explain_failure "$SCAN_DIR" "$glog"
    fi
    log "project B behind the default gateway: first request SonarQube refused: ${refused:-none}"
  fi
  if [ "$GWR_OK" = 1 ]; then
    scan "$n" "$label" "$kind" "$v" restricted-projectB "$gwr" "$(tok_a "$n")" "$KEY_B" -Dsonar.verbose=true
    local namedb gw403
    namedb="$(grep -cF "$KEY_B" "$SCAN_DIR/upstream-requests.txt")"
    # the first request the scanner saw refused, replayed with curl for the gateway's reason
    local m st path
    read -r m st path < <(refused_requests "$SCAN_DIR/scanner.log" | head -1)
    if [ -n "${path:-}" ]; then
      gw403="$m ${path%%\?*} $st"
      if [ "$m" = GET ]; then probe "$gwr" GET "$path" basic "$(tok_a "$n")"; gw403="$m ${path%%\?*} $(fmt)"; fi
      log "project B behind the restricted gateway: first refused request $m $path -> $st (replayed: ${P_REASON:-?})"
    fi
    if [ $SCAN_RC = 1 ] && [ "$namedb" = 0 ]; then
      check PASS "$sql" "scan of B with A's token, gateway with allowed_project_keys=[A]: refused by the gateway" \
        "scanner fails; 0 B requests upstream" "FAILED; ${gw403:-403}" "0 requests naming B"
    else
      check FAIL "$sql" "scan of B with A's token, gateway with allowed_project_keys=[A]: refused by the gateway" \
        "scanner fails; 0 B requests upstream" "$([ $SCAN_RC = 0 ] && echo SUCCEEDED || echo FAILED)" "$namedb requests naming B"
      explain_failure "$SCAN_DIR" "$glogr"
    fi
    # the same refusal, seen with curl: reason project_not_allowed, and A still allowed
    probe "$gwr" GET "/api/settings/values?component=$KEY_B" basic "$(tok_a "$n")"
    [ "$P_STATUS" = 403 ] && [ "$P_REASON" = project_not_allowed ]
    check $? "$sql" "restricted gateway: GET settings/values?component=B (A's token)" "403 project_not_allowed" "$(fmt)"
    probe "$gwr" POST "/api/ce/submit?projectKey=$KEY_B" basic "$(tok_a "$n")"
    [ "$P_STATUS" = 403 ] && [ "$P_REASON" = project_not_allowed ]
    check $? "$sql" "restricted gateway: POST ce/submit?projectKey=B (no body)" "403 project_not_allowed" "$(fmt)"
    probe "$gwr" GET "/api/settings/values?component=$KEY_A" basic "$(tok_a "$n")"
    [ "$P_STATUS" = 200 ]
    check $? "$sql" "restricted gateway: GET settings/values?component=A still allowed" "200" "$(fmt)"
  fi
  # whatever happened, project B must have no analysis
  local nb; nb="$(sq_api_admin "$n" GET "/api/project_analyses/search?project=$KEY_B" | jq -r '.analyses | length')"
  [ "$nb" = 0 ]; check $? "$sql" "project B has no analysis after both attempts" "0 analyses" "$nb analyses" "-"
}

# --- step 4: sensitive endpoints with the project analysis token --------------------------

sensitive_probes() { # NAME SQLABEL GW_URL
  local n="$1" sql="$2" gw="$3" direct dstat
  local url; url="$(sq_url "$n")"
  local tf; tf="$(tok_a "$n")"
  # "METHOD PATH|expected gateway reason"
  local probes=(
    "GET /api/users/search|user_directory"
    "GET /api/components/search?qualifiers=TRK|project_listing"
    "GET /api/projects/search|project_listing"
    "GET /api/webservices/list|api_enumeration"
    "GET /api/user_tokens/search|token_management"
    "POST /api/user_tokens/generate?name=GENNAME|token_management"
    "GET /api/permissions/search_templates|permission_management"
    "POST /api/permissions/add_user?login=admin&permission=admin|permission_management"
    "GET /api/system/info|system_administration"
    "GET /api/settings/values?keys=sonar.core.serverBaseURL|query_parameter_not_allowed"
    "GET /api/issues/search|code_and_findings"
    "GET /|web_ui_not_allowed"
    "GET /projects|web_ui_not_allowed"
    "GET /admin/users|web_ui_not_allowed"
  )
  local p mp reason m path gname
  for p in "${probes[@]}"; do
    mp="${p%%|*}"; reason="${p#*|}"; m="${mp%% *}"; path="${mp#* }"
    gname="e2e-probe-$RANDOM$RANDOM"; path="${path//GENNAME/$gname}"
    # direct first: what SonarQube itself answers to this token
    probe "$url" "$m" "$path" basic "$tf"; dstat="$P_STATUS"
    if [[ "$path" == /api/user_tokens/generate* ]] && [ "${dstat:0:1}" = 2 ]; then
      if sq_revoke_token "$n" "$gname" admin; then dstat="$dstat (minted; revoked)"; else dstat="$dstat (minted; REVOKE FAILED)"; fi
    fi
    if [ "$GW_OK" = 1 ]; then
      probe "$gw" "$m" "$path" basic "$tf"
      if [[ "$path" == /api/user_tokens/generate* ]] && [ "${P_STATUS:0:1}" = 2 ]; then sq_revoke_token "$n" "$gname" admin; fi
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = "$reason" ]
      check $? "$sql" "A's token: $m ${path/$gname/x}" "403 $reason" "$(fmt)" "$dstat"
    else
      check FAIL "$sql" "A's token: $m ${path/$gname/x}" "403 $reason" "no gateway" "$dstat"
    fi
  done
  [ "$GW_OK" = 1 ] || return
  # the other token kinds get the same refusal
  local k
  for k in global user; do
    local ktf; ktf="$(tok_$k "$n")"
    probe "$url" GET /api/users/search basic "$ktf"; dstat="$P_STATUS"
    probe "$gw" GET /api/users/search basic "$ktf"
    [ "$P_STATUS" = 403 ] && [ "$P_REASON" = user_directory ]
    check $? "$sql" "$k token (sq$([ $k = global ] && echo a || echo u)_): GET /api/users/search" "403 user_directory" "$(fmt)" "$dstat"
  done
  # and scanner calls still work (the refusals are not blanket)
  local ok_probes=("GET /api/server/version" "GET /api/plugins/installed" "GET /api/settings/values?component=$KEY_A")
  for p in "${ok_probes[@]}"; do
    m="${p%% *}"; path="${p#* }"
    probe "$url" "$m" "$path" basic "$tf"; dstat="$P_STATUS"
    probe "$gw" "$m" "$path" basic "$tf"
    [ "$P_STATUS" = 200 ]; check $? "$sql" "A's token, scanner call: $m $path" "200" "$(fmt)" "$dstat"
  done
  probe "$gw" GET /api/plugins/installed basic "$(tok_global "$n")"
  [ "$P_STATUS" = 200 ]; check $? "$sql" "global token (sqa_), scanner call: GET /api/plugins/installed" "200" "$(fmt)" "-"
  # SonarQube 9.9 does not take analysis/user tokens as Bearer; 26.9 does (the bootstrap uses it)
  local scheme=basic; [ "$sql" = 26.9 ] && scheme=bearer
  probe "$gw" GET /api/plugins/installed "$scheme" "$(tok_user "$n")"
  [ "$P_STATUS" = 200 ]; check $? "$sql" "user token (squ_, $scheme), scanner call: GET /api/plugins/installed" "200" "$(fmt)" "-"
}

# --- step 5: no credential / wrong token -----------------------------------------------------

make_wrong_token() {
  WRONG_TOKEN_FILE="$E2E_WORK/wrong-token.txt"
  ( umask 077; printf 'sqp_%s' "$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$WRONG_TOKEN_FILE" )
}

auth_probes() { # NAME SQLABEL GW_URL
  local n="$1" sql="$2" gw="$3" url dstat
  url="$(sq_url "$n")"
  local protected=(
    "GET /api/plugins/installed"
    "GET /api/settings/values?component=$KEY_A"
    "GET /api/qualityprofiles/search?project=$KEY_A"
    "GET /batch/project.protobuf?key=$KEY_A"
    "GET /api/ce/task?id=AAAAAAAAAAAAAAAAAAAA"
    "POST /api/ce/submit?projectKey=$KEY_A"
    "GET /api/v2/analysis/version"
    "GET /api/users/search"
    "GET /api/system/info"
    "GET /api/webservices/list"
    "GET /"
  )
  # one row per path: no credential / unknown sqp_ token as Bearer / the same as Basic
  local p m path mode cred tf ok label dall gall want
  for p in "${protected[@]}"; do
    m="${p%% *}"; path="${p#* }"; ok=0; dall=""; gall=""
    for mode in none wrong-bearer wrong-basic; do
      case "$mode" in none) cred=none; tf="";; wrong-bearer) cred=bearer; tf="$WRONG_TOKEN_FILE";; wrong-basic) cred=basic; tf="$WRONG_TOKEN_FILE";; esac
      probe "$url" "$m" "$path" "$cred" "$tf"; dall+="${dall:+/}$P_STATUS"
      probe "$gw" "$m" "$path" "$cred" "$tf"
      want=credential_invalid; [ "$mode" = none ] && want=credential_missing
      label="$P_STATUS"; [ "$P_WWW" = 1 ] && label+="+W"
      [ "$P_REASON" = "$want" ] || label+="(${P_REASON:-no reason})"
      { [ "$P_STATUS" = 401 ] && [ "$P_WWW" = 1 ] && [ "$P_REASON" = "$want" ]; } || ok=1
      gall+="${gall:+/}$label"
    done
    check $ok "$sql" "none/wrong Bearer/wrong Basic: $m $path" "401+W (missing/invalid x2)" "$gall" "$dall"
  done
  # anonymous bootstrap calls: no credential passes (same status as SonarQube itself gives),
  # a wrong token is still refused (a presented credential must be good)
  local boot=("GET /api/server/version")
  if [ "$sql" = 9.9 ]; then
    local engine
    engine="$(curl -s --max-time 30 "$url/batch/index" | sed -n 's/^\(sonar-scanner-engine-shaded-[^|]*-all\.jar\)|.*/\1/p' | head -1)"
    boot+=("GET /batch/index" "GET /batch/file?name=${engine:-sonar-scanner-engine-shaded-9.9.0.65466-all.jar}")
  else
    boot+=("GET /batch/index")
  fi
  local home zip; home="$(sq_home "$n")"
  zip="$(for j in "$home"/lib/extensions/sonar-csharp-plugin-*.jar; do unzip -Z1 "$j" 2>/dev/null; done | sed -n 's#^static/\(.*\.zip\)$#\1#p' | head -1)"
  [ -n "$zip" ] && boot+=("GET /static/csharp/$zip")
  for p in "${boot[@]}"; do
    m="${p%% *}"; path="${p#* }"
    probe "$url" "$m" "$path" none; dstat="$P_STATUS"
    probe "$gw" "$m" "$path" none
    [ "$P_STATUS" != 401 ] && [ "$P_STATUS" = "$dstat" ]
    check $? "$sql" "none (anonymous bootstrap): $m ${path:0:90}" "= direct, not 401" "$(fmt)" "$dstat"
    ok=0; dall=""; gall=""
    for mode in wrong-bearer wrong-basic; do
      cred="${mode#wrong-}"
      probe "$url" "$m" "$path" "$cred" "$WRONG_TOKEN_FILE"; dall+="${dall:+/}$P_STATUS"
      probe "$gw" "$m" "$path" "$cred" "$WRONG_TOKEN_FILE"
      label="$P_STATUS"; [ "$P_WWW" = 1 ] && label+="+W"
      [ "$P_REASON" = credential_invalid ] || label+="(${P_REASON:-no reason})"
      { [ "$P_STATUS" = 401 ] && [ "$P_REASON" = credential_invalid ]; } || ok=1
      gall+="${gall:+/}$label"
    done
    check $ok "$sql" "wrong Bearer/wrong Basic (bootstrap call): $m ${path:0:90}" "401 invalid x2" "$gall" "$dall"
  done
}

# --- leak check -----------------------------------------------------------------------------

leak_check() {
  local pat hits n f
  pat="$(mktemp "$E2E_WORK/pat.XXXXXX")"; chmod 600 "$pat"
  for n in "${STARTED[@]:-}"; do
    [ -n "$n" ] || continue
    for f in "$(sq_secrets "$n")"/token-*.txt "$(sq_secrets "$n")"/admin.pw; do
      [ -s "$f" ] && { cat "$f"; echo; } >> "$pat"
    done
  done
  [ -s "$pat" ] || { rm -f "$pat"; return; }
  local dirs=("$SCANS" "$E2E_WORK"/gateway-*.log)
  for n in "${STARTED[@]:-}"; do [ -n "$n" ] && dirs+=("$(sq_home "$n")/logs"); done
  hits="$(grep -rlF -f "$pat" "${dirs[@]}" 2>/dev/null || true)"
  rm -f "$pat"
  if [ -z "$hits" ]; then check PASS all "no token or password in server, gateway or scanner logs" "none found" "none found"
  else check FAIL all "no token or password in server, gateway or scanner logs" "none found" "found in: $(echo "$hits" | tr '\n' ' ')"; fi
}

# --- main -----------------------------------------------------------------------------------

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(26.9 9.9)
for t in "${targets[@]}"; do case "$t" in 26.9|9.9) ;; *) log "unknown target $t (use 26.9 and/or 9.9)"; exit 2;; esac; done
want() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

mkdir -p "$E2E_WORK" "$SCANS"; chmod 755 "$E2E_WORK"
: > "$RESULTS"; : > "$TIMINGS"
rm -f "$E2E_WORK"/gateway-*.log
sq_require_tools || exit 1
command -v ss >/dev/null || { log "missing tool: ss (iproute2)"; exit 1; }
sq_ensure_user || exit 1
sq_ensure_sysctl || exit 1
log "work directory $E2E_WORK; targets ${targets[*]}; direct scans: $DIRECT_SCANS"

# 1. both servers at once (fetch + unzip + start run in the background)
for t in "${targets[@]}"; do
  case "$t" in
    26.9) bring_up_bg sq26 "$SQ26_VERSION" "$SQ26_PORT";;
    9.9) bring_up_bg sq99 "$SQ99_VERSION" "$SQ99_PORT";;
  esac
done

# meanwhile: scanners in ~/.m2, the sample project compiled, the gateway jar
if scanner_cli_fetch "$CLI81" >/dev/null && scanner_cli_fetch "$CLI501" >/dev/null && scanner_maven_fetch "$MVN58"; then
  check PASS all "scanners fetched (CLI 8.1, CLI 5.0.1, Maven 5.8)" "in ~/.m2" "ok"
else
  check FAIL all "scanners fetched (CLI 8.1, CLI 5.0.1, Maven 5.8)" "in ~/.m2" "failed"
fi
if compile_sample; then check PASS all "sample project compiled (JDK 17)" "ok" "ok"
else check FAIL all "sample project compiled (JDK 17)" "ok" "failed: $E2E_WORK/compile.log"; fi
make_wrong_token

JAR_OK=0
waited=0
while [ ! -s "$GATEWAY_JAR" ] && [ "$waited" -lt "${E2E_GATEWAY_WAIT:-0}" ]; do sleep 10; waited=$((waited + 10)); done
if [ -s "$GATEWAY_JAR" ]; then
  # a private copy, so that a rebuild during the run cannot change the gateway under test
  cp "$GATEWAY_JAR" "$E2E_WORK/jetty-gateway.jar" && GATEWAY_JAR="$E2E_WORK/jetty-gateway.jar" && JAR_OK=1
  check PASS all "gateway jar present" "${GATEWAY_JAR#"$ROOT"/}" "present ($(stat -c %s "$GATEWAY_JAR") bytes)"
else check FAIL all "gateway jar present (build: ./mvnw -B -ntp package -DskipTests)" "${GATEWAY_JAR#"$ROOT"/}" "missing"; fi

# 2. gateways (they need no upstream to start, so they warm up while SonarQube starts)
GW_OK26=0; GWR_OK26=0; GW_OK99=0; GWR_OK99=0
restricted_data="$E2E_WORK/policy-data-restricted.json"
printf '{"portcullis":{"sonarqube":{"config":{"allowed_project_keys":["%s"]}}}}\n' "$KEY_A" > "$restricted_data"
if [ $JAR_OK = 1 ]; then
  if want 26.9; then
    gw_launch sq26 "http://127.0.0.1:$SQ26_PORT" "$GW26_PORT" "${E2E_GATEWAY_DATA:-}"
    gw_launch sq26-restricted "http://127.0.0.1:$SQ26_PORT" $((GW26_PORT + 100)) "$restricted_data"
  fi
  if want 9.9; then
    gw_launch sq99 "http://127.0.0.1:$SQ99_PORT" "$GW99_PORT" "${E2E_GATEWAY_DATA:-}"
    gw_launch sq99-restricted "http://127.0.0.1:$SQ99_PORT" $((GW99_PORT + 100)) "$restricted_data"
  fi
  gw_wait sq26 && GW_OK26=1; gw_wait sq26-restricted && GWR_OK26=1
  gw_wait sq99 && GW_OK99=1; gw_wait sq99-restricted && GWR_OK99=1
fi

if [ $JAR_OK = 1 ]; then
  want 26.9 && { [ $GW_OK26 = 1 ] && [ $GWR_OK26 = 1 ]; check $? 26.9 "gateways started (default :$GW26_PORT, restricted :$((GW26_PORT + 100)))" "listening" "$([ $GW_OK26$GWR_OK26 = 11 ] && echo listening || echo "failed, see $E2E_WORK/gateway-sq26*.log")"; }
  want 9.9 && { [ $GW_OK99 = 1 ] && [ $GWR_OK99 = 1 ]; check $? 9.9 "gateways started (default :$GW99_PORT, restricted :$((GW99_PORT + 100)))" "listening" "$([ $GW_OK99$GWR_OK99 = 11 ] && echo listening || echo "failed, see $E2E_WORK/gateway-sq99*.log")"; }
fi

# server_ready TARGET NAME BRINGUP_PID -> waits for the bring-up, sets up projects and tokens
server_ready() {
  local t="$1" n="$2" p="$3" rc
  wait "$p"; rc=$?
  if [ $rc != 0 ]; then
    check FAIL "$t" "SonarQube $t fetched, started on loopback as '$SQ_USER', UP" "UP" "failed (stage $rc)"
    sq_tail_logs "$n" 30 2>&1 | tail -60 >&2
    return 1
  fi
  check PASS "$t" "SonarQube $t fetched, started on loopback as '$SQ_USER', UP" "UP" "UP $(cat "$E2E_WORK/$n.up-after" 2>/dev/null) s into the run"
  if setup_server "$n" "$t"; then
    check PASS "$t" "admin password set; projects A, B; tokens sqp_(A), sqa_, squ_" "created" "created"
  else
    check FAIL "$t" "admin password set; projects A, B; tokens sqp_(A), sqa_, squ_" "created" "failed (HTTP $SQ_LAST_STATUS)"
    return 1
  fi
}

# 3.-5. per server. 9.9 first: it is UP about a minute before 26.9, so its scans run while 26.9
# is still starting (the direct/gateway timings of one scanner are still taken back to back).
declare -A BRINGUP=(); i=0
for t in "${targets[@]}"; do BRINGUP[$t]="${BG_PIDS[$i]}"; i=$((i + 1)); done
if want 9.9 && server_ready 9.9 sq99 "${BRINGUP[9.9]}"; then
  GW_OK=$GW_OK99; GWR_OK=$GWR_OK99
  gw="http://127.0.0.1:$GW99_PORT"; gwr="http://127.0.0.1:$((GW99_PORT + 100))"
  SCANNER_TOKEN_PROP=sonar.login good_scan sq99 9.9 cli5.0.1 cli "$CLI501" "$gw" "$E2E_WORK/gateway-sq99.log"
  sensitive_probes sq99 9.9 "$gw"
  SCANNER_TOKEN_PROP=sonar.login scan_project_b sq99 9.9 cli5.0.1 cli "$CLI501" "$gw" "$E2E_WORK/gateway-sq99.log" "$gwr" "$E2E_WORK/gateway-sq99-restricted.log"
  [ "$GW_OK" = 1 ] && auth_probes sq99 9.9 "$gw"
fi
if want 26.9 && server_ready 26.9 sq26 "${BRINGUP[26.9]}"; then
  GW_OK=$GW_OK26; GWR_OK=$GWR_OK26
  gw="http://127.0.0.1:$GW26_PORT"; gwr="http://127.0.0.1:$((GW26_PORT + 100))"
  good_scan sq26 26.9 cli8.1 cli "$CLI81" "$gw" "$E2E_WORK/gateway-sq26.log"
  good_scan sq26 26.9 maven5.8 maven "$MVN58" "$gw" "$E2E_WORK/gateway-sq26.log"
  sensitive_probes sq26 26.9 "$gw"
  scan_project_b sq26 26.9 cli8.1 cli "$CLI81" "$gw" "$E2E_WORK/gateway-sq26.log" "$gwr" "$E2E_WORK/gateway-sq26-restricted.log"
  [ "$GW_OK" = 1 ] && auth_probes sq26 26.9 "$gw"
fi
BG_PIDS=()

leak_check
exit 0   # the EXIT trap tears down, prints the summary and sets the exit status
