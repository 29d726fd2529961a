#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Portcullis load benchmark: wrk on loopback against the same allowed scanner calls made
#   - directly to the upstream,
#   - through nginx as the reverse proxy a user would otherwise write (scanner allow-list plus
#     auth_request to /api/authentication/validate, nginx-scanner-proxy.conf.template),
#   - through a plain nginx reverse proxy (no allow-list, no auth; the large-download baseline),
#   - through the Jetty gateway and the Netty gateway (skipped while its jar is missing).
#
# Part 1, throughput: a fast static upstream (nginx serving generated files at scanner paths and
#   answering /api/authentication/validate) and two workloads:
#     small  GET /api/settings/values.protobuf?component=demo   (SMALL_BYTES, default 4 KiB)
#     large  GET /api/plugins/download?plugin=java              (LARGE_MB MiB, default 20)
# Part 2, auth cost (SONAR=1): the small call against a real SonarQube 26.9 with a real project
#   analysis token: direct, nginx + auth_request, Jetty gateway, Netty gateway.
#
# Each row is checked with curl before it is measured (200 and the exact body size; the rows that
# authenticate must also answer 401 to a wrong token and 403 to /api/users/search), the JVM
# gateways get an unrecorded warm-up run per workload (SonarQube one before part 2), wrk must
# report no non-2xx response and no socket error, and the peak RSS of the proxy (nginx: master +
# workers; a gateway: its java process) is sampled from /proc during the measured run. A row that
# fails a check is reported as FAILED with the reason.
#
# The gateways are started by the systemd launcher (examples/systemd/portcullis-gateway), so they
# run with its default JVM options, whatever they are (read from /proc and printed, never copied
# here). For each gateway the report has the time from its launch to its "listening on" line and to
# its first 200 on the small call, and its VmRSS and VmHWM after the load. A launch that makes the
# launcher's class-data archive (the first for a jar) is timed apart, stopped and launched again, so
# "ready" is what every later start takes. Then a target table
# (issue 14) with PASS/MISS: Netty >= 0.75x plain nginx req/s on the small call and >= 1.0x its MB/s
# on the large download, Jetty >= 0.4x plain nginx on the small call, each gateway's VmHWM <= 160
# MiB and first 200 within 1 s of the launch. Prints Markdown and writes it to
# benchmarks/target/load-summary.md; raw wrk output, logs and rendered configs go to
# benchmarks/target/load/.
#
# Usage (root: installs wrk, nginx and njs with apt-get when missing; never touches the system
# nginx service, every nginx runs with its own prefix and config on loopback):
#   benchmarks/load/run-load.sh                                   # full run (several minutes)
#   SONAR=0 benchmarks/load/run-load.sh                           # the issue-14 targets only (~7 min)
#   DURATION=3s WARMUP=1s SONAR=0 benchmarks/load/run-load.sh     # smoke run
# Without root, install first: apt-get install -y wrk nginx libnginx-mod-http-js (Debian/Ubuntu).
# Env:
#   DURATION (20s), WARMUP (30s; 0 = none)     wrk durations of a measured run / a JVM warm-up
#                             (30 s: after 10 s the JIT still compiled the Jetty gateway for 40% of a
#                             core, and its measured CPU per call was twice its steady state)
#   SMALL_THREADS (2), SMALL_CONNECTIONS (32)  wrk -t/-c of the small workload
#   LARGE_THREADS (2), LARGE_CONNECTIONS (4)   wrk -t/-c of the large workload
#   SMALL_TIMEOUT (10s), LARGE_TIMEOUT (60s)   wrk --timeout (a slower response counts as an error)
#   SMALL_BYTES (4096), LARGE_MB (20)          sizes of the generated files
#   ROWS (direct,nginx-auth,nginx-plain,jetty,netty)   rows to run, comma-separated; add
#                             jetty-layers for what each layer of the Jetty gateway costs (small call
#                             only; needs examples/jetty-gateway's test classes and Jetty's
#                             jetty-proxy jar in ~/.m2, both there after ./mvnw verify)
#   SONAR (1)                 0 skips part 2
#   SONAR_URL                 use this SonarQube (http://HOST:PORT, no context path) instead of
#                             starting one; then SONAR_TOKEN_FILE (a file holding an analysis token)
#                             and SONAR_PROJECT (a project key that token can analyse) are required
#   LOAD_SQ_WORK (/tmp/portcullis-load-sq), LOAD_SQ_PORT (19426), LOAD_SQ_KEEP (0)
#                             where the started SonarQube lives (reused by the next run), its web
#                             port (+100 search, +200 H2), and 1 = leave it running at the end
#   LOAD_PORT_BASE (28400)    loopback ports: base+0 static upstream, +1 nginx auth, +2 nginx plain,
#                             +3 Jetty, +4 Netty, +5 to +7 jetty-layers; part 2 uses base+11, +13, +14
#   JETTY_JAR, NETTY_JAR      default examples/{jetty,netty}-gateway/target/{jetty,netty}-gateway.jar
#   GATEWAY_JAVA (java)       the java binary the launcher runs (its JAVA)
#   GATEWAY_JAVA_OPTS ("")    JVM options instead of the launcher's defaults (its PORTCULLIS_JAVA_OPTS);
#                             empty = the defaults, which is what the memory and ready targets mean
#   LAUNCHER (examples/systemd/portcullis-gateway)   the script that starts a gateway
#   TARGET_RSS_MIB (160), TARGET_READY_MS (1000)      the memory and start targets
# Exit status: 0 when no row FAILED (SKIPPED rows are fine; a MISS is a figure, not a failure), 1
# otherwise, 2 on a setup error.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-30s}"
SMALL_THREADS="${SMALL_THREADS:-2}"; SMALL_CONNECTIONS="${SMALL_CONNECTIONS:-32}"
LARGE_THREADS="${LARGE_THREADS:-2}"; LARGE_CONNECTIONS="${LARGE_CONNECTIONS:-4}"
SMALL_TIMEOUT="${SMALL_TIMEOUT:-10s}"; LARGE_TIMEOUT="${LARGE_TIMEOUT:-60s}"
SMALL_BYTES="${SMALL_BYTES:-4096}"; LARGE_MB="${LARGE_MB:-20}"
LARGE_BYTES=$(( LARGE_MB * 1024 * 1024 ))
ROWS="${ROWS:-direct,nginx-auth,nginx-plain,jetty,netty}"
SONAR="${SONAR:-1}"
SONAR_URL="${SONAR_URL:-}"
LOAD_SQ_WORK="${LOAD_SQ_WORK:-/tmp/portcullis-load-sq}"
LOAD_SQ_PORT="${LOAD_SQ_PORT:-19426}"
LOAD_SQ_KEEP="${LOAD_SQ_KEEP:-0}"
SQ_VERSION=26.9.0.129388
SQ_NAME=sqload
SQ_PROJECT_DEFAULT=portcullis-load
PORT_BASE="${LOAD_PORT_BASE:-28400}"
JETTY_JAR="${JETTY_JAR:-$ROOT/examples/jetty-gateway/target/jetty-gateway.jar}"
NETTY_JAR="${NETTY_JAR:-$ROOT/examples/netty-gateway/target/netty-gateway.jar}"
GATEWAY_JAVA="${GATEWAY_JAVA:-java}"
LAUNCHER="${LAUNCHER:-$ROOT/examples/systemd/portcullis-gateway}"
TARGET_RSS_MIB="${TARGET_RSS_MIB:-160}"; TARGET_READY_MS="${TARGET_READY_MS:-1000}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-}"

