#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Portcullis end-to-end test: real SonarQube servers, the Portcullis gateways (Jetty and Netty) in
# front of each, real scanners, and the credential proofs (revocation, wrong token, throttling,
# SonarQube down) against a real SonarQube.
#
#   0. takes an exclusive lock (flock on /tmp/portcullis-e2e.lock; waits up to E2E_LOCK_WAIT, logging
#      who holds it) so that two runs never collide on the fixed ports;
#   1. fetches SonarQube Community Build 26.9 and SonarQube 9.9 LTA from Maven Central (cached in
#      ~/.m2), starts both at once on loopback as user `sonar`, sets the admin password, creates
#      projects A and B and one token of each kind (project analysis token for A, global analysis,
#      user);
#   2. for each gateway flavour (E2E_GATEWAYS: jetty, netty) starts, in front of each server, a
#      default gateway and a restricted one (policy data allowed_project_keys = [A]), each with its
#      own log ($E2E_WORK/gateway-<flavour>-<server>[-restricted].log); the default gateways also with
#      --admin-listen 127.0.0.1:<gateway port + 10000> and --decision-log
#      $E2E_WORK/decisions-<flavour>-<server>.jsonl (for the operations checks of step 3);
#   3. runs SonarScanner CLI 8.1 and SonarScanner for Maven 5.8 against 26.9 and SonarScanner CLI
#      5.0.1 against 9.9 through each flavour's gateway (and, with E2E_DIRECT_SCANS=1, once directly
#      per server, for the wall time comparison), sonar.qualitygate.wait=true; each must end in
#      EXECUTION/BUILD SUCCESS and its compute-engine task must be SUCCESS with an analysis listed;
#      operations, per default gateway: /health/ready was 503 not_ready at start-up (unless SonarQube
#      already answered) and is 200 ready before the scans, /health/live 200; after each scan the
#      decision log has at least one allow line per request SonarQube's access log shows forwarded
#      (X-Forwarded-For) during it; after the scans /metrics shows portcullis_decisions_total
#      {result="allow"} > 0 and portcullis_upstream_responses_total{status_class="2xx"} > 0;
#   4. with project A's token, through each gateway: the user directory, project listing, web
#      services list, token and permission endpoints, other sensitive reads and the web UI must be
#      refused (403 + reason) although SonarQube itself answers several of them with 200 (both are
#      shown; the probe tables e2e/probes/*.tsv, sent by e2e/probes/Probes.java, also in steps 6 and 8b);
#      a scan of project B with A's token must fail (refused by SonarQube behind the default
#      gateway, by the gateway itself with allowed_project_keys);
#   4b. hostile requests, per server, through every gateway: sentinels planted as admin (a setting only
#      B has, a user, a token name); component=B only in a multipart body on GET and projectKey=B only
#      in the body of a report upload must be refused, with no sentinel and no report queued into B;
#      a right and a wrong admin password (and an unknown token on a denied endpoint) get the same
#      answer with no /api/authentication/validate call; then the hostile corpus
#      (e2e/hostile/corpus.tsv, sent by e2e/hostile/HostileCorpus.java over raw sockets), judged by
#      what SonarQube served: no sentinel, no access-log line but scanner calls, nothing for B;
#   5. credential proofs, per server and flavour (all on GET /api/plugins/installed, which needs a
#      valid credential and which the default policy allows):
#      a. a well-formed unknown token gets 401 credential_invalid from the gateway, and SonarQube's
#         access log shows no request for the endpoint but exactly one /api/authentication/validate;
#      b. a fresh user token (POST /api/user_tokens/generate) gets 200 through every gateway, is
#         revoked (POST /api/user_tokens/revoke), is refused by SonarQube at once, and is refused
#         by each gateway (401 credential_invalid) within 65 s of the revocation (positive cache
#         TTL 60 s + 2 s polling); one token for all flavours, polled concurrently in the background
#         while step 6 runs, so the minute is paid once per server; elapsed seconds are reported;
#   6. without a credential and with a well-formed unknown token (Bearer and Basic) everything but
#      the anonymous bootstrap calls gets 401 with WWW-Authenticate from the gateway;
#   7. last against each default gateway: 20 distinct unknown tokens from 127.0.0.1 -> the first 10
#      get 401, the next 10 get 429 too_many_failed_credentials with Retry-After 1..60, and SonarQube
#      sees exactly 10 validate calls; while blocked, a valid token from 127.0.0.1 also gets 429, an
#      anonymous bootstrap call still passes, and another client IP is not affected;
#   8. stops SonarQube 9.9 (after everything else on 9.9; 26.9 may still be finishing step 5b/7),
#      then through each 9.9 restricted gateway (never throttled): a genuine token it never saw
#      (sqa_) gets 503 credential_verification_failed (or _timeout), an anonymous bootstrap call 502;
#      skipped with E2E_KEEP_SERVERS=1;
#  8b. (E2E_CONTEXT_PATH=1, the default) once 26.9 is done with (and its 5xx denial scans of step 10
#      ran while it was stopped), restarts it with sonar.web.context=/sonarqube over the same data, and
#      through each flavour's context-path gateway (jetty: --upstream http://host:port/sonarqube; netty:
#      context_path in the policy data): a genuine token the gateway never saw gets 200 on
#      /sonarqube/api/plugins/installed, verified at /sonarqube/api/authentication/validate (access
#      log); an unknown token 401 credential_invalid; a leaked token's probes 403; paths outside
#      /sonarqube 403 outside_context_path; then a real scan with sonar.host.url=<gateway>/sonarqube
#      (CLI 8.1 through the first flavour, Maven 5.8 through the second) must succeed, CE task SUCCESS;
#  10. (E2E_DENIAL_SCANS=1, the default) scans that meet each gateway denial: 401 (unknown token), 403
#      (project B behind the restricted gateway), 413 (report over a tiny max_report_bytes), 429 (right
#      after the throttle proof), 5xx (SonarQube stopped), with CLI 8.1 and Maven 5.8 on 26.9 and CLI
#      5.0.1 on 9.9 (no 413); each log is judged (the gateway's "Portcullis gateway:" message, the reason
#      code, the HTTP status only, or the scanner's own words only) against the cell documented in
#      docs/azure-devops.md and DENIAL_EXPECT below, and the table is printed;
#   9. reports the /api/authentication/validate calls each SonarQube received after its set-up
#      (its access log), checks that no token or password is in any server, gateway (decision logs
#      included) or scanner log,
#      tears everything down (trap, also on failure or Ctrl-C) and prints a summary table whose last
#      line is exactly `N passed, M failed`. Exit status 0 only when nothing failed.
#
# Client addresses: scans, step 4 and the throttle proof (7) come from 127.0.0.1. The gateways count
# failed credentials per client IP (10 per minute), so every other request that carries a wrong or
# revoked token binds curl (or Probes.java, --source-ip) to another loopback address (the whole 127.0.0.0/8 is local on Linux):
# 127.0.0.2 proof 5a, 127.0.0.3 proof 5b, 127.0.0.4 the "other client" of 7, and 127.0.1.N for step 6
# (one address per row and flavour, at most 2 wrong credentials each). Thus 127.0.0.1 presents its
# first wrong credential to a default gateway in step 7 (step 10's unknown-token scans, also from
# 127.0.0.1, go through the restricted gateways), which makes its counts exact, and step 6 asserts the policy's
# 401, not the throttle's 429.
#
# Usage: sudo e2e/run-e2e.sh [26.9] [9.9] [10.7]   (default: all three; 10.7 only runs matrix cells)
# Matrix (after step 4b of each server; e2e/lib/matrix.sh, E2E_MATRIX): SonarQube 10.7 too (started
#   with the others, its part between 9.9's and 26.9's), and per cell (server x scanner: CLI 5.0.1, CLI 8.1,
#   Maven 5.8, @sonar/scan 5.0.1) a scan through one or both gateways, the Azure DevOps Prepare/Publish
#   replay against its CE task and the leaked-token probes; the table goes to $E2E_WORK/compatibility.tsv
#   (e2e/update-readme-table.sh puts it into README.md).
# Env:
#   E2E_MATRIX             matrix cells to run: patterns over SERVER/SCANNER (default "*"; "none")
#   E2E_GATEWAYS           flavours to test, space-separated: jetty, netty (default: "jetty netty"
#                          when the Netty jar exists, else "jetty" with a logged note). A flavour
#                          named here whose jar is missing is a FAIL.
#   JETTY_GATEWAY_JAR      default examples/jetty-gateway/target/jetty-gateway.jar
#   NETTY_GATEWAY_JAR      default examples/netty-gateway/target/netty-gateway.jar
#   GATEWAY_JAR            old name, still honoured: an alias for JETTY_GATEWAY_JAR (which wins)
#   E2E_DIRECT_SCANS=1     also scan each project directly (no gateway, once per server) for the
#                          timing comparison (default 1; CI may set 0 to save about 1.5 minutes)
#   E2E_WORK               work directory (default /tmp/portcullis-e2e-run): server trees, logs
#   E2E_FRESH=1            delete and unzip the server trees again (default 1); 0 reuses them
#   E2E_CONTEXT_PATH=1     step 8b, SonarQube 26.9 under /sonarqube (default 1; 0 skips it and its gateways)
#   E2E_DENIAL_SCANS=1     step 10, what the scanners' logs show of each denial (default 1)
#   E2E_KEEP_SERVERS=1     leave the SonarQube servers running at the end (default 0; gateways
#                          are always stopped; skips the SonarQube-down proof); with E2E_FRESH=0
#                          the next run reuses them; skips steps 8b and 10's 26.9 5xx scans
#   E2E_UP_TIMEOUT         seconds to wait for a server to be UP (default 900: three start at once)
#   E2E_GATEWAY_START_TIMEOUT  seconds each gateway may take to start listening (default 600)
#   E2E_GATEWAY_WAIT       seconds to wait for the gateway jars to appear (default 0)
#   E2E_LOCK_WAIT          seconds to wait for another run's lock (default 1800)
#   GATEWAY_JAVA           java for the gateways (default: java on the PATH, JDK 17+)
#   E2E_ENGINE             the gateways' policy engine: wasm (default: the embedded wasm engine)
#                          or plan (--engine plan, the plan engine; its start-up line must say so)
#   E2E_GATEWAY_DATA       policy data file for the default gateways (default: none = shipped
#                          defaults, which is what the assertions expect)
#   SQ_JDK17, SQ_JDK21PLUS JDKs for 9.9/scanners and for 26.9 (see e2e/lib/sonarqube.sh)
# Ports (loopback only): SonarQube 26.9 19026 (+100 search, +200 H2), 9.9 19099 (same offsets).
# Gateways (default / restricted):       -> 26.9        -> 9.9
#   jetty                                18026 / 18126   18099 / 18199
#   netty                                18226 / 18326   18299 / 18399
#   26.9 only, context path / tiny report limit: jetty 18426 / 18526, netty 18626 / 18726
#   SonarQube 10.7 on 19010 (same offsets); its gateways: jetty 18010 / 18110, netty 18210 / 18310
# Admin listeners of the default gateways: their port + 10000 (jetty 28026 / 28099, netty 28226 / 28299).
# (E2E_GW26_PORT / E2E_GW99_PORT move the jetty defaults; the others keep their offsets.)
# Needs root, curl, jq, unzip, mvn, ss, flock, npm; ~4 GB disk and ~9 GB RAM; Maven Central (and the
# npm registry) on the first run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# --- 0. one run at a time ----------------------------------------------------------------------
# The lock is held on fd 9 for the whole run. Long-lived children (SonarQube, gateways) are started
# with fd 9 closed, so that a server left running cannot keep the lock.
LOCK_FILE=/tmp/portcullis-e2e.lock
LOCK_WAIT="${E2E_LOCK_WAIT:-1800}"
if ! exec 9>>"$LOCK_FILE"; then log "cannot open $LOCK_FILE"; printf '0 passed, 1 failed\n'; exit 1; fi
if ! flock -n 9; then
  log "another end-to-end run holds $LOCK_FILE (it recorded: $(head -c 200 "$LOCK_FILE" 2>/dev/null | tr -d '\n')); waiting up to $LOCK_WAIT s"
  lock_t0=$SECONDS
  if ! flock -w "$LOCK_WAIT" 9; then
    log "gave up after $LOCK_WAIT s waiting for $LOCK_FILE"
    printf '\n== Summary\nlock %s not acquired within %s s: nothing was run\n0 passed, 1 failed\n' "$LOCK_FILE" "$LOCK_WAIT"
    exit 1
  fi
  log "lock acquired after $((SECONDS - lock_t0)) s"
fi
printf 'pid %s (%s), started %s\n' "$$" "$(id -un)" "$(date '+%F %T')" > "$LOCK_FILE"

export E2E_WORK="${E2E_WORK:-/tmp/portcullis-e2e-run}"
# shellcheck source=lib/sonarqube.sh
. "$ROOT/e2e/lib/sonarqube.sh"
# shellcheck source=lib/scanners.sh
. "$ROOT/e2e/lib/scanners.sh"
# shellcheck source=lib/azure-tasks.sh
. "$ROOT/e2e/lib/azure-tasks.sh"

SQ26_VERSION=26.9.0.129388; SQ26_PORT="${E2E_SQ26_PORT:-19026}"; GW26_PORT="${E2E_GW26_PORT:-18026}"
SQ99_VERSION=9.9.0.65466;   SQ99_PORT="${E2E_SQ99_PORT:-19099}"; GW99_PORT="${E2E_GW99_PORT:-18099}"
CLI81=8.1.0.6389; CLI501=5.0.1.3006; MVN58=5.8.0.7211
# shellcheck source=lib/matrix.sh
. "$ROOT/e2e/lib/matrix.sh"   # the compatibility matrix: SonarQube 10.7, the cells (E2E_MATRIX)
KEY_A=portcullis-e2e-a; KEY_B=portcullis-e2e-b
DIRECT_SCANS="${E2E_DIRECT_SCANS:-1}"
CONTEXT_PROOF="${E2E_CONTEXT_PATH:-1}"   # step 8b: 26.9 restarted under CTX, scans through ctx gateways
CTX=/sonarqube
DENIAL_SCANS="${E2E_DENIAL_SCANS:-1}"    # step 10: scans that meet each gateway denial, their logs judged
TINY_REPORT_BYTES=64                     # max_report_bytes of the tiny gateways (step 10's 413)
# three servers start at once on 2 shared cores: 10.7 alone took over 420 s at a load of 25-30
UP_TIMEOUT="${E2E_UP_TIMEOUT:-900}"
# Seconds each gateway may take to print its listening line: it compiles and warms the policy first,
# 5-50 s alone, but several minutes on 2 cores shared with other builds (seen: 466 s at load 34).
GW_START_TIMEOUT="${E2E_GATEWAY_START_TIMEOUT:-600}"
declare -A JAR=(
  [jetty]="${JETTY_GATEWAY_JAR:-${GATEWAY_JAR:-$ROOT/examples/jetty-gateway/target/jetty-gateway.jar}}"
  [netty]="${NETTY_GATEWAY_JAR:-$ROOT/examples/netty-gateway/target/netty-gateway.jar}"
)
declare -A FLAVOUR_OFFSET=([jetty]=0 [netty]=200)
GATEWAY_JAVA="${GATEWAY_JAVA:-java}"
ENGINE="${E2E_ENGINE:-wasm}"
case "$ENGINE" in
  wasm|plan) ;;
  *) echo "E2E_ENGINE must be wasm or plan, not '$ENGINE'" >&2; exit 2 ;;
esac
SCANS="$E2E_WORK/scans"
RESULTS="$E2E_WORK/results.tsv"
TIMINGS="$E2E_WORK/timings.tsv"
DENIALS="$E2E_WORK/denials.tsv"
WRONG_DIR="$E2E_WORK/wrong-tokens"
T_START=$SECONDS
# this run's results only, also when it stops early
if ! { mkdir -p "$E2E_WORK" && : > "$RESULTS" && : > "$TIMINGS" && : > "$DENIALS"; }; then log "cannot write to $E2E_WORK"; exit 1; fi

# the endpoint of the credential proofs: needs a valid credential on 9.9 and 26.9, allowed by the policy
VERIFY_PATH=/api/plugins/installed
VALIDATE_PATH=/api/authentication/validate
FROM_WRONG=127.0.0.2; FROM_REVOKE=127.0.0.3; FROM_OTHER=127.0.0.4; FROM_THROTTLE=127.0.0.5
REVOKE_BOUND=65      # seconds: positive cache TTL (60 s) + polling interval (2 s) + slack
REVOKE_GIVE_UP=90

FLAVOURS=()     # flavours asked for (E2E_GATEWAYS or default)
ACTIVE=()       # flavours whose jar is present
EXTRA_LINES=()  # printed after the table, before the last line

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

# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
print_summary() {
  local w=$(( SECONDS - T_START )) l
  printf '\n== Scan wall times (seconds, same run; gateway scans ran first, one column per flavour, delta = flavour - direct)\n'
  awk -F'\t' -v fl="${FLAVOURS[*]:-}" '
    { k = $1 "\t" $2; if (!(k in seen)) { order[++n] = k; seen[k] = 1 } t[k "\t" $3] = $4 }
    END {
      nf = split(fl, F, " ")
      h = sprintf("%-8s %-12s %8s", "server", "scanner", "direct")
      for (j = 1; j <= nf; j++) h = h sprintf(" %8s %8s", F[j], "delta")
      print h
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, a, "\t"); dd = t[k "\tdirect"]
        line = sprintf("%-8s %-12s %8s", a[1], a[2], (dd == "" ? "-" : dd))
        for (j = 1; j <= nf; j++) {
          gg = t[k "\t" F[j]]
          delta = (dd != "" && gg != "") ? sprintf("%+.1f", gg - dd) : "-"
          line = line sprintf(" %8s %8s", (gg == "" ? "-" : gg), delta)
        }
        print line
      }
    }' "$TIMINGS" 2>/dev/null
  print_denials
  matrix_summary "$w"
  printf '\n== Summary (%s; gateways: %s; total wall time %d min %02d s)\n' "$E2E_WORK" "${ACTIVE[*]:-none}" $((w / 60)) $((w % 60))
  # columns as wide as their widest cell
  { printf '#\tserver\tcheck\texpected\tgateway\tdirect (SonarQube)\tresult\n'; cat "$RESULTS" 2>/dev/null; } > "$RESULTS.table"
  awk -F'\t' 'NR == FNR { for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i); next }
    { line = ""; for (i = 1; i <= NF; i++) line = line sprintf(i < NF ? "%-" w[i] "s  " : "%s", $i); print line }' \
    "$RESULTS.table" "$RESULTS.table"
  rm -f "$RESULTS.table"
  printf 'gateway/direct columns: status and reason; "+W" = WWW-Authenticate present; "a/b/c" = one value per credential variant;\n'
  printf 'for the credential proofs the direct column shows what SonarQube answered or what its access log recorded\n'
  for l in "${EXTRA_LINES[@]:-}"; do [ -n "$l" ] && printf '%s\n' "$l"; done
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}

# --- processes and teardown ----------------------------------------------------------------

STARTED=()      # SonarQube instance names
GW_PIDS=()      # gateway java pids (started by this script)
BG_PIDS=()      # background bring-up subshells
declare -A REV_PID=()   # background revocation proofs, per server
FINISHING=0

# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
gw_stop_all() {
  local p i
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 1
  done
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  for p in "${GW_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  GW_PIDS=()
}

# every gateway port of every flavour and server, whether started or not
# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
all_gateway_ports() {
  local f
  local v
  for f in "${!FLAVOUR_OFFSET[@]}"; do
    printf '%s\n' "$(gw_port "$f" sq26)" "$(gw_port "$f" sq99)" "$(gw_admin_port "$f" sq26)" "$(gw_admin_port "$f" sq99)"
    printf '%s\n' "$(gw_port "$f" sq107)" "$(gw_port "$f" sq107 restricted)" "$(gw_admin_port "$f" sq107)"
    for v in "${!VARIANT_OFFSET[@]}"; do printf '%s\n' "$(gw_port "$f" sq26 "$v")" "$(gw_port "$f" sq99 "$v")"; done
  done
}

# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
teardown() {
  local p n
  for p in "${BG_PIDS[@]:-}" "${REV_PID[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  for p in "${REV_PID[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
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
  mapfile -t -O "${#ports[@]}" ports < <(all_gateway_ports)
  for p in "${ports[@]}"; do
    [ -n "$p" ] && sq_port_busy "$p" && busy+="$p "
  done
  if [ -z "$busy" ]; then check PASS all "teardown: no server or gateway left listening" "ports closed" "ports closed"
  else check FAIL all "teardown: no server or gateway left listening" "ports closed" "still listening: $busy"; fi
}

# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
finish() {
  local rc=$?
  [ "$FINISHING" = 1 ] && return; FINISHING=1
  trap - INT TERM
  [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ] && check FAIL all "script ran to the end" "exit 0" "aborted with status $rc"
  [ "$rc" -eq 130 ] && check FAIL all "script ran to the end" "exit 0" "interrupted"
  teardown
  print_summary
  [ "$FAILED" -eq 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- HTTP probes (credentials through curl's config on stdin, never on the command line) ----

WRONG_TOKEN_FILE=""
# probe BASE METHOD PATH CRED [SECRET_FILE [curl args...]]; CRED: none | basic | bearer (a token) |
# admin (SECRET_FILE holds a password for the user admin, sent as Basic)
# PROBE_FROM (env, optional): the loopback address to send from (curl --interface), i.e. the client
# IP the gateway sees; default 127.0.0.1.
# PROBE_MARKERS (env, optional): a file of sentinel lines "kind<TAB>marker" (plant_sentinels).
# Sets P_STATUS, P_REASON (the gateway's "reasons" joined by ","), P_WWW (1 if WWW-Authenticate),
# P_RETRY (the Retry-After header or empty), P_TIME (seconds), P_SENTINEL (the kinds of the
# PROBE_MARKERS found in the body, comma-separated, or empty).
# The body is read for the reasons and sentinels only and deleted (it may hold a minted token).
probe() {
  local base="$1" method="$2" path="$3" cred="$4" tf="${5:-}" cfg="" body hdr out src=() kind marker
  shift $(( $# < 5 ? $# : 5 ))
  case "$cred" in
    none) cfg="";;
    basic) cfg="user = \"$(cat "$tf"):\"";;
    bearer) cfg="header = \"Authorization: Bearer $(cat "$tf")\"";;
    admin) cfg="user = \"admin:$(cat "$tf")\"";;
  esac
  [ -n "${PROBE_FROM:-}" ] && src=(--interface "$PROBE_FROM")
  body="$(mktemp "$E2E_WORK/probe.XXXXXX")"; hdr="$(mktemp "$E2E_WORK/probe.XXXXXX")"
  out="$(printf '%s\n' "$cfg" | curl -s -o "$body" -D "$hdr" -w '%{http_code} %{time_total}' -K - -X "$method" \
      "${src[@]}" --max-time 120 "$@" "$base$path")"
  P_STATUS="${out%% *}"; P_TIME="$(awk -v t="${out#* }" 'BEGIN { printf "%.3f", t }')"
  P_REASON="$(jq -r 'if type == "object" and (.reasons | type) == "array" then (.reasons | join(",")) else empty end' "$body" 2>/dev/null)"
  P_WWW=0; grep -qi '^www-authenticate:' "$hdr" && P_WWW=1
  P_RETRY="$(grep -i -m1 '^retry-after:' "$hdr" | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r')"
  P_SENTINEL=""
  if [ -n "${PROBE_MARKERS:-}" ]; then
    while IFS=$'\t' read -r kind marker; do
      [ -n "$marker" ] && grep -qF -- "$marker" "$body" && P_SENTINEL+="${P_SENTINEL:+,}$kind"
    done < "$PROBE_MARKERS"
  fi
  rm -f "$body" "$hdr"
}
fmt() { if [ -n "${P_REASON:-}" ]; then printf '%s %s' "$P_STATUS" "$P_REASON"; else printf '%s' "$P_STATUS"; fi; }
# gateway refusal of a credential: 401 with the gateway's own reason (SonarQube's 401 has no "reasons")
gw_refused_invalid() { [ "$P_STATUS" = 401 ] && [ "$P_REASON" = credential_invalid ]; }

# random_hex N -> 2N random hex digits
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# make_token FILE: a well-formed sqp_ token (40 hex digits) that SonarQube never issued, mode 600
make_token() {
  ( umask 077; mkdir -p "$(dirname "$1")"
    printf 'sqp_%s' "$(random_hex 20)" > "$1" )
}
now() { date +%s.%N; }
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# distinct tokens presented to each server's gateways (ids, never values), for the validation report
declare -A TOKSEEN=()
note_tok() { TOKSEEN["$1|$2"]=1; }

# --- servers --------------------------------------------------------------------------------

bring_up_bg() { # NAME VERSION PORT -> background; exit status in $E2E_WORK/NAME.bringup-rc too
  local name="$1" v="$2" port="$3"
  rm -f "$E2E_WORK/$name.bringup-rc"
  (
    trap - INT TERM
    # bash forgets an exited child's status when a new child gets its pid (pid_max may be 32768,
    # and a run forks tens of thousands of processes): server_ready reads this file then.
    trap 'echo $? > "$E2E_WORK/'"$name"'.bringup-rc"' EXIT
    if [ "${E2E_FRESH:-1}" = 1 ]; then sq_purge "$name"; fi
    sq_install "$name" "$v" "$port" || exit 1
    if [ -z "$(sq_status "$name")" ] && sq_port_busy "$port"; then
      log "port $port is taken by another process"; exit 4
    fi
    if [ "${E2E_FRESH:-1}" = 1 ] && [ -n "$(sq_status "$name")" ]; then
      log "another SonarQube already answers on port $port (not ours: ours was just purged)"; exit 4
    fi
    sq_start "$name" 9>&- || exit 2
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

# gw_port FLAVOUR NAME [VARIANT]; gw_url FLAVOUR NAME [VARIANT]; gw_log ...; gw_ok ... (started).
# VARIANT: "" (default policy), restricted (allowed_project_keys = [A]), ctx (SonarQube under the
# context path CTX, after its restart), tiny (max_report_bytes = TINY_REPORT_BYTES).
declare -A VARIANT_OFFSET=([restricted]=100 [ctx]=400 [tiny]=500)
gw_port() {
  local base r=0; case "$2" in sq26) base=$GW26_PORT;; sq99) base=$GW99_PORT;; sq107) base=$GW107_PORT;; esac
  [ -n "${3:-}" ] && r=${VARIANT_OFFSET[$3]}
  printf '%s' $(( base + FLAVOUR_OFFSET[$1] + r ))
}
gw_label() { printf '%s-%s%s' "$1" "$2" "${3:+-$3}"; }
gw_url() { printf 'http://127.0.0.1:%s' "$(gw_port "$@")"; }
gw_log() { printf '%s/gateway-%s.log' "$E2E_WORK" "$(gw_label "$@")"; }
declare -A GW_UP=() GW_PID=() GW_KIND=() GW_UPSTREAM=()
# the default gateways' admin listener (gateway port + ADMIN_OFFSET) and decision log
ADMIN_OFFSET=10000
gw_admin_port() { printf '%s' $(( $(gw_port "$1" "$2") + ADMIN_OFFSET )); }
gw_admin_url() { printf 'http://127.0.0.1:%s' "$(gw_admin_port "$1" "$2")"; }
gw_dlog() { printf '%s/decisions-%s.jsonl' "$E2E_WORK" "$(gw_label "$1" "$2")"; }
declare -A READY_AT_START=()   # label -> "STATUS json-status (SonarQube directly: STATUS)" at start-up
gw_ok() { [ "${GW_UP[$(gw_label "$@")]:-0}" = 1 ]; }

# gw_launch FLAVOUR NAME VARIANT(""|restricted|ctx|tiny) UPSTREAM_URL [DATA_FILE]: start a gateway in the
# background (own log file); gw_wait LABEL -> 0 once it printed its listening line. Launch all, then
# wait: they start in parallel.
gw_launch() {
  local f="$1" n="$2" r="$3" upstream="$4" data="${5:-}" label port glog pid
  label="$(gw_label "$f" "$n" "$r")"; port="$(gw_port "$f" "$n" "$r")"; glog="$(gw_log "$f" "$n" "$r")"
  if sq_port_busy "$port"; then
    log "gateway $label: port $port is taken by another process"; echo "port $port taken" > "$glog"; return 1
  fi
  local args=(-jar "$E2E_WORK/$f-gateway.jar" --upstream "$upstream" --listen "127.0.0.1:$port")
  [ -n "$data" ] && args+=(--data "$data")
  [ "$ENGINE" = plan ] && args+=(--engine plan)
  GW_UPSTREAM[$label]="$upstream"
  if [ -z "$r" ]; then   # the default gateways: admin listener and decision log (operations checks)
    local aport; aport="$(gw_admin_port "$f" "$n")"
    if sq_port_busy "$aport"; then
      log "gateway $label: admin port $aport is taken by another process"; echo "admin port $aport taken" > "$glog"; return 1
    fi
    rm -f "$(gw_dlog "$f" "$n")"
    args+=(--admin-listen "127.0.0.1:$aport" --decision-log "$(gw_dlog "$f" "$n")")
  fi
  "$GATEWAY_JAVA" "${args[@]}" > "$glog" 2>&1 < /dev/null 9>&- &
  pid=$!; GW_PIDS+=("$pid"); GW_PID[$label]=$pid
  log "gateway $label: pid $pid, 127.0.0.1:$port -> $upstream${data:+ (data $data)}, log $glog"
}
gw_wait() {
  local label="$1" glog="$E2E_WORK/gateway-$1.log" pid="${GW_PID[$1]:-}" i line
  [ -n "$pid" ] || return 1
  for i in $(seq 1 $((GW_START_TIMEOUT * 2))); do
    line="$(grep -m1 -E 'Portcullis (Jetty|Netty) gateway listening on' "$glog" 2>/dev/null)"
    if [ -n "$line" ]; then
      GW_KIND[$label]="$(sed -E 's/.*Portcullis (Jetty|Netty) gateway listening on.*/\1/' <<<"$line")"
      log "gateway $label: ${line:0:300}"
      # the engine asked for, not a default the gateway fell back to
      if ! grep -q "(policy opa-$ENGINE " <<<"$line"; then
        GW_KIND[$label]+=", but not the $ENGINE engine"
        log "gateway $label does not run the $ENGINE engine (E2E_ENGINE)"; return 1
      fi
      # It must also answer HTTP itself: a request without a credential to a denied endpoint is
      # refused by the gateway alone (401/403), so a SonarQube still starting (which can take tens
      # of seconds to answer anything) cannot make the gateway look dead.
      local url; url="$(grep -o -m1 -E 'listening on https?://[^ ,]+' <<<"$line" | sed 's/^listening on //')"
      P_STATUS="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$url/api/users/search")"
      if [ "$P_STATUS" = 000 ]; then
        GW_KIND[$label]+=", but no HTTP answer"
        log "gateway $label printed its listening line but gave no HTTP answer:"; tail -20 "$glog" >&2; return 1
      fi
      if [[ "$label" =~ ^[a-z]+-sq[0-9]+$ ]]; then
        # readiness right after start-up: SonarQube asked directly first, then /health/ready
        local sqst; sqst="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${GW_UPSTREAM[$label]}/api/server/version")"
        admin_get "$(gw_admin_url "${label%%-*}" "${label#*-}")/health/ready"
        READY_AT_START[$label]="$A_STATUS $(jq -r '.status // "-"' <<<"$A_BODY" 2>/dev/null) (SonarQube directly: $sqst)"
        log "gateway $label: /health/ready at start-up: ${READY_AT_START[$label]}"
      fi
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { log "gateway $label exited:"; tail -20 "$glog" >&2; return 1; }
    sleep 0.5
  done
  log "gateway $label did not print its listening line within $GW_START_TIMEOUT s"; tail -20 "$glog" >&2; return 1
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
# count_path WINDOW PATH -> how many window lines are for PATH (query ignored)
count_path() { awk -v p="$2" '{ u = $2; sub(/\?.*/, "", u); if (u == p) c++ } END { print c + 0 }' <<<"$1"; }
# statuses_of WINDOW PATH -> "3x401, 1x200" for PATH
statuses_of() {
  awk -v p="$2" '{ u = $2; sub(/\?.*/, "", u); if (u == p) s[$3]++ }
    END { for (k in s) { printf "%s%dx%s", sep, s[k], k; sep = ", " } }' <<<"$1"
}
# the access log is written when a request completes; give it a moment before reading a window
settle() { sleep 1; }

# scan NAME LABEL KIND(cli|maven|npm) VERSION VIA(gateway-jetty|direct|...) BASE_URL TOKEN_FILE KEY [extra]
# Sets SCAN_RC (0 = success marker present), SCAN_WALL, SCAN_DIR, SCAN_ACCESS_FROM.
scan() {
  local n="$1" label="$2" kind="$3" v="$4" via="$5" url="$6" tf="$7" key="$8"; shift 8
  SCAN_DIR="$SCANS/$n-$label-$via"; rm -rf "$SCAN_DIR"; mkdir -p "$SCAN_DIR"
  cp -r "$SAMPLE" "$SCAN_DIR/project"
  SCAN_ACCESS_FROM="$(access_lines "$n")"
  local t0 t1 rc
  t0=$(date +%s.%N)
  "scanner_${kind}_run" "$v" "$url" "$tf" "$key" "$SCAN_DIR/project" "$SCAN_DIR/scanner.log" "$@"; rc=$?
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
  if [ "$st" != SUCCESS ] || [ "$comp" != "$key" ] || [ -z "$aid" ]; then
    printf 'task %s %s %s' "$st" "$comp" "${aid:-no-analysis}"; return 1
  fi
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
    grep -nE 'ERROR|FAILURE|HTTP|40[0-9]|50[0-9]' "$dir/scanner.log" | sed -n 1,25p
    echo "----- requests SonarQube received during the scan (non-2xx) -----"
    awk '$3 !~ /^2/' "$dir/upstream-requests.txt" | sed -n 1,15p
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

# --- operations: admin listener, metrics, decision log (the default gateways) ----------------

# admin_get URL -> A_STATUS (000: no answer), A_BODY
admin_get() {
  local out; out="$(curl -s --max-time 20 -w '\n%{http_code}' "$1")"
  A_STATUS="${out##*$'\n'}"; A_BODY="${out%$'\n'*}"
}
dlog_lines() { local d; d="$(gw_dlog "$1" "$2")"; if [ -f "$d" ]; then wc -l < "$d"; else echo 0; fi; }
# ready_checks NAME SQLABEL: before the scans (SonarQube UP, set up): /health/live 200, /health/ready
# 200 "ready" (the gateway asks SonarQube every 2 s, so up to 30 s are allowed), and at start-up it was
# 503 "not_ready" unless SonarQube already answered then
ready_checks() {
  local n="$1" sql="$2" f label base live st i t0 ok
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" || continue
    label="$(gw_label "$f" "$n")"; base="$(gw_admin_url "$f" "$n")"
    admin_get "$base/health/live"; live="$A_STATUS"
    t0=$SECONDS
    for i in $(seq 1 30); do
      admin_get "$base/health/ready"; st="$(jq -r '.status // "-"' <<<"$A_BODY" 2>/dev/null)"
      [ "$A_STATUS" = 200 ] && [ "$st" = ready ] && break
      sleep 1
    done
    ok=0   # an exit status for check: 0 = PASS
    [ "$live" = 200 ] && [ "$A_STATUS" = 200 ] && [ "$st" = ready ] || ok=1
    case "${READY_AT_START[$label]:-}" in
      "503 not_ready "*) ;;
      "200 ready (SonarQube directly: 200)") ;;   # SonarQube was already UP when the gateway started
      *) ok=1;;
    esac
    check $ok "$sql" "[$f] admin listener :$(gw_admin_port "$f" "$n"): /health/ready at start-up, before the scans; /health/live" \
      "503 not_ready (or 200 if SonarQube was UP); 200 ready; 200" \
      "${READY_AT_START[$label]:-not probed}; $A_STATUS ${st:--} after $((SECONDS - t0)) s; $live"
  done
}
# decision_log_check NAME SQLABEL FLAVOUR LABEL DLOG_FROM (after scan): the decision log's lines written
# during the scan that are allows must be at least the requests the gateway forwarded, i.e. the lines
# of SonarQube's access log in the scan's window with an X-Forwarded-For (the gateway's own
# credential checks carry none); the log is written off the request thread, so give it up to 10 s
declare -A OPS_FWD=()   # label -> requests forwarded during its scans (SonarQube's access log)
decision_log_check() {
  local n="$1" sql="$2" f="$3" label="$4" from="$5" fwd total allows=0 lines=0 i d
  d="$(gw_dlog "$f" "$n")"
  fwd="$(tail -n +"$(( SCAN_ACCESS_FROM + 1 ))" "$(sq_access_log "$n")" 2>/dev/null \
    | awk -F'\t' '$1 == "PCX" && $10 != "" && $10 != "-" { c++ } END { print c + 0 }')"
  total="$(tail -n +"$(( SCAN_ACCESS_FROM + 1 ))" "$(sq_access_log "$n")" 2>/dev/null | awk -F'\t' '$1 == "PCX" { c++ } END { print c + 0 }')"
  OPS_FWD[$(gw_label "$f" "$n")]=$(( ${OPS_FWD[$(gw_label "$f" "$n")]:-0} + fwd ))
  for i in $(seq 1 10); do
    lines=$(( $(dlog_lines "$f" "$n") - from ))
    allows="$(tail -n +"$(( from + 1 ))" "$d" 2>/dev/null \
      | jq -c 'select(.decision_id != null and .result.allow == true)' 2>/dev/null | wc -l)"
    [ "$fwd" -gt 0 ] && [ "$allows" -ge "$fwd" ] && break
    sleep 1
  done
  [ "$fwd" -gt 0 ] && [ "$allows" -ge "$fwd" ]
  check $? "$sql" "[$f] $label scan: decision log ($(basename "$d")) has an allow line per forwarded request" \
    ">= forwarded (> 0)" "$allows allow lines ($lines lines) for $fwd forwarded" "access log: $total lines, $fwd with X-Forwarded-For"
}
# metrics_checks NAME SQLABEL: after the scans, /metrics shows allows and SonarQube's 2xx answers
metrics_checks() {
  local n="$1" sql="$2" f allow up2 ok
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" || continue
    admin_get "$(gw_admin_url "$f" "$n")/metrics"
    allow="$(awk '/^portcullis_decisions_total\{/ && /result="allow"/ { s += $NF } END { printf "%d", s }' <<<"$A_BODY")"
    up2="$(awk '/^portcullis_upstream_responses_total\{/ && /status_class="2xx"/ { s += $NF } END { printf "%d", s }' <<<"$A_BODY")"
    ok=0; [ "$A_STATUS" = 200 ] && [ "$allow" -gt 0 ] && [ "$up2" -gt 0 ] || ok=1
    check $ok "$sql" "[$f] GET /metrics after the scans: decisions_total{result=allow}, upstream_responses_total{status_class=2xx}" \
      "200; both > 0" "$A_STATUS; allow $allow, 2xx $up2" "forwarded during the scans: ${OPS_FWD[$(gw_label "$f" "$n")]:-0}"
  done
}

# Good scans of A through each flavour's default gateway, then (optionally) once directly: success +
# visible analysis. good_scan NAME SQLABEL LABEL KIND VERSION
good_scan() {
  local n="$1" sql="$2" label="$3" kind="$4" v="$5" vis f gw glog
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" || continue
    gw="$(gw_url "$f" "$n")"; glog="$(gw_log "$f" "$n")"
    note_tok "$n" A
    local dl_from; dl_from="$(dlog_lines "$f" "$n")"
    scan "$n" "$label" "$kind" "$v" "gateway-$f" "$gw" "$(tok_a "$n")" "$KEY_A"
    printf '%s\t%s\t%s\t%s\n' "$sql" "$label" "$f" "$SCAN_WALL" >> "$TIMINGS"
    decision_log_check "$n" "$sql" "$f" "$label" "$dl_from"
    if [ $SCAN_RC = 0 ]; then
      check PASS "$sql" "[$f] $label scan of A through the gateway (qualitygate.wait)" "SUCCESS" "SUCCESS ${SCAN_WALL}s"
      vis="$(analysis_visible "$n" "$KEY_A" "$SCAN_DIR/project")"
      check $? "$sql" "[$f] $label scan through the gateway: analysis visible in SonarQube" "task SUCCESS, analysis listed" "$vis"
    else
      local runner="scanner_${kind}_run" why
      REPLAY_GW="$gw" REPLAY_TOKEN="$(tok_a "$n")" \
        explain_failure "$SCAN_DIR" "$glog" "$runner $v $gw $(tok_a "$n") $KEY_A"
      # the first refused request and the gateway's reason, for the table
      why="$(grep -m1 'replayed through the gateway' "$SCAN_DIR/diagnosis.txt" 2>/dev/null \
        | sed -E 's/\?[^ ]*//; s/ +\(replayed through the gateway: (.*)\)$/ (replayed \1)/' | cut -c1-110)"
      [ -n "$why" ] || why="$(grep -m1 -E 'ERROR' "$SCAN_DIR/scanner.log" | cut -c1-60)"
      check FAIL "$sql" "[$f] $label scan of A through the gateway (qualitygate.wait)" "SUCCESS" "FAILED: ${why:-see $SCAN_DIR}"
    fi
  done
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

# Project B with project A's token, per flavour. Behind the default gateway SonarQube itself must
# refuse it; behind the restricted gateway (allowed_project_keys = [A]) the gateway must refuse it
# and SonarQube must not see a single request naming B.
scan_project_b() { # NAME SQLABEL LABEL KIND VERSION
  local n="$1" sql="$2" label="$3" kind="$4" v="$5"
  local f gw glog gwr glogr refused
  for f in "${ACTIVE[@]}"; do
    gw="$(gw_url "$f" "$n")"; glog="$(gw_log "$f" "$n")"
    gwr="$(gw_url "$f" "$n" restricted)"; glogr="$(gw_log "$f" "$n" restricted)"
    if gw_ok "$f" "$n"; then
      scan "$n" "$label" "$kind" "$v" "gateway-$f-projectB" "$gw" "$(tok_a "$n")" "$KEY_B" -Dsonar.verbose=true
      refused="$(awk '$3 ~ /^4/ { print $1, $2, $3; exit }' "$SCAN_DIR/upstream-requests.txt" | sed "s/?.*\( [0-9]*\)$/?...\1/")"
      if [ $SCAN_RC = 1 ] && [ -n "$refused" ]; then
        check PASS "$sql" "[$f] scan of B with A's token, default gateway: refused by SonarQube" "scanner fails; upstream 4xx" "forwarded; scan FAILED" "$refused"
      else
        check FAIL "$sql" "[$f] scan of B with A's token, default gateway: refused by SonarQube" "scanner fails; upstream 4xx" \
          "$([ $SCAN_RC = 0 ] && echo SUCCEEDED || echo FAILED)" "${refused:-no upstream 4xx}"
        explain_failure "$SCAN_DIR" "$glog"
      fi
      log "[$f] project B behind the default gateway: first request SonarQube refused: ${refused:-none}"
    fi
    if gw_ok "$f" "$n" restricted; then
      scan "$n" "$label" "$kind" "$v" "restricted-$f-projectB" "$gwr" "$(tok_a "$n")" "$KEY_B" -Dsonar.verbose=true
      local namedb gw403=""
      namedb="$(grep -cF "$KEY_B" "$SCAN_DIR/upstream-requests.txt")"
      # the first request the scanner saw refused, replayed with curl for the gateway's reason
      local m="" st="" path=""
      read -r m st path < <(refused_requests "$SCAN_DIR/scanner.log" | sed -n 1p)
      if [ -n "${path:-}" ]; then
        gw403="$m ${path%%\?*} $st"
        if [ "$m" = GET ]; then probe "$gwr" GET "$path" basic "$(tok_a "$n")"; gw403="$m ${path%%\?*} $(fmt)"; fi
        log "[$f] project B behind the restricted gateway: first refused request $m $path -> $st (replayed: ${P_REASON:-?})"
      fi
      if [ $SCAN_RC = 1 ] && [ "$namedb" = 0 ]; then
        check PASS "$sql" "[$f] scan of B with A's token, gateway with allowed_project_keys=[A]: refused by the gateway" \
          "scanner fails; 0 B requests upstream" "FAILED; ${gw403:-403}" "0 requests naming B"
      else
        check FAIL "$sql" "[$f] scan of B with A's token, gateway with allowed_project_keys=[A]: refused by the gateway" \
          "scanner fails; 0 B requests upstream" "$([ $SCAN_RC = 0 ] && echo SUCCEEDED || echo FAILED)" "$namedb requests naming B"
        explain_failure "$SCAN_DIR" "$glogr"
      fi
      # the same refusal, seen with curl: reason project_not_allowed, and A still allowed
      probe "$gwr" GET "/api/settings/values?component=$KEY_B" basic "$(tok_a "$n")"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = project_not_allowed ]
      check $? "$sql" "[$f] restricted gateway: GET settings/values?component=B (A's token)" "403 project_not_allowed" "$(fmt)"
      probe "$gwr" POST "/api/ce/submit?projectKey=$KEY_B" basic "$(tok_a "$n")"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = project_not_allowed ]
      check $? "$sql" "[$f] restricted gateway: POST ce/submit?projectKey=B (no body)" "403 project_not_allowed" "$(fmt)"
      probe "$gwr" GET "/api/settings/values?component=$KEY_A" basic "$(tok_a "$n")"
      [ "$P_STATUS" = 200 ]
      check $? "$sql" "[$f] restricted gateway: GET settings/values?component=A still allowed" "200" "$(fmt)"
    fi
  done
  # whatever happened, project B must have no analysis
  local nb; nb="$(sq_api_admin "$n" GET "/api/project_analyses/search?project=$KEY_B" | jq -r '.analyses | length')"
  [ "$nb" = 0 ]; check $? "$sql" "project B has no analysis after all attempts" "0 analyses" "$nb analyses" "-"
}

# --- probe tables (e2e/probes/*.tsv, sent by e2e/probes/Probes.java; steps 4, 6 and 8b) ------------

PROBES_DIR="$ROOT/e2e/probes"
PROBES=()   # the command that runs Probes.java (probes_compile)
# probes_compile: compiles Probes.java once into $E2E_WORK, so that each table costs a JVM start, not a
# compile too; without javac next to GATEWAY_JAVA or on the PATH, the source launcher runs it
probes_compile() {
  local javac
  javac="$(dirname "$(readlink -f "$(command -v "$GATEWAY_JAVA")")")/javac"
  [ -x "$javac" ] || javac="$(command -v javac)"
  rm -rf "$E2E_WORK/probes-classes"
  if [ -n "$javac" ] && "$javac" -d "$E2E_WORK/probes-classes" "$PROBES_DIR/Probes.java" > "$E2E_WORK/probes-compile.log" 2>&1; then
    PROBES=("$GATEWAY_JAVA" -XX:TieredStopAtLevel=1 -cp "$E2E_WORK/probes-classes" Probes)
  else
    log "note: Probes.java not compiled (see $E2E_WORK/probes-compile.log): the source launcher compiles it per table"
    PROBES=("$GATEWAY_JAVA" "$PROBES_DIR/Probes.java")
  fi
}