OUT="$ROOT/benchmarks/target"
RAW="$OUT/load"
SUMMARY="$OUT/load-summary.md"
SMALL_PATH="/api/settings/values.protobuf?component=demo"
LARGE_PATH="/api/plugins/download?plugin=java"
DENIED_PATH="/api/users/search?q=a"
WRONG_TOKEN="sqp_0000000000000000000000000000000000000000"

log() { printf '[load %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }
row_enabled() { [[ ",$ROWS," == *",$1,"* ]]; }
warmup_enabled() { [[ ! "$WARMUP" =~ ^0+[a-z]*$ ]]; }

# --- teardown (every exit) -----------------------------------------------------------------

WORK=""
PROCS=()            # "pid label" of every process this script started (nginx masters, gateways)
SAMPLER_PID=""
WATCHER_PID=""      # the subshell watching a starting gateway's log for its ready line
SQ_STARTED=0
POLICY_RC_CREATED=0
FINISHING=0

# stop_proc PID: TERM, wait up to 10 s, then KILL it and the children it had (nginx workers).
stop_proc() {
  local pid="$1" children i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  children="$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')"
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop on TERM; killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  for i in $children; do kill -0 "$i" 2>/dev/null && kill -KILL "$i" 2>/dev/null; done
  return 0
}

# forget_proc PID: stop it and drop it from PROCS.
forget_proc() {
  local pid="$1" keep=() e
  stop_proc "$pid"
  for e in "${PROCS[@]:-}"; do [ -n "$e" ] && [ "${e%% *}" != "$pid" ] && keep+=("$e"); done
  PROCS=("${keep[@]:-}")
}

# shellcheck disable=SC2317  # invoked through the EXIT trap
teardown() {
  local e
  [ -n "$SAMPLER_PID" ] && { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; }
  [ -n "$WATCHER_PID" ] && { kill "$WATCHER_PID" 2>/dev/null; wait "$WATCHER_PID" 2>/dev/null; }
  for e in "${PROCS[@]:-}"; do [ -n "$e" ] && { log "stopping ${e#* } (pid ${e%% *})"; stop_proc "${e%% *}"; }; done
  PROCS=()
  if [ "$SQ_STARTED" = 1 ]; then
    if [ "$LOAD_SQ_KEEP" = 1 ]; then log "LOAD_SQ_KEEP=1: leaving SonarQube running at $(sq_url "$SQ_NAME")"
    else log "stopping SonarQube"; sq_stop "$SQ_NAME"; fi
  fi
  if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  [ -n "$WORK" ] && [ -d "$WORK" ] && rm -rf "$WORK"
  local p busy=""
  for p in $(seq "$PORT_BASE" $((PORT_BASE + 14))); do
    port_free "$p" || busy+="$p "
  done
  if [ -n "$busy" ]; then log "WARNING: still listening after teardown on port(s) $busy(not necessarily ours)"
  else log "teardown done: nothing listens on ports $PORT_BASE-$((PORT_BASE + 14))"; fi
}

# shellcheck disable=SC2317
finish() {
  local rc=$?
  [ "$FINISHING" = 1 ] && return; FINISHING=1
  trap - INT TERM
  teardown
  exit "$rc"
}
trap finish EXIT
trap 'log "interrupted"; exit 130' INT TERM

# --- tools ---------------------------------------------------------------------------------

njs_module_path() {
  local dir
  dir="$(nginx -V 2>&1 | tr ' ' '\n' | sed -n 's/^--modules-path=//p')"
  printf '%s/ngx_http_js_module.so' "${dir:-/usr/lib/nginx/modules}"
}

ensure_tools() {
  local t
  for t in curl ss pgrep awk base64 "$GATEWAY_JAVA"; do
    command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
  done
  if command -v wrk >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 && [ -f "$(njs_module_path)" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "wrk, nginx or the njs module is missing; run as root (apt-get install -y wrk nginx libnginx-mod-http-js)"
  # Installing the nginx package must not start the system service: Debian asks policy-rc.d.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && POLICY_RC_CREATED=1
  fi
  log "installing wrk, nginx and libnginx-mod-http-js with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk nginx libnginx-mod-http-js \
      > "$RAW/apt-get.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >> "$RAW/apt-get.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk nginx libnginx-mod-http-js \
      >> "$RAW/apt-get.log" 2>&1 || die "apt-get install failed (see $RAW/apt-get.log)"
  fi
  if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
  if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then die "wrk or nginx still missing after apt-get"; fi
}

# --- results -------------------------------------------------------------------------------

RESULTS=""          # TSV: section row workload status rps p50_ms p99_ms mbps rss_mib errors
NOTES=()
FAILED_ROWS=0

# record SECTION ROW WORKLOAD STATUS REQ/S P50 P99 MB/S PEAK_RSS ERRORS|REASON CPU_PER_REQUEST
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"; }
record_failed() { # SECTION ROW WORKLOAD REASON
  record "$1" "$2" "$3" FAILED - - - - - "$4" -; FAILED_ROWS=$((FAILED_ROWS + 1))
  log "FAILED: $2 / $3: $4"
}
record_skipped() { record "$1" "$2" "$3" SKIPPED - - - - - "$4" -; log "SKIPPED: $2 / $3: $4"; }

# --- processes -----------------------------------------------------------------------------

port_free() { [ -z "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; }

# wait_listen PID PORT SECONDS LOG -> 0 once PORT listens while PID lives
wait_listen() {
  local pid="$1" port="$2" secs="$3" logf="$4" i
  for i in $(seq 1 $((secs * 5))); do
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited; last lines of $logf:"; tail -n 15 "$logf" >&2; return 1; }
    port_free "$port" || return 0
    sleep 0.2
  done
  log "process $pid not listening on $port after ${secs}s; last lines of $logf:"; tail -n 15 "$logf" >&2
  return 1
}

# start_nginx NAME TEMPLATE PORT [sed expressions...] -> sets STARTED_PID; 0 when listening
start_nginx() {
  local name="$1" template="$2" port="$3"; shift 3
  local prefix="$WORK/nginx-$name" args=() e
  STARTED_PID=""
  port_free "$port" || { START_ERROR="port $port is taken by another process"; return 1; }
  rm -rf "$prefix"; mkdir -p "$prefix/conf" "$prefix/logs"
  args=(-e "s|@PREFIX@|$prefix|g" -e "s|@LISTEN@|127.0.0.1:$port|g" -e "s|@NJS_MODULE@|$(njs_module_path)|g"
        -e "s|@SCANNER_AUTH_JS@|$HERE/scanner-auth.js|g")
  for e in "$@"; do args+=(-e "$e"); done
  sed "${args[@]}" "$template" > "$prefix/conf/nginx.conf"
  if ! nginx -t -q -p "$prefix" -c "$prefix/conf/nginx.conf" -e "$prefix/logs/error.log" > "$prefix/logs/test.log" 2>&1; then
    START_ERROR="nginx -t failed: $(head -c 300 "$prefix/logs/test.log" | tr '\n' ' ')"; return 1
  fi
  nginx -p "$prefix" -c "$prefix/conf/nginx.conf" -e "$prefix/logs/error.log" \
    > "$prefix/logs/stdout.log" 2>&1 < /dev/null &
  STARTED_PID=$!
  PROCS+=("$STARTED_PID nginx-$name")
  if ! wait_listen "$STARTED_PID" "$port" 10 "$prefix/logs/error.log"; then
    START_ERROR="nginx $name did not start: $(tail -n 3 "$prefix/logs/error.log" | tr '\n' ' ')"; return 1
  fi
  log "nginx $name: pid $STARTED_PID on 127.0.0.1:$port"
}

# start_gateway LABEL FLAVOUR JAR PORT UPSTREAM_URL PROBE_PATH AUTHORIZATION PROBE_BYTES
#   -> sets STARTED_PID, READY_LINE_MS, READY_MS and FIRST_LAUNCH_MS; 0 once PROBE_PATH answers 200
#   with PROBE_BYTES.
# The gateway is started by the launcher (LAUNCHER), so it runs with the launcher's default JVM
# options unless GATEWAY_JAVA_OPTS is set (then passed as PORTCULLIS_JAVA_OPTS, which replaces them).
# The launcher execs java, so STARTED_PID is the JVM. READY_LINE_MS: from the start until the
# gateway's "listening on" line is in its log ("-" if it never shows); READY_MS: until the first
# successful call (polled every 20 ms, so both are up to ~20 ms plus a curl start late).
# When the launcher first makes its class-data archive (a training run on the same port, once per
# jar, JDK and options), that launch is timed until its own gateway answers (FIRST_LAUNCH_MS),
# stopped, and the gateway launched again: the measured start is the one every later start is.
start_gateway() {
  FIRST_LAUNCH_MS="-"
  launch_gateway "$@" || return 1
  grep -q 'creating the class-data archive' "$RAW/gateway-$1.log" || return 0
  FIRST_LAUNCH_MS="$READY_MS"
  log "gateway $1: first launch made the class-data archive, ready after ${FIRST_LAUNCH_MS} ms; launching again"
  forget_proc "$STARTED_PID"
  launch_gateway "$@"
}

# launch_gateway: start_gateway's arguments and results, one launch.
launch_gateway() {
  local label="$1" flavour="$2" jar="$3" port="$4" upstream="$5" probe_path="$6" auth="$7" bytes="$8"
  local home="$WORK/home-$1"
  local env_args=(-u PORTCULLIS_JAVA_OPTS "PORTCULLIS_HOME=$home" "JAVA=$(command -v "$GATEWAY_JAVA")")
  [ -n "$GATEWAY_JAVA_OPTS" ] && env_args+=("PORTCULLIS_JAVA_OPTS=$GATEWAY_JAVA_OPTS")
  # The launcher looks for <flavour>-gateway.jar in PORTCULLIS_HOME first.
  rm -rf "$home"; mkdir -p "$home"; ln -s "$jar" "$home/$flavour-gateway.jar"
  spawn_jvm "$label" "$port" "$probe_path" "$auth" "$bytes" \
    env "${env_args[@]}" "$LAUNCHER" --flavour "$flavour" --upstream "$upstream" --listen "127.0.0.1:$port" || return 1
  GATEWAY_OPTS_USED="$(jvm_options "$STARTED_PID")"
  log "gateway $label: pid $STARTED_PID on 127.0.0.1:$port -> $upstream; ready line after ${READY_LINE_MS} ms, first 200 after ${READY_MS} ms; JVM options: $GATEWAY_OPTS_USED"
}

# spawn_jvm LABEL PORT PROBE_PATH AUTHORIZATION BYTES COMMAND... -> STARTED_PID (COMMAND must exec
# the JVM), READY_LINE_MS and READY_MS; 0 once PROBE_PATH answers 200 with BYTES. Its output goes to
# $RAW/gateway-LABEL.log.
spawn_jvm() {
  local label="$1" port="$2" probe_path="$3" auth="$4" bytes="$5"; shift 5
  local glog="$RAW/gateway-$label.log" line_at="$WORK/ready-line-$label" t0 watcher
  STARTED_PID=""; READY_LINE_MS="-"; READY_MS="-"
  port_free "$port" || { START_ERROR="port $port is taken by another process"; return 1; }
  : > "$glog"; rm -f "$line_at"
  # The ready line is watched apart from the 200 polling: the first call can take a while.
  ( while ! grep -q 'listening on' "$glog" 2>/dev/null; do sleep 0.02; done; date +%s%N > "$line_at" ) &
  watcher=$!; WATCHER_PID=$watcher
  t0="$(date +%s%N)"
  "$@" > "$glog" 2>&1 < /dev/null &
  STARTED_PID=$!
  PROCS+=("$STARTED_PID gateway-$label")
  poll_ready "$STARTED_PID" "$t0" "$port" "$probe_path" "$auth" "$bytes" "$glog" "$line_at"
  local rc=$?
  kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null; WATCHER_PID=""
  [ -s "$line_at" ] && READY_LINE_MS=$(( ($(cat "$line_at") - t0) / 1000000 ))
  [ "$rc" = 0 ]
}

# poll_ready PID T0_NS PORT PATH AUTHORIZATION BYTES LOG READY_LINE_FILE -> 0 and READY_MS once PATH
# answers 200 with BYTES; PATH is asked only once READY_LINE_FILE is written (the gateway's own
# "listening on" line: a launcher's training run answers on the same port before the gateway does,
# and logs elsewhere); or 1 and START_ERROR (the process exited, or 120 s passed).
poll_ready() {
  local pid="$1" t0="$2" port="$3" probe_path="$4" auth="$5" bytes="$6" glog="$7" line_at="$8" now got
  while :; do
    now="$(date +%s%N)"
    if ! kill -0 "$pid" 2>/dev/null; then
      START_ERROR="gateway exited (log $glog): $(tail -n 2 "$glog" | tr '\n' ' ' | head -c 300)"; return 1
    fi
    if [ $(( (now - t0) / 1000000000 )) -ge 120 ]; then
      START_ERROR="gateway not answering $probe_path with 200 after 120 s (log $glog): $(tail -n 2 "$glog" | tr '\n' ' ' | head -c 300)"
      return 1
    fi
    if [ -s "$line_at" ] && ! port_free "$port"; then
      got="$(http_probe "http://127.0.0.1:$port$probe_path" "$auth")"
      if [ "$got" = "200 $bytes" ]; then
        READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
        return 0
      fi
    fi
    sleep 0.02
  done
}

# jvm_options PID: the JVM's command-line options (between the java binary and -jar) as run,
# after the MALLOC_* and JAVA_TOOL_OPTIONS variables of its environment (a launcher may set them).
jvm_options() {
  { tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | grep -E '^(MALLOC_[A-Z_]+|JAVA_TOOL_OPTIONS)='
    tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | awk 'NR > 1 && $0 == "-jar" { exit } NR > 1 { print }'
  } | paste -sd ' ' -
}

# Peak RSS: poll VmRSS (kB) of the given pids every 0.2 s and keep the largest sum in OUTFILE.
rss_sampler() {
  local outf="$1"; shift
  local max=0 sum p k v _
  while :; do
    sum=0
    for p in "$@"; do
      while read -r k v _; do
        [ "$k" = VmRSS: ] && { sum=$((sum + v)); break; }
      done < "/proc/$p/status" 2>/dev/null
    done
    if [ "$sum" -gt "$max" ]; then max=$sum; echo "$max" > "$outf"; fi
    sleep 0.2
  done
}
# cpu_ticks PID...: user + system CPU time the processes have used so far, in clock ticks (CLK_TCK)
cpu_ticks() {
  local p sum=0 f
  for p in "$@"; do
    f="$(cat "/proc/$p/stat" 2>/dev/null)" || continue
    f="${f##*) }"   # after the command name, which may hold spaces; utime and stime are then fields 12 and 13
    sum=$(( sum + $(awk '{ print $12 + $13 }' <<< "$f") ))
  done
  echo "$sum"
}
CLK_TCK="$(getconf CLK_TCK)"

# pids of a process and its children (an nginx master and its workers)
proc_tree() { printf '%s ' "$1"; pgrep -P "$1" 2>/dev/null | tr '\n' ' '; }
vm_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
vm_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# --- checks and measurements ---------------------------------------------------------------

# http_probe URL AUTHORIZATION -> prints "STATUS BYTES" (the header goes through curl's config on
# stdin, never on the command line)
http_probe() {
  local url="$1" auth="$2" cfg=""
  [ -n "$auth" ] && cfg="header = \"Authorization: $auth\""
  printf '%s\n' "$cfg" | curl -s -o /dev/null -w '%{http_code} %{size_download}' -K - --max-time 60 "$url" 2>/dev/null \
    || true
}

# check_row BASE_URL PATH AUTHORIZATION EXPECTED_BYTES STRICT(0|1) -> 0, or 1 with CHECK_ERROR.
# STRICT=1 (rows that authenticate): also 401 for a wrong token and 403 for a denied endpoint.
check_row() {
  local base="$1" path="$2" auth="$3" bytes="$4" strict="$5" got
  got="$(http_probe "$base$path" "$auth")"
  [ "$got" = "200 $bytes" ] || { CHECK_ERROR="check: GET $path answered '${got:-no answer}', expected '200 $bytes' (status, bytes)"; return 1; }
  [ "$strict" = 1 ] || return 0
  got="$(http_probe "$base$path" "Bearer $WRONG_TOKEN")"
  [ "${got%% *}" = 401 ] || { CHECK_ERROR="check: a wrong token got ${got%% *} on $path, expected 401"; return 1; }
  got="$(http_probe "$base$DENIED_PATH" "$auth")"
  [ "${got%% *}" = 403 ] || { CHECK_ERROR="check: GET ${DENIED_PATH%%\?*} got ${got%% *}, expected 403"; return 1; }
  return 0
}

# run_wrk OUTFILE THREADS CONNECTIONS DURATION TIMEOUT URL AUTHORIZATION
run_wrk() {
  local outf="$1" t="$2" c="$3" d="$4" to="$5" url="$6" auth="$7"
  LOAD_AUTHORIZATION="$auth" wrk -t"$t" -c"$c" -d"$d" --timeout "$to" --latency -s "$HERE/report.lua" "$url" \
    > "$outf" 2>&1 < /dev/null
}

# measure SECTION ROW KEY WORKLOAD BASE_URL AUTHORIZATION JVM(0|1) STRICT(0|1) RSS_PID...
# RSS_PID "-" = do not report RSS.
measure() {
  local section="$1" row="$2" key="$3" workload="$4" base="$5" auth="$6" jvm="$7" strict="$8"; shift 8
  local path bytes t c to tag outf rssf
  case "$workload" in
    small) path="$SMALL_PATH"; bytes="$SMALL_BYTES"; t="$SMALL_THREADS"; c="$SMALL_CONNECTIONS"; to="$SMALL_TIMEOUT";;
    large) path="$LARGE_PATH"; bytes="$LARGE_BYTES"; t="$LARGE_THREADS"; c="$LARGE_CONNECTIONS"; to="$LARGE_TIMEOUT";;
    sq-small) path="$SQ_PATH"; bytes="$SQ_BYTES"; t="$SMALL_THREADS"; c="$SMALL_CONNECTIONS"; to="$SMALL_TIMEOUT"; workload=small;;
  esac
  tag="$section-$key-$workload"
  if ! check_row "$base" "$path" "$auth" "$bytes" "$strict"; then
    record_failed "$section" "$row" "$workload" "$CHECK_ERROR"; return 1
  fi
  if [ "$jvm" = 1 ] && warmup_enabled; then
    log "$row / $workload: warm-up $WARMUP (not recorded)"
    run_wrk "$RAW/wrk-$tag-warmup.txt" "$t" "$c" "$WARMUP" "$to" "$base$path" "$auth"
  fi
  outf="$RAW/wrk-$tag.txt"; rssf="$WORK/rss-$tag"
  rm -f "$rssf"
  local cpu0=""
  if [ "$1" != - ]; then
    rss_sampler "$rssf" "$@" & SAMPLER_PID=$!
    cpu0="$(cpu_ticks "$@")"
  fi
  log "$row / $workload: wrk -t$t -c$c -d$DURATION $path"
  run_wrk "$outf" "$t" "$c" "$DURATION" "$to" "$base$path" "$auth"
  local wrk_rc=$? cpu1=""
  [ -n "$cpu0" ] && cpu1="$(cpu_ticks "$@")"
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""; fi
  local line; line="$(grep '^LOAD_RESULT ' "$outf" | tail -n 1)"
  if [ -z "$line" ]; then
    record_failed "$section" "$row" "$workload" "wrk exit $wrk_rc, no result line: $(head -c 200 "$outf" | tr '\n' ' ')"; return 1
  fi
  local r_requests=0 r_bytes=0 r_duration_us=0 r_p50_us=0 r_p99_us=0 r_connect=0 r_read=0 r_write=0 r_status=0 r_timeout=0 kv
  for kv in ${line#LOAD_RESULT }; do
    case "${kv%%=*}" in
      requests|bytes|duration_us|p50_us|p99_us|connect|read|write|status|timeout)
        [[ "${kv#*=}" =~ ^[0-9]+$ ]] && printf -v "r_${kv%%=*}" '%s' "${kv#*=}";;
    esac
  done
  local errs=""
  [ "$r_status" -gt 0 ] && errs+="$r_status non-2xx/3xx; "
  [ "$r_connect" -gt 0 ] && errs+="$r_connect connect errors; "
  [ "$r_read" -gt 0 ] && errs+="$r_read read errors; "
  [ "$r_write" -gt 0 ] && errs+="$r_write write errors; "
  [ "$r_timeout" -gt 0 ] && errs+="$r_timeout timeouts (> $to); "
  [ "$r_requests" -gt 0 ] || errs+="no request completed; "
  if [ -z "$errs" ] && [ "$r_bytes" -lt $(( r_requests * bytes )) ]; then
    errs+="short responses ($r_bytes bytes for $r_requests requests of $bytes); "
  fi
  if [ -n "$errs" ]; then record_failed "$section" "$row" "$workload" "wrk: ${errs%; }"; return 1; fi
  local rss="-"
  [ -s "$rssf" ] && rss="$(awk -v k="$(cat "$rssf")" 'BEGIN { printf "%.0f MiB", k / 1024 }')"
  local rps p50 p99 mbps
  rps="$(awk -v r="$r_requests" -v d="$r_duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
  p50="$(awk -v u="$r_p50_us" 'BEGIN { printf "%.2f ms", u / 1000 }')"
  p99="$(awk -v u="$r_p99_us" 'BEGIN { printf "%.2f ms", u / 1000 }')"
  mbps="$(awk -v b="$r_bytes" -v d="$r_duration_us" 'BEGIN { printf "%.1f", b / (d / 1e6) / 1e6 }')"
  local cpu="-"
  [ -n "$cpu1" ] && cpu="$(awk -v t="$((cpu1 - cpu0))" -v hz="$CLK_TCK" -v r="$r_requests" 'BEGIN { printf "%.1f µs", t / hz * 1e6 / r }')"
  record "$section" "$row" "$workload" OK "$rps" "$p50" "$p99" "$mbps" "$rss" 0 "$cpu"
  log "$row / $workload: $rps req/s, p50 $p50, p99 $p99, $mbps MB/s, peak RSS $rss, proxy CPU $cpu per request"
}

# run_row SECTION ROW KEY BASE_URL AUTH JVM STRICT PROC_PID WORKLOAD...
run_row() {
  local section="$1" row="$2" key="$3" base="$4" auth="$5" jvm="$6" strict="$7" pid="$8" w; shift 8
  local pids=(-)
  [ "$pid" != - ] && read -r -a pids <<< "$(proc_tree "$pid")"
  for w in "$@"; do
    measure "$section" "$row" "$key" "$w" "$base" "$auth" "$jvm" "$strict" "${pids[@]}"
  done
  if [ "$jvm" = 1 ] && [ "$pid" != - ]; then
    # After the load: resident now, and the peak over the JVM's whole life (start, warm-ups, runs).
    local hwm rss; hwm="$(vm_hwm_kb "$pid")"; rss="$(vm_rss_kb "$pid")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$key" "$READY_LINE_MS" "$READY_MS" \
      "${rss:--}" "${hwm:--}" "$GATEWAY_OPTS_USED" "$FIRST_LAUNCH_MS" >> "$GATEWAYS"
  fi
}

# gateway_rows SECTION UPSTREAM_URL PORT_OFFSET AUTH PROBE_PATH PROBE_BYTES WORKLOAD...
# (PROBE_PATH: the call whose first 200 with PROBE_BYTES marks the gateway ready)
gateway_rows() {
  local section="$1" upstream="$2" off="$3" auth="$4" probe_path="$5" probe_bytes="$6"; shift 6
  local label jar port name
  for label in jetty netty; do
    row_enabled "$label" || continue
    if [ "$label" = jetty ]; then jar="$JETTY_JAR"; port=$((PORT_BASE + off + 3)); name="Jetty gateway"
    else jar="$NETTY_JAR"; port=$((PORT_BASE + off + 4)); name="Netty gateway"; fi
    local w
    if [ ! -f "$jar" ]; then
      for w in "$@"; do record_skipped "$section" "$name" "${w#sq-}" "jar not found: ${jar#"$ROOT"/} (not built yet)"; done
      continue
    fi
    start_gateway "$section-$label" "$label" "$jar" "$port" "$upstream" "$probe_path" "$auth" "$probe_bytes"
    jvm_row $? "$section" "$name" "$label" "$port" "$auth" 1 "$@"
  done
}

# jvm_row STARTED_STATUS SECTION NAME KEY PORT AUTH STRICT WORKLOAD...: measures the JVM just
# started (STARTED_PID) when STARTED_STATUS is 0, else records why it did not start; then stops it.
jvm_row() {
  local started="$1" section="$2" name="$3" key="$4" port="$5" auth="$6" strict="$7" w; shift 7
  if [ "$started" = 0 ]; then
    run_row "$section" "$name" "$key" "http://127.0.0.1:$port" "$auth" 1 "$strict" "$STARTED_PID" "$@"
  else
    for w in "$@"; do record_failed "$section" "$name" "${w#sq-}" "$START_ERROR"; done
  fi
  [ -n "$STARTED_PID" ] && forget_proc "$STARTED_PID"
}

# layer_rows SECTION UPSTREAM_URL AUTH WORKLOAD...: the Jetty gateway taken apart
# (ServletLayerCost in examples/jetty-gateway's tests), each on the launcher's default JVM options:
# Jetty's core reverse proxy (no servlets, no Portcullis), the gateway's proxy servlet behind a
# filter that passes everything (the servlet layer added), and the Portcullis filter and enforcer
# over an engine that allows everything (no token verification, no access log). With the Jetty
# gateway's own row, the differences are what each layer costs per request.
layer_rows() {
  local section="$1" upstream="$2" auth="$3"; shift 3
  local version classes proxy_jar cp i=0 mode name port jvm_opts w
  version="$(sed -n 's|.*<jetty.version>\(.*\)</jetty.version>.*|\1|p' "$ROOT/pom.xml" | head -n 1)"
  classes="$ROOT/examples/jetty-gateway/target/test-classes"
  proxy_jar="$HOME/.m2/repository/org/eclipse/jetty/jetty-proxy/$version/jetty-proxy-$version.jar"
  cp="$classes:$JETTY_JAR:$proxy_jar"
  # The launcher's defaults, read from it (GATEWAY_JAVA_OPTS replaces them, as for the gateways).
  read -r -a jvm_opts <<< "${GATEWAY_JAVA_OPTS:-$(sed -n '/^default_opts=(/,/)/p' "$LAUNCHER" | tr '\n' ' ' | sed 's/^default_opts=(//; s/).*//')}"
  for mode in core-proxy pass-through allow-all; do
    case "$mode" in
      core-proxy) name="Jetty core proxy (no servlets, no Portcullis)";;
      pass-through) name="Jetty + servlet proxy (no Portcullis)";;
      allow-all) name="Jetty + servlet proxy + Portcullis filter (allow-all engine)";;
    esac
    port=$((PORT_BASE + 5 + i)); i=$((i + 1))
    if [ ! -f "$classes/dev/portcullis/examples/jetty/ServletLayerCost.class" ] || [ ! -f "$proxy_jar" ] || [ ! -f "$JETTY_JAR" ]; then
      for w in "$@"; do record_skipped "$section" "$name" "$w" "needs $classes, $JETTY_JAR and $proxy_jar (./mvnw verify)"; done
      continue
    fi
    start_layer "layer-$mode" "$cp" "$mode" "$port" "$upstream" "$auth" "${jvm_opts[@]}"
    jvm_row $? "$section" "$name" "layer-$mode" "$port" "$auth" 0 "$@"
  done
}