# probes_run NAME SQLABEL TAG WHO SHOWN TABLE PROBES-ARGS...: sends one table through Probes.java and makes
# each of its PASS/FAIL lines one check, described "TAG WHO: METHOD SHOWN<target>" (WHO becomes "no
# credential" for a row the table sends without one), with the table's expectation, the gateway's answer and
# SonarQube's. A token that a {TOKEN_NAME} row minted is revoked (as admin). A run that does not end with its
# "probes: N passed, M failed" line, or whose counts differ from its lines, is one more FAIL.
PROBE_LINE='^(PASS|FAIL) ([^ ]+) ([A-Z]+) ([^ ]+): gateway (.*); expected (.*)$'
PROBE_DIRECT='^(.*) \(sonarqube (.*)\)$'
PROBE_MINTED='^(.*) minted (e2e-probe-[a-z0-9]+)$'
probes_run() {
  local n="$1" sql="$2" tag="$3" who="$4" shown="$5" table="$6"; shift 6
  local out line res method target rest exp act direct rwho fed=0 counts="" want
  out="$(mktemp "$E2E_WORK/probes.XXXXXX")"
  "${PROBES[@]}" --table "$table" "$@" > "$out" 2> "$out.err"
  while IFS= read -r -u 3 line; do
    if [[ "$line" =~ $PROBE_LINE ]]; then
      res="${BASH_REMATCH[1]}"; method="${BASH_REMATCH[3]}"; target="${BASH_REMATCH[4]}"
      rest="${BASH_REMATCH[5]}"; exp="${BASH_REMATCH[6]}"; rwho="$who"; direct="-"
      if [[ "$rest" == *"; no credential" ]]; then rest="${rest%"; no credential"}"; rwho="no credential"; fi
      if [[ "$rest" =~ $PROBE_DIRECT ]]; then act="${BASH_REMATCH[1]}"; direct="${BASH_REMATCH[2]}"; else act="$rest"; fi
      if [[ "$direct" =~ $PROBE_MINTED ]]; then
        direct="${BASH_REMATCH[1]} (minted; revoked)"; sq_revoke_token "$n" "${BASH_REMATCH[2]}" admin || direct="${direct/revoked/REVOKE FAILED}"
      fi
      if [[ "$act" =~ $PROBE_MINTED ]]; then
        act="${BASH_REMATCH[1]} (minted; revoked)"; sq_revoke_token "$n" "${BASH_REMATCH[2]}" admin || act="${act/revoked/REVOKE FAILED}"
      fi
      check "$res" "$sql" "$tag $rwho: $method $shown$target" "$exp" "$act" "$direct"; fed=$((fed + 1))
    elif [[ "$line" == "probes: "* ]]; then counts="$line"
    elif [[ "$line" == FAIL* ]]; then
      check FAIL "$sql" "$tag $who: ${table#"$ROOT"/}" "the table's probes" "$line"; fed=$((fed + 1))
    fi
  done 3< "$out"
  want="$(awk -v n="$fed" '/^probes: [0-9]+ passed, [0-9]+ failed$/ { if ($2 + $4 == n) print "ok" }' <<<"$counts")"
  if [ "$want" != ok ]; then
    check FAIL "$sql" "$tag $who: Probes.java ran ${table#"$ROOT"/} to the end" "probes: N passed, M failed for its $fed lines" \
      "${counts:-no counts line}; $(tail -c 300 "$out.err" | tr '\n' ' ')"
  fi
  rm -f "$out" "$out.err"
}

# --- step 4: sensitive endpoints with the project analysis token --------------------------

# Through each default gateway, from 127.0.0.1, each table row once with SonarQube's own answer beside it:
# A's token (Basic) on the sensitive endpoints and on scanner calls (e2e/probes/leaked-token.tsv); the
# global and user tokens on the user directory (user-directory.tsv) and on a scanner call (scanner-call.tsv).
sensitive_probes() { # NAME SQLABEL
  local n="$1" sql="$2" f gw url k
  url="$(sq_url "$n")"
  # SonarQube 9.9 does not take analysis/user tokens as Bearer; 26.9 does (the bootstrap uses it)
  local scheme=basic; [ "$sql" = 26.9 ] && scheme=bearer
  for f in "${ACTIVE[@]}"; do
    if ! gw_ok "$f" "$n"; then
      check FAIL "$sql" "[$f] A's token: e2e/probes/leaked-token.tsv" "403 + reason, scanner calls 200" "no gateway"; continue
    fi
    gw="$(gw_url "$f" "$n")"
    local common=(--gateway "$gw" --source-ip 127.0.0.1 --label "$f")
    probes_run "$n" "$sql" "[$f]" "A's token" "" "$PROBES_DIR/leaked-token.tsv" "${common[@]}" --upstream "$url" \
      --token-file "$(tok_a "$n")" --auth basic
    # the other token kinds get the same refusal, and pass on a scanner call
    for k in global user; do
      note_tok "$n" "$k"
      probes_run "$n" "$sql" "[$f]" "$k token (sq$([ $k = global ] && echo a || echo u)_)" "" "$PROBES_DIR/user-directory.tsv" \
        "${common[@]}" --upstream "$url" --token-file "$(tok_$k "$n")" --auth basic
    done
    probes_run "$n" "$sql" "[$f]" "global token (sqa_), scanner call" "" "$PROBES_DIR/scanner-call.tsv" "${common[@]}" \
      --token-file "$(tok_global "$n")" --auth basic
    probes_run "$n" "$sql" "[$f]" "user token (squ_, $scheme), scanner call" "" "$PROBES_DIR/scanner-call.tsv" "${common[@]}" \
      --token-file "$(tok_user "$n")" --auth "$scheme"
  done
}

# --- step 6: no credential / wrong token -----------------------------------------------------

make_wrong_token() {
  WRONG_TOKEN_FILE="$WRONG_DIR/wrong-token.txt"
  make_token "$WRONG_TOKEN_FILE"
}

# Each (row, flavour) comes from its own loopback address 127.0.1.N (at most 2 wrong credentials
# each), so the gateway's brute-force throttle (10 per client IP and minute) does not turn the
# policy's 401 into a 429; the throttle has its own proof (step 7). AUTH_SRC counts the addresses used.
AUTH_SRC=0
# auth_sources ROWS J FLAVOURS -> the addresses of flavour J (0-based among FLAVOURS started ones) for
# ROWS table rows, comma-separated: row R gets number AUTH_SRC + R * FLAVOURS + J + 1, i.e. rows outer,
# flavours inner, each (row, flavour) its own
auth_sources() {
  local r k out=""
  for ((r = 0; r < $1; r++)); do
    k=$((AUTH_SRC + r * $3 + $2 + 1)); out+="${out:+,}127.0.$((1 + k / 250)).$((1 + k % 250))"
  done
  printf '%s' "$out"
}

# auth_table NAME SQLABEL -> a file: e2e/probes/credentials.tsv plus the rows of bootstrap-assets.tsv whose
# names this server has (9.9's scanner engine as /batch/index lists it; the C# analyzer zip in the plugin)
auth_table() {
  local n="$1" sql="$2" url engine="" zip="" home j table="$E2E_WORK/probes-credentials-$1.tsv"
  url="$(sq_url "$n")"
  if [ "$sql" = 9.9 ]; then
    engine="$(curl -s --max-time 30 "$url/batch/index" | sed -n 's/^\(sonar-scanner-engine-shaded-[^|]*-all\.jar\)|.*/\1/p' | sed -n 1p)"
    engine="${engine:-sonar-scanner-engine-shaded-9.9.0.65466-all.jar}"
  fi
  home="$(sq_home "$n")"
  zip="$(for j in "$home"/lib/extensions/sonar-csharp-plugin-*.jar; do unzip -Z1 "$j" 2>/dev/null; done | sed -n 's#^static/\(.*\.zip\)$#\1#p' | sed -n 1p)"
  { cat "$PROBES_DIR/credentials.tsv"
    awk -F'\t' -v OFS='\t' -v engine="$engine" -v zip="$zip" '
      /^#/ || /^[[:space:]]*$/ || $1 == "method" { next }
      { i = index($2, "{ENGINE_JAR}"); if (i) { if (engine == "") next; $2 = substr($2, 1, i - 1) engine substr($2, i + 12) }
        i = index($2, "{CSHARP_ZIP}"); if (i) { if (zip == "") next; $2 = substr($2, 1, i - 1) zip substr($2, i + 12) }
        print }' "$PROBES_DIR/bootstrap-assets.tsv"
  } > "$table"
  printf '%s' "$table"
}

# Without a credential, then with the unknown token as Bearer, then as Basic: one Probes run each per
# flavour, every row from the row's own address (so each address gets at most the two wrong credentials).
auth_probes() { # NAME SQLABEL
  local n="$1" sql="$2" url f table rows j=0 mode who started=()
  url="$(sq_url "$n")"; table="$(auth_table "$n" "$sql")"
  rows="$(grep -cv -e '^#' -e '^method' -e '^[[:space:]]*$' "$table")"
  for f in "${ACTIVE[@]}"; do gw_ok "$f" "$n" && started+=("$f"); done
  for f in "${started[@]}"; do
    note_tok "$n" wrong
    local src; src="$(auth_sources "$rows" "$j" "${#started[@]}")"
    for mode in none bearer basic; do
      local args=(--gateway "$(gw_url "$f" "$n")" --upstream "$url" --auth "$mode" --source-ip "$src" --label "$f")
      who="no credential"
      if [ "$mode" != none ]; then args+=(--token-file "$WRONG_TOKEN_FILE"); who="unknown sqp_ token, ${mode^}"; fi
      probes_run "$n" "$sql" "[$f]" "$who" "" "$table" "${args[@]}"
    done
    j=$((j + 1))
  done
  AUTH_SRC=$((AUTH_SRC + rows * ${#started[@]}))
}

# --- step 5a: a wrong token never reaches the protected endpoint ------------------------------

wrong_token_proof() { # NAME SQLABEL
  local n="$1" sql="$2" f tf from win nval nend vst w
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" || continue
    tf="$WRONG_DIR/unknown-$n-$f.txt"; make_token "$tf"; note_tok "$n" "unknown-$f"
    from="$(access_lines "$n")"
    PROBE_FROM=$FROM_WRONG probe "$(gw_url "$f" "$n")" GET "$VERIFY_PATH" basic "$tf"
    settle
    win="$(access_window "$n" "$from")"
    nval="$(count_path "$win" "$VALIDATE_PATH")"; nend="$(count_path "$win" "$VERIFY_PATH")"; vst="$(statuses_of "$win" "$VALIDATE_PATH")"
    w=""; [ "$P_WWW" = 1 ] && w="+W"
    gw_refused_invalid && [ "$nend" = 0 ] && [ "$nval" = 1 ]
    check $? "$sql" "[$f] unknown sqp_ token, GET $VERIFY_PATH: refused without reaching the endpoint" \
      "gw 401 credential_invalid; log: 0x endpoint, 1x validate" "$P_STATUS$w ${P_REASON:-(no reason)}" \
      "access log: ${nend}x endpoint, ${nval}x validate${vst:+ ($vst)}"
  done
}

# --- step 4b: hostile requests (e2e/hostile/): sentinels, body parameters, passwords, the corpus ----

HOSTILE_DIR="$E2E_WORK/hostile"
CORPUS="$ROOT/e2e/hostile/corpus.tsv"
EMPTY_ZIP="$HOSTILE_DIR/empty.zip"   # a valid, empty zip: what the report part carries

# markers_of NAME -> the sentinel file of a server ("kind<TAB>marker" lines)
markers_of() { printf '%s/markers-%s.tsv' "$HOSTILE_DIR" "$1"; }

# ce_tasks NAME KEY -> how many compute-engine tasks the project has, in any status (asked as admin)
ce_tasks() {
  sq_api_admin "$1" GET "/api/ce/activity?component=$2&status=PENDING,IN_PROGRESS,SUCCESS,FAILED,CANCELED&ps=1" \
    | jq -r '.paging.total // "?"'
}

# plant_sentinels NAME SQLABEL: as admin, directly, three unique markers that only a leak can bring to a
# gateway's client: a setting only project B has (sonar.exclusions), a user (login and name) and a token
# name. Checks that SonarQube itself serves each of them to the credentials the corpus uses (the global
# token reads B's settings, A's project token lists users and the admin's token names), so a leak would
# show.
plant_sentinels() {
  local n="$1" sql="$2" hex mb mu mt pwf url ok=0 act markers
  markers="$(markers_of "$n")"; url="$(sq_url "$n")"
  hex="$(random_hex 6)"; mb="pcx-sentinel-b-$hex"; mu="pcx-sentinel-user-$hex"; mt="pcx-sentinel-token-$hex"
  sq_api_admin "$n" POST /api/settings/set --data-urlencode "key=sonar.exclusions" --data-urlencode "values=**/$mb/**" \
    --data-urlencode "component=$KEY_B" >/dev/null || ok=1
  # the sentinel user's password is never used again; it goes to curl through a file
  pwf="$(mktemp "$(sq_secrets "$n")/pw.XXXXXX")"; chmod 600 "$pwf"; printf 'Pcx-%s-9x!' "$(random_hex 12)" > "$pwf"
  sq_api_admin "$n" POST /api/users/create --data-urlencode "login=$mu" --data-urlencode "name=$mu" \
    --data-urlencode "password@$pwf" >/dev/null || ok=1
  rm -f "$pwf"
  # a user token of the admin named after the marker; its value is never read
  sq_api_admin "$n" POST /api/user_tokens/generate --data-urlencode "name=$mt" >/dev/null || ok=1
  printf 'project-b-setting\t%s\nuser\t%s\ntoken-name\t%s\n' "$mb" "$mu" "$mt" > "$markers"
  local sb sa su st
  PROBE_MARKERS="$markers" probe "$url" GET "/api/settings/values?component=$KEY_B" basic "$(tok_global "$n")"; sb="${P_SENTINEL:-none}"
  PROBE_MARKERS="$markers" probe "$url" GET "/api/settings/values?component=$KEY_A" basic "$(tok_global "$n")"; sa="${P_SENTINEL:-none}"
  PROBE_MARKERS="$markers" probe "$url" GET "/api/users/search?q=pcx-sentinel" basic "$(tok_a "$n")"; su="${P_SENTINEL:-none}"
  PROBE_MARKERS="$markers" probe "$url" GET /api/user_tokens/search basic "$(tok_a "$n")"; st="${P_SENTINEL:-none}"
  [ "$ok" = 0 ] && [ "$sb" = project-b-setting ] && [ "$sa" = none ] && [ "$su" = user ] && [ "$st" = token-name ]
  check $? "$sql" "sentinels planted as admin: a setting only B has, a user, a token name" \
    "each served directly to the corpus's credentials" "planted" \
    "global token: B's settings -> $sb, A's -> $sa; A's token: users/search -> $su, user_tokens/search -> $st"
}

# body_param_checks NAME SQLABEL: the body-parameter bypasses, through every gateway. SonarQube reads
# web-service parameters from multipart bodies (Tomcat parses them even on GET), so a project named only in
# the body escaped the policy, and so did a form field beside an allowed report. The global analysis token is used: SonarQube lets it read and analyse B, so
# only the gateway stands between it and B.
body_param_checks() {
  local n="$1" sql="$2" url f r gw label direct markers before after glob
  markers="$(markers_of "$n")"; url="$(sq_url "$n")"; glob="$(tok_global "$n")"
  PROBE_MARKERS="$markers" probe "$url" GET /api/settings/values basic "$glob" -F "component=$KEY_B"
  direct="$P_STATUS${P_SENTINEL:+, sentinel: $P_SENTINEL}"
  before="$(ce_tasks "$n" "$KEY_B")"
  for f in "${ACTIVE[@]}"; do
    for r in "" restricted; do
      gw_ok "$f" "$n" "$r" || continue
      gw="$(gw_url "$f" "$n" "$r")"; label="[$f${r:+ restricted}]"
      PROBE_MARKERS="$markers" probe "$gw" GET /api/settings/values basic "$glob" -F "component=$KEY_B"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = body_not_allowed ] && [ -z "$P_SENTINEL" ]
      check $? "$sql" "$label GET settings/values, component=B only as a multipart field (global token)" \
        "403 body_not_allowed, no B sentinel" "$(fmt)${P_SENTINEL:+, sentinel: $P_SENTINEL}" "$direct"
      PROBE_MARKERS="$markers" probe "$gw" POST /api/ce/submit basic "$glob" \
        -F "projectKey=$KEY_B" -F "report=@$EMPTY_ZIP;type=application/zip"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = project_parameter_not_in_query ]
      check $? "$sql" "$label POST ce/submit, projectKey=B only as a multipart field next to the report (global token)" \
        "403 project_parameter_not_in_query" "$(fmt)" "-"
      # Form fields beside the report, on an upload the policy allows: SonarQube would read them as
      # parameters (a new project name, characteristics the query never had).
      PROBE_MARKERS="$markers" probe "$gw" POST "/api/ce/submit?projectKey=$KEY_A" basic "$glob" \
        -F "report=@$EMPTY_ZIP;type=application/zip" -F "projectName=pcx-renamed"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = body_part_not_allowed ]
      check $? "$sql" "$label POST ce/submit?projectKey=A, a projectName field after the report (global token)" \
        "403 body_part_not_allowed" "$(fmt)" "-"
      PROBE_MARKERS="$markers" probe "$gw" POST "/api/ce/submit?projectKey=$KEY_A" basic "$glob" \
        -F "characteristic=pullRequest=1" -F "report=@$EMPTY_ZIP;type=application/zip"
      [ "$P_STATUS" = 403 ] && [ "$P_REASON" = body_part_not_allowed ]
      check $? "$sql" "$label POST ce/submit?projectKey=A, a characteristic field before the report (global token)" \
        "403 body_part_not_allowed" "$(fmt)" "-"
    done
  done
  after="$(ce_tasks "$n" "$KEY_B")"
  [ "$before" != "?" ] && [ "$before" = "$after" ]
  check $? "$sql" "no report queued into B by those uploads (B's compute-engine activity, as admin)" \
    "unchanged" "$before -> $after tasks" "-"
}

# password_checks NAME SQLABEL: the password oracle is closed. The policy refuses passwords, so the gateway
# must not ask SonarQube whether one is right: a right and a wrong admin password get the same answer and
# SonarQube's access log shows no /api/authentication/validate call for them; likewise an unknown token on
# a denied endpoint gets the endpoint's refusal, unverified. Each pair comes from its own address
# (127.0.3.N), and nothing else talks to this server meanwhile.
HOSTILE_SRC=0
password_checks() {
  local n="$1" sql="$2" url pw wrong unknown path f r gw label from win nval right wrongp rs rr direct dr dw
  url="$(sq_url "$n")"; pw="$(sq_secrets "$n")/admin.pw"
  wrong="$WRONG_DIR/wrong-password-$n.txt"; unknown="$WRONG_DIR/unknown-denied-$n.txt"
  ( umask 077; printf 'Wrong-%s-9x' "$(random_hex 9)" > "$wrong" ); make_token "$unknown"; note_tok "$n" unknown-denied
  for path in "$VERIFY_PATH" /api/users/search; do
    probe "$url" GET "$path" admin "$pw"; dr="$P_STATUS"; probe "$url" GET "$path" admin "$wrong"; dw="$P_STATUS"
    direct="right $dr / wrong $dw"
    for f in "${ACTIVE[@]}"; do
      for r in "" restricted; do
        gw_ok "$f" "$n" "$r" || continue
        gw="$(gw_url "$f" "$n" "$r")"; label="[$f${r:+ restricted}]"; HOSTILE_SRC=$((HOSTILE_SRC + 1))
        from="$(access_lines "$n")"
        PROBE_FROM="127.0.3.$HOSTILE_SRC" probe "$gw" GET "$path" admin "$pw"; right="$(fmt)"; rs="$P_STATUS"; rr="$P_REASON"
        PROBE_FROM="127.0.3.$HOSTILE_SRC" probe "$gw" GET "$path" admin "$wrong"; wrongp="$(fmt)"
        settle; win="$(access_window "$n" "$from")"; nval="$(count_path "$win" "$VALIDATE_PATH")"
        [ "$right" = "$wrongp" ] && [ "$rs" = 403 ] && [ "$rr" = credential_kind_not_allowed ] && [ "$nval" = 0 ]
        check $? "$sql" "$label Basic admin:<right password> / admin:<wrong password>, GET $path" \
          "same answer, 403 credential_kind_not_allowed; 0 validate calls" "$right / $wrongp" \
          "$direct; access log: ${nval}x validate"
      done
    done
  done
  probe "$url" GET /api/users/search basic "$unknown"; direct="unknown token $P_STATUS"
  for f in "${ACTIVE[@]}"; do
    for r in "" restricted; do
      gw_ok "$f" "$n" "$r" || continue
      gw="$(gw_url "$f" "$n" "$r")"; label="[$f${r:+ restricted}]"; HOSTILE_SRC=$((HOSTILE_SRC + 1))
      from="$(access_lines "$n")"
      PROBE_FROM="127.0.3.$HOSTILE_SRC" probe "$gw" GET /api/users/search basic "$unknown"; wrongp="$(fmt)"
      PROBE_FROM="127.0.3.$HOSTILE_SRC" probe "$gw" GET /api/users/search basic "$(tok_a "$n")"; right="$(fmt)"
      settle; win="$(access_window "$n" "$from")"; nval="$(count_path "$win" "$VALIDATE_PATH")"
      [ "$right" = "$wrongp" ] && [ "$wrongp" = "403 user_directory" ] && [ "$nval" = 0 ]
      check $? "$sql" "$label unknown sqp_ token / A's token on a denied endpoint, GET /api/users/search" \
        "same answer, 403 user_directory; 0 validate calls" "$wrongp / $right" "$direct; access log: ${nval}x validate"
    done
  done
}

# hostile_corpus NAME SQLABEL: every case of e2e/hostile/corpus.tsv over a raw socket through each of this
# server's gateways (HostileCorpus.java), judged by what SonarQube served: no sentinel in any answer, every
# access-log line of the window a scanner call of its case (or a gateway's own credential check), and no
# report queued into B. One check per gateway, one for the access log, one for B's compute-engine activity.
hostile_corpus() {
  local n="$1" sql="$2" f base from rc before after report line label total refused denied fwd st closed other unexp fails
  local args=() seen=0 sec lines attributed checks stray
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" && args+=(--gateway "$f=127.0.0.1:$(gw_port "$f" "$n")")
    gw_ok "$f" "$n" restricted && args+=(--gateway "$f-restricted=127.0.0.1:$(gw_port "$f" "$n" restricted):restricted")
  done
  [ ${#args[@]} -gt 0 ] || return 0
  sec="$(sq_secrets "$n")"; base=40; [ "$n" = sq26 ] && base=50
  make_token "$WRONG_DIR/hostile-unknown-$n.txt"; note_tok "$n" hostile-unknown
  ( umask 077; printf 'Wrong-%s-9x' "$(random_hex 9)" > "$WRONG_DIR/hostile-wrong-password-$n.txt" )
  report="$HOSTILE_DIR/report-$n.txt"
  # SonarQube logs a request just after answering it: let the count's own line land before the window
  before="$(ce_tasks "$n" "$KEY_B")"; settle; from="$(access_lines "$n")"
  log "$n: hostile corpus ($(grep -cv -e '^#' -e '^id	' "$CORPUS") cases) through $(( ${#args[@]} / 2 )) gateways"
  "$GATEWAY_JAVA" "$ROOT/e2e/hostile/HostileCorpus.java" --corpus "$CORPUS" --server "$sql" \
    --upstream "127.0.0.1:$(sq_env "$n" WEB_PORT)" "${args[@]}" \
    --access-log "$(sq_access_log "$n")" --access-from "$from" --markers "$(markers_of "$n")" \
    --key-a "$KEY_A" --key-b "$KEY_B" \
    --cred "tokenA=token:$(tok_a "$n")" --cred "bearerA=bearer:$(tok_a "$n")" --cred "global=token:$(tok_global "$n")" \
    --cred "admin=password:admin:$sec/admin.pw" --cred "adminwrong=password:admin:$WRONG_DIR/hostile-wrong-password-$n.txt" \
    --cred "unknown=token:$WRONG_DIR/hostile-unknown-$n.txt" \
    --source-base "$base" --out "$HOSTILE_DIR" > "$report" 2>&1
  rc=$?
  grep -v '^HOSTILE-' "$report" >&2
  while IFS= read -r line; do
    case "$line" in
      HOSTILE-GATEWAY$'\t'*)
        IFS=$'\t' read -r _ label total refused denied fwd st closed other unexp fails <<<"$line"
        seen=1
        # "other" (e.g. a 503 that outlasted the resends) judges nothing: tolerate a few, not many
        [ "$fails" = 0 ] && [ "$other" -le $((total / 20)) ]
        check $? "$sql" "[${label/-/ }] hostile corpus, $total raw requests: no denied endpoint, no other project, no sentinel reached" \
          "0 FAILs, other <= 5%" "$fails FAILs; $refused refused, $denied denied, $fwd forwarded, $closed closed, $other other" \
          "SonarQube answered the forwarded: $st"
        EXTRA_LINES+=("$sql [${label/-/ }]: hostile corpus $total cases: $refused refused (400/414/431/501/505), $denied denied (401/403/413/429, policy 400), $fwd forwarded (SonarQube: $st; $unexp of them expected refused), $closed closed, $other other; $fails FAILs")
        ;;
      HOSTILE-LOG$'\t'*)
        IFS=$'\t' read -r _ lines attributed checks stray <<<"$line"
        [ "$stray" = 0 ]
        check $? "$sql" "SonarQube's access log during the corpus: every line a case's scanner call or a gateway's credential check" \
          "0 other lines" "$lines lines: $attributed from cases, $checks credential checks, $stray other" "-"
        ;;
    esac
  done < <(grep '^HOSTILE-' "$report")
  [ "$seen" = 1 ] || check FAIL "$sql" "hostile corpus ran" "a report" "exit $rc, see $report"
  after="$(ce_tasks "$n" "$KEY_B")"
  [ "$before" != "?" ] && [ "$before" = "$after" ]
  check $? "$sql" "no report queued into B by the corpus (B's compute-engine activity, as admin)" "unchanged" \
    "$before -> $after tasks" "-"
}

hostile_checks() { # NAME SQLABEL
  plant_sentinels "$1" "$2"
  body_param_checks "$1" "$2"
  password_checks "$1" "$2"
  hostile_corpus "$1" "$2"
}

# --- step 5b: a revoked token is refused once the cached positive answer expires -------------

# revocation_run NAME OUT_FILE FLAVOUR... (runs in the background): mint a user token, use it through
# every flavour's default gateway (200, now cached as valid), revoke it, ask SonarQube directly, then
# poll every 2 s until each gateway refuses it itself. One line per flavour to OUT_FILE:
# flavour, first use, direct right after revoke, gateway right after revoke, seconds from revoke to
# the gateway's refusal, seconds from the first use, polls. Or a line "ERROR<TAB>why".
revocation_run() {
  local n="$1" out="$2"; shift 2
  local tf tname url f t_rev t direct pending
  local -A first=() t_first=() imm=() done_el=() done_first=() polls=()
  tf="$(sq_secrets "$n")/token-revocation.txt"; tname="e2e-revocation-$(date +%s)-$RANDOM"
  if ! sq_generate_token_file "$n" USER_TOKEN "$tname" "$tf"; then
    printf 'ERROR\ttoken not generated (HTTP %s)\n' "$SQ_LAST_STATUS" > "$out"; return 1
  fi
  url="$(sq_url "$n")"
  for f in "$@"; do
    PROBE_FROM=$FROM_REVOKE probe "$(gw_url "$f" "$n")" GET "$VERIFY_PATH" basic "$tf"
    first[$f]="$(fmt)"; t_first[$f]="$(now)"
  done
  if ! sq_revoke_token "$n" "$tname" admin; then
    printf 'ERROR\trevoke failed (HTTP %s)\n' "$SQ_LAST_STATUS" > "$out"; return 1
  fi
  t_rev="$(now)"
  log "$n: revocation token revoked; polling the gateways ($*) every 2 s"
  probe "$url" GET "$VERIFY_PATH" basic "$tf"; direct="$(fmt)"
  for f in "$@"; do
    PROBE_FROM=$FROM_REVOKE probe "$(gw_url "$f" "$n")" GET "$VERIFY_PATH" basic "$tf"; t="$(now)"; polls[$f]=1
    if gw_refused_invalid; then imm[$f]="gateway $(fmt)"; done_el[$f]="$(secs_between "$t_rev" "$t")"; done_first[$f]="$(secs_between "${t_first[$f]}" "$t")"
    elif [ -z "$P_REASON" ]; then imm[$f]="forwarded (cached valid), SonarQube $P_STATUS"
    else imm[$f]="gateway $(fmt)"; fi
  done
  while :; do
    pending=""
    for f in "$@"; do [ -z "${done_el[$f]:-}" ] && pending+="$f "; done
    [ -n "$pending" ] || break
    [ "$(awk -v a="$t_rev" -v b="$(now)" -v g="$REVOKE_GIVE_UP" 'BEGIN { print (b - a > g) ? 1 : 0 }')" = 1 ] && break
    sleep 2
    for f in $pending; do
      PROBE_FROM=$FROM_REVOKE probe "$(gw_url "$f" "$n")" GET "$VERIFY_PATH" basic "$tf"; t="$(now)"
      polls[$f]=$(( polls[$f] + 1 ))
      if gw_refused_invalid; then done_el[$f]="$(secs_between "$t_rev" "$t")"; done_first[$f]="$(secs_between "${t_first[$f]}" "$t")"
      elif [ -n "$P_REASON" ]; then log "$n [$f] revocation poll: unexpected $(fmt)"; fi
    done
  done
  for f in "$@"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "${first[$f]}" "$direct" "${imm[$f]}" "${done_el[$f]:-}" \
      "${done_first[$f]:-}" "${polls[$f]}" >> "$out"
  done
}

revocation_start() { # NAME SQLABEL -> background job, collected by revocation_collect
  local n="$1" f fl=()
  for f in "${ACTIVE[@]}"; do gw_ok "$f" "$n" && fl+=("$f"); done
  [ ${#fl[@]} -gt 0 ] || return 0
  note_tok "$n" revocation
  : > "$E2E_WORK/revocation-$n.tsv"
  ( trap - EXIT INT TERM; revocation_run "$n" "$E2E_WORK/revocation-$n.tsv" "${fl[@]}" ) > /dev/null &
  REV_PID[$n]=$!
  log "$n: revocation proof started in the background (pid $!, flavours ${fl[*]})"
}

revocation_collect() { # NAME SQLABEL
  local n="$1" sql="$2" pid="${REV_PID[$1]:-}" out="$E2E_WORK/revocation-$1.tsv"
  local f first direct imm el elf polls act ok
  [ -n "$pid" ] || return 0
  log "$n: waiting for the revocation proof (pid $pid)"
  wait "$pid"; unset "REV_PID[$n]"
  if [ ! -s "$out" ] || grep -q '^ERROR' "$out"; then
    local why="no result"; [ -s "$out" ] && why="$(grep -m1 '^ERROR' "$out" | cut -f2)"
    check FAIL "$sql" "revoked token refused by the gateways within ${REVOKE_BOUND} s" "proof ran" "$why"
    EXTRA_LINES+=("$sql: revocation proof did not run: $why")
    return
  fi
  while IFS=$'\t' read -r f first direct imm el elf polls; do
    if [ -n "$el" ]; then
      act="before: $first; right after revoke: $imm; gateway 401 credential_invalid ${el} s after revoke (${elf} s after first use, $polls polls)"
    else
      act="before: $first; right after revoke: $imm; still not refused by the gateway ${REVOKE_GIVE_UP} s after revoke ($polls polls)"
    fi
    ok=1
    [ "$first" = 200 ] && [ "$direct" = 401 ] && [ -n "$el" ] \
      && [ "$(awk -v e="$el" -v b="$REVOKE_BOUND" 'BEGIN { print (e <= b) ? 1 : 0 }')" = 1 ] && ok=0
    check $ok "$sql" "[$f] revoked user token refused once its cached positive result expires (60 s TTL)" \
      "200; revoke; gw 401 credential_invalid <= ${REVOKE_BOUND} s" "$act" "$direct right after revoke"
    EXTRA_LINES+=("$sql [$f]: revoked token refused by the gateway ${el:-NOT within $REVOKE_GIVE_UP} s after revocation${elf:+ ($elf s after its first use)}")
  done < "$out"
}

# --- step 7: 20 wrong tokens from one IP ---------------------------------------------------

# One burst of the throttle proof: 20 fresh unknown tokens from SOURCE (empty: 127.0.0.1) to GW;
# sets s401 s429 bad rmin rmax seq t0 t1 nval nend vst.
throttle_burst() { # NAME GW DIR SOURCE LABEL
  local n="$1" gw="$2" dir="$3" src="$4" label="$5" i from win
  for i in $(seq -w 1 20); do make_token "$dir/$i.txt"; note_tok "$n" "$label-$i"; done
  from="$(access_lines "$n")"; t0="$(now)"
  s401=0; s429=0; bad=""; rmin=""; rmax=""; seq=""
  for i in $(seq -w 1 20); do
      PROBE_FROM="$src" probe "$gw" GET "$VERIFY_PATH" basic "$dir/$i.txt"
      if [ "$((10#$i))" -le 10 ]; then
        if gw_refused_invalid; then s401=$((s401 + 1)); else bad+="#$i:$(fmt) "; fi
        seq+="${seq:+,}$P_STATUS"
      else
        if [ "$P_STATUS" = 429 ] && [ "$P_REASON" = too_many_failed_credentials ] \
            && [[ "$P_RETRY" =~ ^[0-9]+$ ]] && [ "$P_RETRY" -ge 1 ] && [ "$P_RETRY" -le 60 ]; then
          s429=$((s429 + 1))
          { [ -z "$rmin" ] || [ "$P_RETRY" -lt "$rmin" ]; } && rmin=$P_RETRY
          { [ -z "$rmax" ] || [ "$P_RETRY" -gt "$rmax" ]; } && rmax=$P_RETRY
        else
          bad+="#$i:$(fmt) Retry-After=${P_RETRY:-none} "
        fi
        seq+="${seq:+,}$P_STATUS"
      fi
  done
  t1="$(now)"; THROTTLED[$n]=$(( ${THROTTLED[$n]:-0} + s429 ))
  settle
  win="$(access_window "$n" "$from")"
  nval="$(count_path "$win" "$VALIDATE_PATH")"; nend="$(count_path "$win" "$VERIFY_PATH")"; vst="$(statuses_of "$win" "$VALIDATE_PATH")"
}

throttle_proof() { # NAME SQLABEL (last thing on each default gateway: blocks 127.0.0.1 for up to a minute)
  local n="$1" sql="$2" f gw glog dir prior nval nend vst t0 t1 from
  local s401 s429 bad rmin rmax seq ok act again
  for f in "${ACTIVE[@]}"; do
    gw_ok "$f" "$n" || continue
    gw="$(gw_url "$f" "$n")"; glog="$(gw_log "$f" "$n")"; dir="$WRONG_DIR/throttle-$n-$f"
    prior="$(grep -cE 'status=401 reasons=\[credential_invalid\].*client=127\.0\.0\.1( |$)' "$glog" 2>/dev/null)"
    throttle_burst "$n" "$gw" "$dir" "" "throttle-$f"
    [ "$s401" = 10 ] && [ "$s429" = 10 ] && [ "$nval" = 10 ] && [ "$nend" = 0 ]; ok=$?
    # The window slides: no minute ever holds more than 10 failures from one client, so more than
    # 10 401s is a failure. Fewer can be honest when earlier steps' failures from 127.0.0.1 are
    # still inside its window; the count is then proved again from a fresh address.
    again=""
    if [ $ok -ne 0 ] && [ "$nend" = 0 ] && [ "${prior:-0}" -gt 0 ] && [ "$s401" -lt 10 ] \
        && [[ "$seq" =~ ^(401,)*429(,429)*$ ]]; then
      again="earlier failures from 127.0.0.1 still in its window (sequence $seq, ${nval}x validate); again from $FROM_THROTTLE: "
      log "throttle proof [$n] [$f]: $again"
      throttle_burst "$n" "$gw" "$dir-again" "$FROM_THROTTLE" "throttle-again-$f"
      [ "$s401" = 10 ] && [ "$s429" = 10 ] && [ "$nval" = 10 ] && [ "$nend" = 0 ]; ok=$?
    fi
    act="$again${s401}x 401 credential_invalid, then ${s429}x 429 too_many_failed_credentials"
    [ -n "$rmin" ] && act+=" (Retry-After ${rmax}..${rmin} s)"
    act+=" in $(secs_between "$t0" "$t1") s"
    [ -n "$bad" ] && act+="; unexpected: ${bad% }; sequence $seq"
    [ "${prior:-0}" != 0 ] && act+="; NB $prior earlier 401s from 127.0.0.1 on this gateway"
    check $ok "$sql" "[$f] 20 distinct unknown tokens from 127.0.0.1 on GET $VERIFY_PATH" \
      "10x 401, 10x 429 + Retry-After 1..60; log: 10x validate" "$act" \
      "access log: ${nval}x validate${vst:+ ($vst)}, ${nend}x endpoint"
    # while 127.0.0.1 is blocked: any credential from it waits (no verification), anonymous bootstrap
    # calls are not throttled, and another client is not affected
    local a b c
    from="$(access_lines "$n")"
    probe "$gw" GET "$VERIFY_PATH" basic "$(tok_a "$n")"; a="$(fmt)"; [ -n "$P_RETRY" ] && a+=" (Retry-After $P_RETRY)"
    ok=0; { [ "$P_STATUS" = 429 ] && [ "$P_REASON" = too_many_failed_credentials ]; } || ok=1
    probe "$gw" GET /api/server/version none; b="$(fmt)"; [ "$P_STATUS" = 200 ] || ok=1
    settle; nval="$(count_path "$(access_window "$n" "$from")" "$VALIDATE_PATH")"; [ "$nval" = 0 ] || ok=1
    PROBE_FROM=$FROM_OTHER probe "$gw" GET "$VERIFY_PATH" basic "$(tok_a "$n")"; c="$(fmt)"; [ "$P_STATUS" = 200 ] || ok=1
    check $ok "$sql" "[$f] 127.0.0.1 blocked: A's valid token from it / anonymous server/version from it / A's token from $FROM_OTHER" \
      "429 (no validate) / 200 / 200" "$a / $b / $c" "${nval}x validate for the blocked request"
  done
}

# --- step 8: SonarQube down ----------------------------------------------------------------

outage_proof() { # NAME SQLABEL: stops the server, then asks its restricted gateways
  local n="$1" sql="$2" f gwr url dstat fl=()
  if [ "${E2E_KEEP_SERVERS:-0}" = 1 ]; then log "E2E_KEEP_SERVERS=1: skipping the SonarQube-down proof"; return 0; fi
  for f in "${ACTIVE[@]}"; do gw_ok "$f" "$n" restricted && fl+=("$f"); done
  [ ${#fl[@]} -gt 0 ] || return 0
  url="$(sq_url "$n")"
  log "$n: stopping SonarQube $sql for the SonarQube-down proof"
  sq_stop "$n"
  probe "$url" GET /api/server/version none; dstat="$P_STATUS"; [ "$dstat" = 000 ] && dstat="000 (connection refused)"
  for f in "${fl[@]}"; do
    gwr="$(gw_url "$f" "$n" restricted)"
    # the global token was never sent through a restricted gateway, so it is not in its cache
    probe "$gwr" GET "$VERIFY_PATH" basic "$(tok_global "$n")"
    [ "$P_STATUS" = 503 ] && { [ "$P_REASON" = credential_verification_failed ] || [ "$P_REASON" = credential_verification_timeout ]; }
    check $? "$sql" "[$f] SonarQube $sql stopped: genuine sqa_ token not in the gateway's cache, GET $VERIFY_PATH" \
      "503 credential_verification_failed (or _timeout)" "$(fmt) in ${P_TIME} s" "$dstat"
    probe "$gwr" GET /api/server/version none
    [ "$P_STATUS" = 502 ]
    check $? "$sql" "[$f] SonarQube $sql stopped: anonymous GET /api/server/version" "502" "$(fmt) in ${P_TIME} s" "$dstat"
  done
}

# --- step 8b: SonarQube 26.9 again, under a context path -------------------------------------

# context_restart NAME SQLABEL: stop the server (if still running), configure sonar.web.context=CTX
# over the same tree and data (admin password, projects and tokens stay), start it, wait for UP.
context_restart() {
  local n="$1" sql="$2" v port t0
  v="$(sq_version "$n")"; port="$(sq_env "$n" WEB_PORT)"; t0=$SECONDS
  log "$n: restarting SonarQube $sql under the context path $CTX"
  sq_stop "$n"
  if SQ_WEB_CONTEXT="$CTX" sq_install "$n" "$v" "$port" && sq_start "$n" 9>&- && sq_wait_up "$n" "$UP_TIMEOUT"; then
    CTX_UP_AFTER=$((SECONDS - t0))
    check PASS "$sql" "SonarQube $sql restarted with sonar.web.context=$CTX (same data)" "UP at $CTX" \
      "UP $CTX_UP_AFTER s after the stop" "$(sq_url "$n")"
    return 0
  fi
  check FAIL "$sql" "SonarQube $sql restarted with sonar.web.context=$CTX (same data)" "UP at $CTX" "not UP" "-"
  sq_tail_logs "$n" 30 2>&1 | tail -60 >&2
  return 1
}

# ctx_scanners FLAVOUR -> the scanners run through that flavour's context-path gateway: CLI 8.1
# through the first flavour, Maven 5.8 through the second (both through a single flavour)
ctx_scanners() {
  if [ ${#ACTIVE[@]} -lt 2 ]; then printf 'cli8.1 maven5.8'
  elif [ "$1" = "${ACTIVE[0]}" ]; then printf 'cli8.1'
  else printf 'maven5.8'; fi
}

# context_path_proofs NAME SQLABEL: through each flavour's ctx gateway (one names the context path in
# --upstream, the other as context_path in the policy data): a token the gateway never saw is
# verified at CTX/api/authentication/validate (200 on the endpoint, not 503); an unknown token gets
# 401 credential_invalid without reaching the endpoint; a leaked token's probes are refused; a path
# outside the context path is refused; then a real scan with sonar.host.url=<gateway>CTX.
context_path_proofs() {
  local n="$1" sql="$2" f gw gwroot url tf from win nval nend vst w sc kind v vis
  url="$(sq_url "$n")"; tf="$(tok_a "$n")"
  for f in "${ACTIVE[@]}"; do
    if ! gw_ok "$f" "$n" ctx; then
      check FAIL "$sql" "[$f] context-path gateway started" "listening" "not started, see $(gw_log "$f" "$n" ctx)"; continue
    fi
    gwroot="$(gw_url "$f" "$n" ctx)"; gw="$gwroot$CTX"
    # a genuine token this gateway never saw: verified under the context path, then forwarded
    note_tok "$n" global
    from="$(access_lines "$n")"
    probe "$gw" GET "$VERIFY_PATH" basic "$(tok_global "$n")"
    settle; win="$(access_window "$n" "$from")"
    nval="$(count_path "$win" "$CTX$VALIDATE_PATH")"; nend="$(count_path "$win" "$CTX$VERIFY_PATH")"
    [ "$P_STATUS" = 200 ] && [ "$nval" = 1 ] && [ "$nend" = 1 ]
    check $? "$sql" "[$f ctx] global token (sqa_) the gateway never saw: GET $CTX$VERIFY_PATH" \
      "200; log: 1x $CTX validate, 1x endpoint" "$(fmt)" "access log: ${nval}x $CTX$VALIDATE_PATH, ${nend}x endpoint"
    # an unknown token: verified invalid under the context path, never forwarded
    local utf="$WRONG_DIR/unknown-ctx-$n-$f.txt"; make_token "$utf"; note_tok "$n" "unknown-ctx-$f"
    from="$(access_lines "$n")"
    PROBE_FROM=$FROM_WRONG probe "$gw" GET "$VERIFY_PATH" basic "$utf"
    settle; win="$(access_window "$n" "$from")"
    nval="$(count_path "$win" "$CTX$VALIDATE_PATH")"; nend="$(count_path "$win" "$CTX$VERIFY_PATH")"
    vst="$(statuses_of "$win" "$CTX$VALIDATE_PATH")"; w=""; [ "$P_WWW" = 1 ] && w="+W"
    gw_refused_invalid && [ "$nval" = 1 ] && [ "$nend" = 0 ]
    check $? "$sql" "[$f ctx] unknown sqp_ token: GET $CTX$VERIFY_PATH" "401 credential_invalid; log: 1x validate, 0x endpoint" \
      "$P_STATUS$w ${P_REASON:-(no reason)}" "access log: ${nend}x endpoint, ${nval}x validate${vst:+ ($vst)}"
    # what a leaked token would try under the context path (e2e/probes/context-path.tsv), the anonymous
    # bootstrap call there; then paths outside it, refused by the gateway (SonarQube itself redirects there)
    probes_run "$n" "$sql" "[$f ctx]" "A's token" "$CTX" "$PROBES_DIR/context-path.tsv" --gateway "$gw" --upstream "$url" \
      --token-file "$tf" --auth basic --source-ip 127.0.0.1 --label "$f-ctx"
    probes_run "$n" "$sql" "[$f ctx] outside $CTX," "A's token" "" "$PROBES_DIR/outside-context-path.tsv" --gateway "$gwroot" \
      --upstream "http://127.0.0.1:$(sq_env "$n" WEB_PORT)" --token-file "$tf" --auth basic --source-ip 127.0.0.1 --label "$f-ctx"
    # real scans, sonar.host.url = the gateway with the context path
    for sc in $(ctx_scanners "$f"); do
      kind=cli; v=$CLI81; [ "$sc" = maven5.8 ] && { kind=maven; v=$MVN58; }
      note_tok "$n" A
      scan "$n" "$sc" "$kind" "$v" "ctx-$f" "$gw" "$tf" "$KEY_A"
      printf '%s\t%s\t%s\t%s\n' "$sql$CTX" "$sc" "$f" "$SCAN_WALL" >> "$TIMINGS"
      # every request SonarQube saw during the scan was under the context path (forwarded unchanged)
      local lines off
      lines="$(wc -l < "$SCAN_DIR/upstream-requests.txt")"
      off="$(awk -v c="$CTX/" 'index($2, c) != 1' "$SCAN_DIR/upstream-requests.txt" | wc -l)"
      if [ $SCAN_RC = 0 ]; then
        vis="$(analysis_visible "$n" "$KEY_A" "$SCAN_DIR/project")"
        [ "$off" = 0 ] && [ "$lines" -gt 0 ]
        check $? "$sql" "[$f ctx] $sc scan of A, sonar.host.url=<gateway>$CTX (qualitygate.wait)" "SUCCESS; all upstream requests under $CTX" \
          "SUCCESS ${SCAN_WALL}s; $vis" "$lines requests, $off outside $CTX"
      else
        local runner=scanner_cli_run; [ "$kind" = maven ] && runner=scanner_maven_run
        REPLAY_GW="$gw" REPLAY_TOKEN="$tf" explain_failure "$SCAN_DIR" "$(gw_log "$f" "$n" ctx)" "$runner $v $gw $tf $KEY_A"
        check FAIL "$sql" "[$f ctx] $sc scan of A, sonar.host.url=<gateway>$CTX (qualitygate.wait)" "SUCCESS; all upstream requests under $CTX" \
          "FAILED, see $SCAN_DIR/diagnosis.txt" "$lines requests, $off outside $CTX"
      fi
    done
  done
}

# --- step 10: what the scanner's log shows of a gateway denial --------------------------------

# The documented cell per denial and scanner (docs/azure-devops.md, "What the pipeline log shows"):
#   message = the gateway's "Portcullis gateway: <message> (<reason>)" is in the log;
#   reason  = the reason code is, the prefixed message is not;
#   status  = only the HTTP status is (the scanner's own words around it);
#   generic = neither: the scanner's own words only.
# A scanner release that starts (or stops) printing the gateway's message fails its cell.
declare -A DENIAL_EXPECT=(
  [401/cli8.1]=status [401/maven5.8]=status [401/cli5.0.1]=generic
  [403/cli8.1]=generic [403/maven5.8]=generic [403/cli5.0.1]=generic
  [403-verbose/cli8.1]=message [403-verbose/cli5.0.1]=status
  [413/cli8.1]=message [413/maven5.8]=message
  [429/cli8.1]=status [429/maven5.8]=status [429/cli5.0.1]=message
  [5xx/cli8.1]=status [5xx/maven5.8]=status [5xx/cli5.0.1]=status
)

# denial_flavour SCANNER -> the flavour its denial scans go through: CLI 8.1 the first, Maven 5.8
# and CLI 5.0.1 the second (the first when there is one)
denial_flavour() {
  if [ "$1" = cli8.1 ] || [ ${#ACTIVE[@]} -lt 2 ]; then printf '%s' "${ACTIVE[0]}"; else printf '%s' "${ACTIVE[1]}"; fi
}

# denial_classify LOG STATUS REASON_RE -> sets D_CLASS (message|reason|status|generic) and D_LINE,
# the line of the log that shows the most (timestamps, log levels, paths and URLs stripped)
denial_classify() {
  local log="$1" st="$2" rre="$3" text errs
  # the scan directory is named after the denial: no path or URL may count as a status
  text="$(sed -E 's/^[0-9:.]+ //; s/^\[(ERROR|WARNING|WARN|INFO|DEBUG)\] //; s/^(ERROR|WARN|INFO|DEBUG):? +//; s#[^ ]*/[^ ]*#<path>#g' "$log" 2>/dev/null \
    | grep -v -E '^[[:space:]]*(at |\.\.\. [0-9]+ more)')"
  # the scanner's own error lines, without the build tools' boilerplate
  errs="$(grep -E '^([0-9:.]+ )?(\[ERROR\]|ERROR)' "$log" 2>/dev/null | sed -E 's/^[0-9:.]+ //; s/^(\[ERROR\]|ERROR:?) *//; s#[^ ]*/[^ ]*#<path>#g' \
    | grep -v -E '^$|^Error during SonarScanner|^Re-run |^To see the full|^For more information|^\[Help|^Failed to execute goal')"
  if D_LINE="$(grep -m1 -F 'Portcullis gateway:' <<<"$text")"; then
    D_CLASS=message
    [ ${#D_LINE} -gt 170 ] && D_LINE="${D_LINE:0:50} ... $(grep -o -E 'Portcullis gateway: [^"]*' <<<"$D_LINE" | sed -n 1p)"
  elif D_LINE="$(grep -m1 -E "$rre" <<<"$text")"; then D_CLASS=reason
  elif D_LINE="$(grep -m1 -E "(^|[^0-9.:])$st([^0-9]|$)" <<<"$text")"; then D_CLASS=status
  else D_CLASS=generic; D_LINE="$(sed -n 1p <<<"$errs")"
  fi
  D_LINE="$(tr -d '\r' <<<"$D_LINE" | sed -E 's/[[:space:]]+/ /g' | cut -c1-200)"
}

# denial_scan SQLABEL NAME DENIAL SCANNER FLAVOUR VARIANT TOKEN_FILE KEY STATUS REASON_RE WHAT
# Runs one scan meant to meet DENIAL through the gateway FLAVOUR/VARIANT, checks that it failed and
# that the gateway answered STATUS during it (its log), and that what the scanner's log shows is the
# documented cell.
denial_scan() {
  local sql="$1" n="$2" dk="$3" sc="$4" f="$5" var="$6" tf="$7" key="$8" st="$9" rre="${10}" what="${11}"
  local kind=cli v gw glog before after exp act
  case "$sc" in cli8.1) v=$CLI81;; cli5.0.1) v=$CLI501;; maven5.8) kind=maven; v=$MVN58;; esac
  exp="${DENIAL_EXPECT[$dk/$sc]:-unknown}"
  if [ -z "$f" ] || ! gw_ok "$f" "$n" "$var"; then
    check FAIL "$sql" "[${f:-?}${var:+ $var}] $sc meets $dk $what: what its log shows" "log: $exp" "no gateway" "-"; return
  fi
  gw="$(gw_url "$f" "$n" "$var")"; glog="$(gw_log "$f" "$n" "$var")"
  before="$(grep -cE "status=$st( |$)" "$glog")"
  SCANNER_TOKEN_PROP=sonar.login scan "$n" "$sc" "$kind" "$v" "denial-$dk-$f" "$gw" "$tf" "$key"
  after="$(grep -cE "status=$st( |$)" "$glog")"
  # the gateway logs each refusal, but an unreachable upstream only once per outage: ask it again
  if [ "$st" = 502 ] && [ "$after" = "$before" ]; then
    probe "$gw" GET /batch/index none; [ "$P_STATUS" = 502 ] && after=$((before + 1))
  fi
  denial_classify "$SCAN_DIR/scanner.log" "$st" "$rre"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sql" "$dk" "$sc" "$f${var:+ $var}" "$st" "$exp" "$D_CLASS" "$D_LINE" >> "$DENIALS"
  act="scan $([ $SCAN_RC = 0 ] && echo SUCCEEDED || echo failed); gateway ${st}x$((after - before)); log: $D_CLASS"
  [ $SCAN_RC = 1 ] && [ $((after - before)) -gt 0 ] && [ "$D_CLASS" = "$exp" ]
  check $? "$sql" "[$f${var:+ $var}] $sc meets $st $what: what its log shows" "fails; gateway $st; log: $exp" "$act" "${D_LINE:0:100}"
}

# denial_existing SQLABEL DENIAL SCANNER FLAVOUR LOG STATUS REASON_RE WHAT: the same judgement of a
# scan that already ran (the verbose project-B scans of step 4)
denial_existing() {
  local sql="$1" dk="$2" sc="$3" f="$4" lg="$5" st="$6" rre="$7" what="$8" exp
  exp="${DENIAL_EXPECT[$dk/$sc]:-unknown}"
  [ -f "$lg" ] || return 0
  denial_classify "$lg" "$st" "$rre"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sql" "$dk" "$sc" "$f restricted" "$st" "$exp" "$D_CLASS" "$D_LINE" >> "$DENIALS"
  [ "$D_CLASS" = "$exp" ]
  check $? "$sql" "[$f restricted] $sc (sonar.verbose=true) meets $st $what: what its log shows" "log: $exp" "log: $D_CLASS" "${D_LINE:0:100}"
}

# denials_early NAME SQLABEL: 401 (unknown token, restricted gateway: the default ones must reach the
# throttle proof with no failure from 127.0.0.1), 403 (project B, restricted gateway), 413 (report
# over a tiny max_report_bytes, 26.9 only)
denials_early() {
  local n="$1" sql="$2" sc f utf scs=(cli8.1 maven5.8)
  [ "$DENIAL_SCANS" = 1 ] || return 0
  [ "$sql" = 9.9 ] && scs=(cli5.0.1)
  for sc in "${scs[@]}"; do
    f="$(denial_flavour "$sc")"
    utf="$WRONG_DIR/unknown-denial-$n-$sc.txt"; make_token "$utf"; note_tok "$n" "unknown-denial-$sc"
    denial_scan "$sql" "$n" 401 "$sc" "$f" restricted "$utf" "$KEY_A" 401 'credential_invalid' "(unknown token)"
    denial_scan "$sql" "$n" 403 "$sc" "$f" restricted "$(tok_a "$n")" "$KEY_B" 403 'project_not_allowed' "(project B, allowed_project_keys=[A])"
    denial_existing "$sql" 403-verbose "$sc" "$f" "$SCANS/$n-$sc-restricted-$f-projectB/scanner.log" 403 'project_not_allowed' "(project B)"
    if [ "$sql" = 26.9 ]; then
      denial_scan "$sql" "$n" 413 "$sc" "$f" tiny "$(tok_a "$n")" "$KEY_A" 413 'report_too_large|body_too_large' "(report over max_report_bytes=$TINY_REPORT_BYTES)"
    fi
  done
}

# keep_blocked NAME FLAVOUR: 127.0.0.1 blocked on the default gateway for (nearly) a minute from now:
# the proof's burst blocks it for a minute from the burst, and an earlier scan may have taken much of
# that; fresh unknown tokens until one gets 429 (a burst within the last minute makes that the first).
keep_blocked() {
  local n="$1" f="$2" i gw tf
  gw_ok "$f" "$n" || return 0
  gw="$(gw_url "$f" "$n")"
  for i in $(seq 1 12); do
    tf="$WRONG_DIR/keep-blocked-$n-$f-$(date +%s%N).txt"; make_token "$tf"; note_tok "$n" "keep-blocked-$f-$i"
    probe "$gw" GET "$VERIFY_PATH" basic "$tf"
    [ "$P_STATUS" = 429 ] && return 0
  done
  log "keep_blocked [$n] [$f]: 127.0.0.1 still not blocked after 12 unknown tokens (last: $(fmt))"
}

# denials_throttled NAME SQLABEL: right after the throttle proof, 127.0.0.1 is blocked on the default
# gateways for a minute (kept so by keep_blocked before each scan). The block holds back
# verifications only: a token a gateway verified in the last 60 s (A's, by the proof's "other
# client") still passes from a blocked address. So a fresh global analysis token, which no gateway
# has seen, gets 429.
denials_throttled() {
  local n="$1" sql="$2" sc scs=(cli8.1 maven5.8) tf
  [ "$DENIAL_SCANS" = 1 ] || return 0
  [ "$sql" = 9.9 ] && scs=(cli5.0.1)
  tf="$(sq_secrets "$n")/token-throttled.txt"
  if ! sq_generate_token_file "$n" GLOBAL_ANALYSIS_TOKEN "e2e-throttled-$(date +%s)-$RANDOM" "$tf"; then
    check FAIL "$sql" "a fresh global token for the 429 scans" "minted" "HTTP $SQ_LAST_STATUS"; return
  fi
  note_tok "$n" throttled
  for sc in "${scs[@]}"; do
    keep_blocked "$n" "$(denial_flavour "$sc")"
    denial_scan "$sql" "$n" 429 "$sc" "$(denial_flavour "$sc")" "" "$tf" "$KEY_A" 429 'too_many_failed_credentials' "(127.0.0.1 throttled, fresh token)"
  done
}

# denials_down NAME SQLABEL TOKEN_FILE: SonarQube stopped, through the restricted gateways (never
# throttled) with a genuine token they never saw (26.9: 503 credential_verification_failed), or,
# for CLI 5.0.1, whose first calls are anonymous, 502
denials_down() {
  local n="$1" sql="$2" tf="$3" sc scs=(cli8.1 maven5.8) st=503
  [ "$DENIAL_SCANS" = 1 ] || return 0
  [ "$sql" = 9.9 ] && { scs=(cli5.0.1); st=502; }
  for sc in "${scs[@]}"; do
    denial_scan "$sql" "$n" 5xx "$sc" "$(denial_flavour "$sc")" restricted "$tf" "$KEY_A" "$st" \
      'credential_verification_(failed|timeout)|upstream_[a-z_]+' "(SonarQube $sql stopped)"
  done
}

# print_denials: the table of what reached each scanner's log
# shellcheck disable=SC2317  # runs from the EXIT trap (finish), which shellcheck cannot follow
print_denials() {
  [ -s "$DENIALS" ] || return 0
  printf '\n== What the scanner log shows of a gateway denial (message = "Portcullis gateway: ..."; reason = the code only;\n'
  printf '   status = only the HTTP status; generic = the scanner'"'"'s own words; docs/azure-devops.md)\n'
  { printf 'server\tdenial\tscanner\tgateway\tstatus\tdocumented\tobserved\tthe line that shows most\n'; cat "$DENIALS"; } > "$DENIALS.table"
  awk -F'\t' 'NR == FNR { for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i); next }
    { line = ""; for (i = 1; i <= NF; i++) line = line sprintf(i < NF ? "%-" w[i] "s  " : "%s", $i); print line }' \
    "$DENIALS.table" "$DENIALS.table"
  rm -f "$DENIALS.table"
}

# --- step 9: validation calls --------------------------------------------------------------

declare -A SETUP_LINES=() THROTTLED=()
# validation_report NAME SQLABEL: the /api/authentication/validate calls SonarQube received after its
# set-up (the script itself never calls it after set-up, so all came from gateways). SonarQube answers
# both 200, {"valid":true} (14 bytes, %b in the access log) or {"valid":false} (15 bytes); 401 = invalid.
validation_report() {
  local n="$1" sql="$2" counts total valid invalid other ntok=0 ngw=0 k line
  [ -n "${SETUP_LINES[$n]:-}" ] || return 0
  counts="$(tail -n +"$(( SETUP_LINES[$n] + 1 ))" "$(sq_access_log "$n")" 2>/dev/null | awk -F'\t' -v p="$VALIDATE_PATH" '
    $1 == "PCX" { u = $4; sub(/\?.*/, "", u); if (u != p) next; t++
      if ($5 == 200 && $8 == 14) v++; else if ($5 == 401 || ($5 == 200 && $8 == 15)) i++; else o++ }
    END { print t + 0, v + 0, i + 0, o + 0 }')"
  read -r total valid invalid other <<<"$counts"
  for k in "${!TOKSEEN[@]}"; do [ "${k%%|*}" = "$n" ] && ntok=$((ntok + 1)); done
  for k in "${!GW_UP[@]}"; do [[ "$k" == *-"$n" || "$k" == *-"$n"-* ]] && [ "${GW_UP[$k]}" = 1 ] && ngw=$((ngw + 1)); done
  line="$sql: $total validation calls ($valid answered valid, $invalid invalid${other:+, $other other}) for $ntok distinct tokens"
  line+=" presented through $ngw gateways (${THROTTLED[$n]:-0} of them refused by the throttle, never verified)"
  line="${line/, 0 other/}"
  EXTRA_LINES+=("$line")
  [ "$total" -gt 0 ] && [ "$other" = 0 ]
  check $? "$sql" "calls to $VALIDATE_PATH SonarQube received after set-up (all from gateways)" \
    "> 0, each answered valid/invalid" "$total calls for $ntok distinct tokens through $ngw gateways" \
    "access log: $valid valid, $invalid invalid, $other other"
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
  # the unknown tokens too: a gateway must not log what it refused either
  while IFS= read -r f; do { cat "$f"; echo; } >> "$pat"; done < <(find "$WRONG_DIR" -type f -name '*.txt' 2>/dev/null)
  [ -s "$pat" ] || { rm -f "$pat"; return; }
  local dirs=("$SCANS" "$HOSTILE_DIR" "$E2E_WORK"/gateway-*.log "$E2E_WORK"/decisions-*.jsonl)
  for n in "${STARTED[@]:-}"; do [ -n "$n" ] && dirs+=("$(sq_home "$n")/logs"); done
  hits="$(grep -rlF -f "$pat" "${dirs[@]}" 2>/dev/null || true)"
  rm -f "$pat"
  if [ -z "$hits" ]; then check PASS all "no token (real or unknown) or password in server, gateway (decision logs too) or scanner logs" "none found" "none found"
  else check FAIL all "no token (real or unknown) or password in server, gateway (decision logs too) or scanner logs" "none found" "found in: $(echo "$hits" | tr '\n' ' ')"; fi
}

# --- main -----------------------------------------------------------------------------------

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(26.9 9.9 10.7)
for t in "${targets[@]}"; do case "$t" in 26.9|9.9|10.7) ;; *) log "unknown target $t (use 26.9, 9.9 and/or 10.7)"; exit 2;; esac; done
matrix_targets
want() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

# gateway flavours
if [ -n "${E2E_GATEWAYS:-}" ]; then
  read -r -a FLAVOURS <<<"$E2E_GATEWAYS"
  for f in "${FLAVOURS[@]}"; do
    [ -n "${FLAVOUR_OFFSET[$f]:-}" ] || { log "unknown gateway flavour '$f' in E2E_GATEWAYS (use jetty and/or netty)"; exit 2; }
  done
elif [ -s "${JAR[netty]}" ]; then
  FLAVOURS=(jetty netty)
else
  FLAVOURS=(jetty)
  log "note: no Netty gateway jar at ${JAR[netty]#"$ROOT"/}: testing the Jetty gateway only (E2E_GATEWAYS='jetty netty' makes a missing jar a failure)"
fi

mkdir -p "$SCANS"; chmod 755 "$E2E_WORK"
rm -f "$E2E_WORK"/gateway-*.log "$E2E_WORK"/decisions-*.jsonl "$E2E_WORK"/revocation-*.tsv
rm -rf "$HOSTILE_DIR"; mkdir -p "$HOSTILE_DIR"
printf 'PK\005\006%018d' 0 | tr 0 '\000' > "$EMPTY_ZIP"   # end-of-central-directory record only
rm -rf "$WRONG_DIR"; install -d -m 700 "$WRONG_DIR"
sq_require_tools || exit 1
command -v ss >/dev/null || { log "missing tool: ss (iproute2)"; exit 1; }
sq_ensure_user || exit 1
sq_ensure_sysctl || exit 1
log "work directory $E2E_WORK; targets ${targets[*]}; gateways ${FLAVOURS[*]} (engine $ENGINE); direct scans: $DIRECT_SCANS"

# 1. both servers at once (fetch + unzip + start run in the background)
for t in "${targets[@]}"; do
  case "$t" in
    26.9) bring_up_bg sq26 "$SQ26_VERSION" "$SQ26_PORT";;
    9.9) bring_up_bg sq99 "$SQ99_VERSION" "$SQ99_PORT";;
    10.7) bring_up_bg sq107 "$SQ107_VERSION" "$SQ107_PORT";;
  esac
done

# meanwhile: scanners in ~/.m2, the sample project compiled, the gateway jars
if scanner_cli_fetch "$CLI81" >/dev/null && scanner_cli_fetch "$CLI501" >/dev/null && scanner_maven_fetch "$MVN58"; then
  check PASS all "scanners fetched (CLI 8.1, CLI 5.0.1, Maven 5.8)" "in ~/.m2" "ok"
else
  check FAIL all "scanners fetched (CLI 8.1, CLI 5.0.1, Maven 5.8)" "in ~/.m2" "failed"
fi
if compile_sample; then check PASS all "sample project compiled (JDK 17)" "ok" "ok"
else check FAIL all "sample project compiled (JDK 17)" "ok" "failed: $E2E_WORK/compile.log"; fi
matrix_fetch
make_wrong_token
probes_compile
# the committed corpus is what its generator writes (runs while the servers start)
corpus_now="$(mktemp "$HOSTILE_DIR/corpus.XXXXXX")"
if "$GATEWAY_JAVA" "$ROOT/e2e/hostile/GenerateCorpus.java" "$corpus_now" > "$HOSTILE_DIR/generate.log" 2>&1 \
    && cmp -s "$corpus_now" "$CORPUS"; then
  check PASS all "hostile corpus e2e/hostile/corpus.tsv is what GenerateCorpus.java writes" "identical" \
    "identical ($(sed -n 's/.*: \([0-9]*\) cases$/\1/p' "$HOSTILE_DIR/generate.log") cases)"
else
  check FAIL all "hostile corpus e2e/hostile/corpus.tsv is what GenerateCorpus.java writes" "identical" \
    "differs or the generator failed (java e2e/hostile/GenerateCorpus.java e2e/hostile/corpus.tsv)"
fi
rm -f "$corpus_now"

waited=0
jars_missing() { local f; for f in "${FLAVOURS[@]}"; do [ -s "${JAR[$f]}" ] || return 0; done; return 1; }
while jars_missing && [ "$waited" -lt "${E2E_GATEWAY_WAIT:-0}" ]; do sleep 10; waited=$((waited + 10)); done
for f in "${FLAVOURS[@]}"; do
  if [ -s "${JAR[$f]}" ]; then
    # a private copy, so that a rebuild during the run cannot change the gateway under test
    if cp "${JAR[$f]}" "$E2E_WORK/$f-gateway.jar"; then
      ACTIVE+=("$f")
      check PASS all "[$f] gateway jar present" "${JAR[$f]#"$ROOT"/}" "present ($(stat -c %s "${JAR[$f]}") bytes)"
    else check FAIL all "[$f] gateway jar present" "${JAR[$f]#"$ROOT"/}" "copy failed"; fi
  else
    check FAIL all "[$f] gateway jar present (build: ./mvnw -B -ntp package -DskipTests)" "${JAR[$f]#"$ROOT"/}" "missing"
  fi
done

# 2. gateways (they need no upstream to start, so they warm up while SonarQube starts)
restricted_data="$E2E_WORK/policy-data-restricted.json"
printf '{"portcullis":{"sonarqube":{"config":{"allowed_project_keys":["%s"]}}}}\n' "$KEY_A" > "$restricted_data"
LAUNCHED=()
for f in "${ACTIVE[@]}"; do
  for t in "${targets[@]}"; do
    case "$t" in 26.9) n=sq26; up="http://127.0.0.1:$SQ26_PORT";; 9.9) n=sq99; up="http://127.0.0.1:$SQ99_PORT";;
      10.7) n=sq107; up="http://127.0.0.1:$SQ107_PORT";; esac
    gw_launch "$f" "$n" "" "$up" "${E2E_GATEWAY_DATA:-}" && LAUNCHED+=("$(gw_label "$f" "$n")")
    gw_launch "$f" "$n" restricted "$up" "$restricted_data" && LAUNCHED+=("$(gw_label "$f" "$n" restricted)")
  done