# start_layer LABEL CLASSPATH MODE PORT UPSTREAM_URL AUTH JVM_OPTION... -> spawn_jvm's results,
# for one ServletLayerCost mode (no class-data archive).
start_layer() {
  local label="$1" cp="$2" mode="$3" port="$4" upstream="$5" auth="$6"; shift 6
  FIRST_LAUNCH_MS="-"
  spawn_jvm "$label" "$port" "$SMALL_PATH" "$auth" "$SMALL_BYTES" \
    env MALLOC_ARENA_MAX=2 "$GATEWAY_JAVA" "$@" -cp "$cp" dev.portcullis.examples.jetty.ServletLayerCost \
    "$mode" "$upstream" "$port" || return 1
  GATEWAY_OPTS_USED="$(jvm_options "$STARTED_PID" | sed 's/ -cp .*//')"
  log "$label: pid $STARTED_PID on 127.0.0.1:$port -> $upstream; JVM options: $GATEWAY_OPTS_USED"
}

# nginx_auth_row SECTION UPSTREAM_HOSTPORT PORT AUTH WORKLOAD...
nginx_auth_row() {
  local section="$1" upstream="$2" port="$3" auth="$4" w; shift 4
  local name="nginx + auth_request (njs)"
  if [ ! -f "$(njs_module_path)" ]; then
    for w in "$@"; do record_failed "$section" "$name" "${w#sq-}" "njs module not found: $(njs_module_path)"; done; return
  fi
  if start_nginx "$section-auth" "$HERE/nginx-scanner-proxy.conf.template" "$port" "s|@UPSTREAM@|$upstream|g"; then
    cp "$WORK/nginx-$section-auth/conf/nginx.conf" "$RAW/nginx-$section-auth.conf"
    run_row "$section" "$name" nginx-auth "http://127.0.0.1:$port" "$auth" 0 1 "$STARTED_PID" "$@"
  else
    for w in "$@"; do record_failed "$section" "$name" "${w#sq-}" "$START_ERROR"; done
  fi
  if [ -n "$STARTED_PID" ]; then
    forget_proc "$STARTED_PID"
    cp "$WORK/nginx-$section-auth/logs/error.log" "$RAW/nginx-$section-auth.error.log" 2>/dev/null
  fi
}

# --- report --------------------------------------------------------------------------------

machine_info() {
  printf -- '- date: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf -- '- machine: nproc=%s, CPU "%s", memory %s\n' "$(nproc)" \
    "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
    "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  local opts="its default JVM options"
  [ -n "$GATEWAY_JAVA_OPTS" ] && opts="GATEWAY_JAVA_OPTS instead of its defaults: $GATEWAY_JAVA_OPTS"
  printf -- '- java (gateways): %s, started by %s with %s\n' "$("$GATEWAY_JAVA" -version 2>&1 | sed -n 1p)" \
    "${LAUNCHER#"$ROOT"/}" "$opts"
  printf -- '- %s\n' "$(nginx -v 2>&1)"
  printf -- '- wrk: %s\n' "$(wrk -v 2>&1 | sed -n 1p | sed 's/ Copyright.*//')"
  printf -- '- load average at start: %s\n' "$LOAD_START"
}

print_table() { # SECTION
  printf '| row | workload | req/s | p50 | p99 | MB/s | peak RSS | proxy CPU per request | errors |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---|\n'
  awk -F'\t' -v s="$1" '$1 == s {
      if ($4 == "OK") printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $5, $6, $7, $8, $9, $11, $10
      else printf "| %s | %s | **%s** | - | - | - | - | - | %s |\n", $2, $3, $4, $10
    }' "$RESULTS"
}