done
for l in "${LAUNCHED[@]:-}"; do [ -n "$l" ] && gw_wait "$l" && GW_UP[$l]=1; done
# 26.9's extra gateways, idle until their step (launched after the others are up, waited for once 26.9
# is UP): the context-path ones (the first flavour names the context path in --upstream, the others as
# context_path in the policy data) and the tiny-limit ones
EXTRA_GW=()
if want 26.9 && [ "${E2E_KEEP_SERVERS:-0}" != 1 ] && [ "$CONTEXT_PROOF" = 1 ]; then
  ctx_data="$E2E_WORK/policy-data-ctx.json"
  printf '{"portcullis":{"sonarqube":{"config":{"context_path":"%s"}}}}\n' "$CTX" > "$ctx_data"
  for f in "${ACTIVE[@]}"; do
    if [ "$f" = "${ACTIVE[0]}" ]; then gw_launch "$f" sq26 ctx "http://127.0.0.1:$SQ26_PORT$CTX"
    else gw_launch "$f" sq26 ctx "http://127.0.0.1:$SQ26_PORT" "$ctx_data"; fi && EXTRA_GW+=("$f ctx")
  done
fi
if want 26.9 && [ "$DENIAL_SCANS" = 1 ] && [ ${#ACTIVE[@]} -gt 0 ]; then
  tiny_data="$E2E_WORK/policy-data-tiny.json"
  printf '{"portcullis":{"sonarqube":{"config":{"max_report_bytes":%s}}}}\n' "$TINY_REPORT_BYTES" > "$tiny_data"
  for f in $(printf '%s\n' "$(denial_flavour cli8.1)" "$(denial_flavour maven5.8)" | sort -u); do
    gw_launch "$f" sq26 tiny "http://127.0.0.1:$SQ26_PORT" "$tiny_data" && EXTRA_GW+=("$f tiny")
  done
fi
for f in "${ACTIVE[@]}"; do
  for t in "${targets[@]}"; do
    case "$t" in 26.9) n=sq26;; 9.9) n=sq99;; 10.7) n=sq107;; esac
    kinds="${GW_KIND[$(gw_label "$f" "$n")]:-?}/${GW_KIND[$(gw_label "$f" "$n" restricted)]:-?}"
    gw_ok "$f" "$n" && gw_ok "$f" "$n" restricted
    check $? "$t" "[$f] gateways started (default :$(gw_port "$f" "$n"), restricted :$(gw_port "$f" "$n" restricted))" "listening" \
      "$(if gw_ok "$f" "$n" && gw_ok "$f" "$n" restricted; then echo "listening ($kinds start-up line)"; else echo "failed ($kinds), see $E2E_WORK/gateway-$f-$n*.log"; fi)"
  done