# The gateways' start and memory (static section; launched with the launcher's options).
print_gateways() {
  printf '| gateway | JVM options (as run) | ready line | first 200 | first 200, first launch | VmRSS after the load | VmHWM (peak) |\n'
  printf '|---|---|---:|---:|---:|---:|---:|\n'
  awk -F'\t' '$1 == "static" {
      name = ($2 == "netty") ? "Netty gateway" : ($2 == "jetty") ? "Jetty gateway" : $2
      printf "| %s | `%s` | %s ms | %s ms | %s | %s | %s |\n", name, $7, $3, $4,
        ($8 == "-") ? "-" : $8 " ms",
        ($5 == "-") ? "-" : sprintf("%.0f MiB", $5 / 1024), ($6 == "-") ? "-" : sprintf("%.0f MiB", $6 / 1024)
    }' "$GATEWAYS"
}

# The issue-14 targets as ratios of this run's rows, PASS or MISS (n/a when a row has no figure).
print_targets() {
  printf '| target | measured | ratio | wanted | result |\n'
  printf '|---|---|---:|---:|---|\n'
  awk -F'\t' -v max_mib="$TARGET_RSS_MIB" -v max_ms="$TARGET_READY_MS" '
    FNR == NR { if ($1 == "static" && $4 == "OK") { rps[$2 "/" $3] = $5; mbps[$2 "/" $3] = $8 } ; next }
    $1 == "static" { ready[$2] = $4; hwm[$2] = $6 }
    function ratio(what, gw, wl, field, wanted, unit,    g, n, r) {
      g = (field == "rps") ? rps[gw "/" wl] : mbps[gw "/" wl]
      n = (field == "rps") ? rps["nginx plain proxy/" wl] : mbps["nginx plain proxy/" wl]
      if (g == "" || n == "" || n + 0 == 0) { printf "| %s | not measured | - | %s | n/a |\n", what, (wanted == 0) ? "-" : sprintf(">= %.2fx", wanted); return }
      r = g / n
      if (wanted == 0) { printf "| %s | %s %s / nginx %s %s | %.2fx | - | - |\n", what, g, unit, n, unit, r; return }
      printf "| %s | %s %s / nginx %s %s | %.2fx | >= %.2fx | %s |\n", what, g, unit, n, unit, r, wanted, (r >= wanted) ? "PASS" : "MISS"
    }
    function limit(what, v, wanted, unit, scale) {
      if (v == "" || v == "-") { printf "| %s | not measured | - | <= %s %s | n/a |\n", what, wanted, unit; return }
      printf "| %s | %.0f %s | - | <= %s %s | %s |\n", what, v / scale, unit, wanted, unit, (v / scale <= wanted) ? "PASS" : "MISS"
    }
    END {
      ratio("Netty gateway, small call, req/s vs plain nginx", "Netty gateway", "small", "rps", 0.75, "req/s")
      ratio("Netty gateway, 20 MB download, MB/s vs plain nginx", "Netty gateway", "large", "mbps", 1.0, "MB/s")
      ratio("Jetty gateway, small call, req/s vs plain nginx", "Jetty gateway", "small", "rps", 0.4, "req/s")
      ratio("Jetty gateway, 20 MB download, MB/s vs plain nginx (no target)", "Jetty gateway", "large", "mbps", 0, "MB/s")
      limit("Netty gateway, VmHWM after the load run", hwm["netty"], max_mib, "MiB", 1024)
      limit("Jetty gateway, VmHWM after the load run", hwm["jetty"], max_mib, "MiB", 1024)
      limit("Netty gateway, start to first 200", ready["netty"], max_ms, "ms", 1)
      limit("Jetty gateway, start to first 200", ready["jetty"], max_ms, "ms", 1)
    }' "$RESULTS" "$GATEWAYS"
}