done
extra_gateways_wait() {
  local l f v
  for l in "${EXTRA_GW[@]:-}"; do
    [ -n "$l" ] || continue
    f="${l% *}"; v="${l#* }"
    gw_wait "$(gw_label "$f" sq26 "$v")" && GW_UP[$(gw_label "$f" sq26 "$v")]=1
    gw_ok "$f" sq26 "$v"
    check $? 26.9 "[$l] gateway started (:$(gw_port "$f" sq26 "$v"))" "listening" \
      "$(if gw_ok "$f" sq26 "$v"; then echo listening; else echo "failed, see $(gw_log "$f" sq26 "$v")"; fi)"
  done
}

# server_ready TARGET NAME BRINGUP_PID -> waits for the bring-up, sets up projects and tokens
server_ready() {
  local t="$1" n="$2" p="$3" rc
  wait "$p"; rc=$?
  if [ $rc = 127 ] && [ -s "$E2E_WORK/$n.bringup-rc" ]; then rc="$(cat "$E2E_WORK/$n.bringup-rc")"; fi
  if [ "$rc" != 0 ]; then
    check FAIL "$t" "SonarQube $t fetched, started on loopback as '$SQ_USER', UP" "UP" "failed (stage $rc)"
    sq_tail_logs "$n" 30 2>&1 | tail -60 >&2
    return 1
  fi
  check PASS "$t" "SonarQube $t fetched, started on loopback as '$SQ_USER', UP" "UP" "UP $(cat "$E2E_WORK/$n.up-after" 2>/dev/null) s into the run"
  if setup_server "$n" "$t"; then
    check PASS "$t" "admin password set; projects A, B; tokens sqp_(A), sqa_, squ_" "created" "created"
    SETUP_LINES[$n]="$(access_lines "$n")"
  else
    check FAIL "$t" "admin password set; projects A, B; tokens sqp_(A), sqa_, squ_" "created" "failed (HTTP $SQ_LAST_STATUS)"
    return 1
  fi
}