report() {
  {
    printf '# Portcullis load benchmark\n\n'
    machine_info
    printf -- '- load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2016  # backquotes are Markdown
    printf -- '- wrk: measured runs of %s, JVM warm-up %s per workload (not recorded); small = %s -t%s -c%s (%s bytes), large = %s -t%s -c%s (%s MiB); token sent as `Authorization: Bearer`\n' \
      "$DURATION" "$WARMUP" "${SMALL_PATH%%\?*}" "$SMALL_THREADS" "$SMALL_CONNECTIONS" "$SMALL_BYTES" \
      "${LARGE_PATH%%\?*}" "$LARGE_THREADS" "$LARGE_CONNECTIONS" "$LARGE_MB"
    printf '\n## Static upstream (nginx serving files; answers validate itself)\n\n'
    print_table static
    printf '\n## Gateways: start and memory (launched by %s)\n\n' "${LAUNCHER#"$ROOT"/}"
    print_gateways
    printf '\nready line: from the launch until the log has the gateway'"'"'s "listening on" line; first 200: until the small call first answers 200 with its full body (polled every 20 ms); first 200, first launch: the same for the launch that made the class-data archive (a training run first, once per jar, JDK and options; "-" when the archive was already there or PORTCULLIS_CDS=off), which was then stopped: the other columns are of the launch after it. VmRSS is read after the last measured run; VmHWM is the peak over the JVM'"'"'s whole life (start, warm-ups and runs).\n'
    printf '\n## Targets (issue 14): ratios of this run\n\n'
    print_targets
    printf '\nThe req/s and MB/s ratios compare rows of this run (same upstream, same wrk settings); memory is judged on VmHWM, the peak resident set, which is also the most the gateway held after the load; "ready" is start to first 200. Indicative only unless the machine was quiet (load average above).\n'
    printf '\n## Real SonarQube %s (small call: %s)\n\n' "${SQ_VERSION_SHOWN:-26.9}" "${SQ_PATH_SHOWN:-/api/settings/values.protobuf?component=<project>}"
    if [ "$SONAR" = 0 ]; then printf 'Skipped (SONAR=0).\n'
    elif [ -n "$SQ_SECTION_ERROR" ]; then printf 'FAILED: %s\n' "$SQ_SECTION_ERROR"
    else
      print_table sonarqube
      printf '\nSonarQube got an unrecorded direct warm-up run of %s first; the rows ran in this order.\n' "$WARMUP"
    fi
    printf '\nreq/s and MB/s over the measured run (MB = 10^6 bytes, response headers included); p50/p99 from wrk'"'"'s latency histogram; '
    printf 'peak RSS = largest sampled VmRSS (every 0.2 s) of the proxy during the measured run: nginx master + workers, or the gateway'"'"'s java process '
    printf '(the direct row shows the upstream nginx; "-" = not ours to sample); proxy CPU per request = the user + system CPU time those same processes used during the measured run, divided by the requests wrk completed (it leaves out the kernel work done in softirq context, which is charged to whichever process runs); errors = wrk'"'"'s non-2xx and socket errors.\n'
    local n
    for n in "${NOTES[@]:-}"; do [ -n "$n" ] && printf -- '- %s\n' "$n"; done
    printf '\nRaw wrk output, logs and the rendered nginx configs: %s\n' "${RAW#"$ROOT"/}"
  } > "$SUMMARY"
  printf '\n'; cat "$SUMMARY"
}

# --- main ----------------------------------------------------------------------------------

mkdir -p "$OUT" "$RAW" || die "cannot create $RAW"
rm -f "$RAW"/wrk-*.txt "$RAW"/gateway-*.log "$RAW"/nginx-*.conf "$RAW"/nginx-*.error.log
ensure_tools
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d /tmp/portcullis-load.XXXXXX)" || die "mktemp failed"
chmod 755 "$WORK"      # nginx workers run as an unprivileged user and read the files below
RESULTS="$WORK/results.tsv"; : > "$RESULTS"
GATEWAYS="$WORK/gateways.tsv"; : > "$GATEWAYS"
SQ_SECTION_ERROR=""
machine_info | sed 's/^- //' | while read -r l; do log "$l"; done
[ -f "$JETTY_JAR" ] || log "WARNING: the Jetty gateway jar is missing: $JETTY_JAR (build it with ./mvnw -pl examples/jetty-gateway -am package -DskipTests)"
[ -f "$NETTY_JAR" ] || log "Netty gateway jar not found ($NETTY_JAR): its rows are SKIPPED"

# A real-looking project analysis token; the static upstream accepts exactly this one.
TOKEN="sqp_$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOKEN_BASIC="$(printf '%s:' "$TOKEN" | base64 -w0)"
AUTH="Bearer $TOKEN"