# Phase A of a server: scans, refusals, the wrong-token proof, the revocation proof started in the
# background, then the auth probes while it waits. Phase B: the revocation result, then the throttle
# proof (last on the default gateways: it blocks 127.0.0.1 for up to a minute).
phase_a() { # NAME SQLABEL
  local n="$1" sql="$2"
  ready_checks "$n" "$sql"
  if [ "$sql" = 9.9 ]; then
    SCANNER_TOKEN_PROP=sonar.login good_scan "$n" "$sql" cli5.0.1 cli "$CLI501"
    metrics_checks "$n" "$sql"
    sensitive_probes "$n" "$sql"
    SCANNER_TOKEN_PROP=sonar.login scan_project_b "$n" "$sql" cli5.0.1 cli "$CLI501"
    hostile_checks "$n" "$sql"
  else
    good_scan "$n" "$sql" cli8.1 cli "$CLI81"
    good_scan "$n" "$sql" maven5.8 maven "$MVN58"
    metrics_checks "$n" "$sql"
    sensitive_probes "$n" "$sql"
    scan_project_b "$n" "$sql" cli8.1 cli "$CLI81"
    hostile_checks "$n" "$sql"
  fi
  matrix_cells "$n" "$sql"
  wrong_token_proof "$n" "$sql"
  revocation_start "$n" "$sql"
  auth_probes "$n" "$sql"
  denials_early "$n" "$sql"
}
phase_b() { # NAME SQLABEL
  revocation_collect "$1" "$2"
  throttle_proof "$1" "$2"
  denials_throttled "$1" "$2"
}

# 3.-9. 9.9 first: it is UP about a minute before 26.9, so its scans run while 26.9 is still
# starting (the direct/gateway timings of one scanner are still taken back to back). Each server's
# revocation wait overlaps the other server's work.
declare -A BRINGUP=(); i=0
for t in "${targets[@]}"; do BRINGUP[$t]="${BG_PIDS[$i]}"; i=$((i + 1)); done
A99=0; A26=0
if want 9.9 && server_ready 9.9 sq99 "${BRINGUP[9.9]}"; then phase_a sq99 9.9; A99=1; fi
matrix_server_107
if want 26.9 && server_ready 26.9 sq26 "${BRINGUP[26.9]}"; then extra_gateways_wait; phase_a sq26 26.9; A26=1; fi
BG_PIDS=()
if [ $A99 = 1 ]; then
  phase_b sq99 9.9
  # everything else on 9.9 is done: stop it (26.9's revocation wait may still be running)
  outage_proof sq99 9.9
  [ "${E2E_KEEP_SERVERS:-0}" = 1 ] || denials_down sq99 9.9 "$(tok_a sq99)"
fi
if [ $A26 = 1 ]; then
  phase_b sq26 26.9
  # 26.9 is done with: the 5xx denial scans while it is down, then the context path (step 8b)
  if [ "${E2E_KEEP_SERVERS:-0}" != 1 ] && { [ "$DENIAL_SCANS" = 1 ] || [ "$CONTEXT_PROOF" = 1 ]; }; then
    outage_tok="$(sq_secrets sq26)/token-outage.txt"
    if [ "$DENIAL_SCANS" = 1 ]; then
      sq_generate_token_file sq26 GLOBAL_ANALYSIS_TOKEN "e2e-outage-$(date +%s)-$RANDOM" "$outage_tok" && note_tok sq26 outage
    fi
    log "sq26: stopping SonarQube 26.9 (its 5xx denial scans, then its restart under $CTX)"
    sq_stop sq26
    [ "$DENIAL_SCANS" = 1 ] && denials_down sq26 26.9 "$outage_tok"
    if [ "$CONTEXT_PROOF" = 1 ] && context_restart sq26 26.9; then context_path_proofs sq26 26.9; fi
  fi
fi

[ $A26 = 1 ] && validation_report sq26 26.9
[ $A99 = 1 ] && validation_report sq99 9.9
leak_check
exit 0   # the EXIT trap tears down, prints the summary and sets the exit status