# Part 1: static upstream.
FILES="$WORK/files"; mkdir -p "$FILES"
head -c "$SMALL_BYTES" /dev/urandom > "$FILES/settings-values.protobuf"
head -c "$LARGE_BYTES" /dev/urandom > "$FILES/plugin.jar"
chmod 755 "$FILES"; chmod 644 "$FILES"/*
STATIC_PORT=$PORT_BASE
if start_nginx static "$HERE/nginx-static-upstream.conf.template" "$STATIC_PORT" \
    "s|@FILES@|$FILES|g" "s|@TOKEN@|$TOKEN|g" "s|@TOKEN_BASIC@|$TOKEN_BASIC|g"; then
  STATIC_PID=$STARTED_PID
  STATIC_URL="http://127.0.0.1:$STATIC_PORT"

  if row_enabled direct; then
    run_row static "direct (static nginx)" direct "$STATIC_URL" "$AUTH" 0 0 "$STATIC_PID" small large
  fi
  if row_enabled nginx-auth; then
    nginx_auth_row static "127.0.0.1:$STATIC_PORT" $((PORT_BASE + 1)) "$AUTH" small large
  fi
  if row_enabled nginx-plain; then
    if start_nginx static-plain "$HERE/nginx-plain-proxy.conf.template" $((PORT_BASE + 2)) "s|@UPSTREAM@|127.0.0.1:$STATIC_PORT|g"; then
      run_row static "nginx plain proxy" nginx-plain "http://127.0.0.1:$((PORT_BASE + 2))" "$AUTH" 0 0 "$STARTED_PID" small large
    else
      record_failed static "nginx plain proxy" small "$START_ERROR"; record_failed static "nginx plain proxy" large "$START_ERROR"
    fi
    [ -n "$STARTED_PID" ] && forget_proc "$STARTED_PID"
  fi
  gateway_rows static "$STATIC_URL" 0 "$AUTH" "$SMALL_PATH" "$SMALL_BYTES" small large
  row_enabled jetty-layers && layer_rows static "$STATIC_URL" "$AUTH" small
  cp "$WORK/nginx-static/logs/error.log" "$RAW/nginx-static-upstream.error.log" 2>/dev/null
  forget_proc "$STATIC_PID"
else
  record_failed static "static upstream" all "$START_ERROR"
fi
rm -f "$FILES/plugin.jar"

# Part 2: real SonarQube.
if [ "$SONAR" != 0 ]; then
  SQ_TOKEN_FILE=""; SQ_PROJECT=""; SQ_HOSTPORT=""
  if [ -n "$SONAR_URL" ]; then
    SQ_BASE="${SONAR_URL%/}"
    SQ_HOSTPORT="${SQ_BASE#http://}"
    if [[ "$SQ_BASE" != http://* ]] || [[ "$SQ_HOSTPORT" == */* ]]; then
      SQ_SECTION_ERROR="SONAR_URL must be http://HOST:PORT (no https, no context path): $SONAR_URL"
    elif [ -z "${SONAR_TOKEN_FILE:-}" ] || [ ! -s "${SONAR_TOKEN_FILE:-}" ] || [ -z "${SONAR_PROJECT:-}" ]; then
      SQ_SECTION_ERROR="with SONAR_URL, set SONAR_TOKEN_FILE (a file holding an analysis token) and SONAR_PROJECT"
    elif [[ "$(curl -s --max-time 10 "$SQ_BASE/api/system/status")" != *'"status":"UP"'* ]]; then
      SQ_SECTION_ERROR="SonarQube at $SQ_BASE is not UP"
    else
      SQ_TOKEN_FILE="$SONAR_TOKEN_FILE"; SQ_PROJECT="$SONAR_PROJECT"
    fi
  else
    export E2E_WORK="$LOAD_SQ_WORK"
    # shellcheck source=../../e2e/lib/sonarqube.sh
    . "$ROOT/e2e/lib/sonarqube.sh"
    log "starting SonarQube $SQ_VERSION in $LOAD_SQ_WORK (port $LOAD_SQ_PORT; minutes)"
    if ! sq_install "$SQ_NAME" "$SQ_VERSION" "$LOAD_SQ_PORT"; then
      SQ_SECTION_ERROR="sq_install failed (see above)"
    else
      [ -z "$(sq_status "$SQ_NAME")" ] && SQ_STARTED=1
      if ! sq_start "$SQ_NAME" || ! sq_wait_up "$SQ_NAME" 420; then
        SQ_SECTION_ERROR="SonarQube did not come UP (logs in $(sq_home "$SQ_NAME")/logs)"
      elif ! sq_set_admin_password "$SQ_NAME" || ! sq_create_project "$SQ_NAME" "$SQ_PROJECT_DEFAULT" "Portcullis load"; then
        SQ_SECTION_ERROR="SonarQube setup (admin password, project) failed"
      elif ! SQ_TOKEN_FILE="$(sq_generate_token "$SQ_NAME" PROJECT_ANALYSIS_TOKEN "$SQ_PROJECT_DEFAULT")"; then
        SQ_SECTION_ERROR="could not generate a project analysis token"
      else
        SQ_PROJECT="$SQ_PROJECT_DEFAULT"; SQ_BASE="$(sq_url "$SQ_NAME")"; SQ_HOSTPORT="${SQ_BASE#http://}"
      fi
    fi
  fi
  if [ -z "$SQ_SECTION_ERROR" ]; then
    SQ_AUTH="Bearer $(cat "$SQ_TOKEN_FILE")"
    SQ_PATH="/api/settings/values.protobuf?component=$SQ_PROJECT"
    SQ_PATH_SHOWN="/api/settings/values.protobuf?component=$SQ_PROJECT"
    SQ_VERSION_SHOWN="$(curl -s --max-time 10 "$SQ_BASE/api/server/version")"
    probe="$(http_probe "$SQ_BASE$SQ_PATH" "$SQ_AUTH")"
    if [ "${probe%% *}" != 200 ]; then
      SQ_SECTION_ERROR="direct GET $SQ_PATH with the token answered '${probe:-no answer}', expected 200"
    else
      SQ_BYTES="${probe#* }"
      log "SonarQube at $SQ_BASE: $SQ_PATH is $SQ_BYTES bytes"
      # A SonarQube that just started is JIT-cold: warm it up so that the first row is not penalized.
      if warmup_enabled; then
        log "SonarQube warm-up: $WARMUP direct (not recorded)"
        run_wrk "$RAW/wrk-sonarqube-warmup.txt" "$SMALL_THREADS" "$SMALL_CONNECTIONS" "$WARMUP" "$SMALL_TIMEOUT" "$SQ_BASE$SQ_PATH" "$SQ_AUTH"
      fi
      # RSS of SonarQube is not sampled ("-"): it is the upstream, not a proxy we started.
      if row_enabled direct; then
        run_row sonarqube "direct (SonarQube)" direct "$SQ_BASE" "$SQ_AUTH" 0 0 - sq-small
      fi
      if row_enabled nginx-auth; then
        nginx_auth_row sonarqube "$SQ_HOSTPORT" $((PORT_BASE + 11)) "$SQ_AUTH" sq-small
      fi
      gateway_rows sonarqube "$SQ_BASE" 10 "$SQ_AUTH" "$SQ_PATH" "$SQ_BYTES" sq-small
    fi
    unset SQ_AUTH
  fi
  [ -n "$SQ_SECTION_ERROR" ] && { log "SonarQube part FAILED: $SQ_SECTION_ERROR"; FAILED_ROWS=$((FAILED_ROWS + 1)); }
fi

report
[ "$FAILED_ROWS" -eq 0 ] && exit 0
exit 1
