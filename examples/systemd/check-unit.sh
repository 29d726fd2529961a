#!/usr/bin/env bash
# Checks the systemd unit with systemd-analyze verify, with ExecStart pointed at this directory's
# launcher (verify insists that the executable exists), and runs the launcher against the built
# Netty and Jetty gateway jars: each must start, answer, and stop gracefully on SIGTERM; the first
# start creates a class-data archive, the next one maps it, and a damaged archive does not stop a
# start. Prints "N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

if command -v systemd-analyze >/dev/null 2>&1; then
  sed "s|^ExecStart=/opt/portcullis/bin/portcullis-gateway|ExecStart=$here/portcullis-gateway|" \
    "$here/portcullis-gateway.service" > "$work/portcullis-gateway.service"
  if out="$(systemd-analyze verify "$work/portcullis-gateway.service" 2>&1)"; then
    pass "systemd-analyze verify portcullis-gateway.service"
  else
    fail "systemd-analyze verify portcullis-gateway.service: $out"
  fi
else
  fail "systemd-analyze is not installed (Debian: apt-get install systemd)"
fi

# check_launch FLAVOUR NAME PORT [VAR=VALUE...]: the launcher starts the built gateway with its
# default JVM options (and the class-data archives in $work/cds), the gateway answers, and SIGTERM
# stops it gracefully. Sets mapped to the archive the running JVM had mapped ("" if none).
mapped=""
check_launch() {
  local flavour="$1" name="$2" port="$3" jar started status code
  shift 3
  mapped=""
  options=""
  jar="$root/examples/$flavour-gateway/target/$flavour-gateway.jar"
  if [[ ! -f "$jar" ]]; then
    fail "launcher: $jar is missing; build it with ./mvnw package"
    return
  fi
  rm -f "$work/$flavour.log" # a start reads its own log, not the previous start's
  env PORTCULLIS_HOME="$(dirname "$jar")" PORTCULLIS_LISTEN="127.0.0.1:$port" \
    PORTCULLIS_CDS_DIR="$work/cds" "$@" "$here/portcullis-gateway" --flavour "$flavour" --upstream http://127.0.0.1:9 > "$work/$flavour.log" 2>&1 &
  pid=$!
  started=0
  for _ in $(seq 1 600); do
    if grep -q 'listening on' "$work/$flavour.log" 2>/dev/null; then started=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [[ $started == 1 ]]; then
    pass "launcher started the $name gateway with the small-VM JVM options"
    mapped="$(grep -o "$work/cds/[^ ]*\.jsa" "/proc/$pid/maps" 2>/dev/null | head -n 1)"
    options="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
    status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/users/search")"
    if [[ "$status" == 401 ]]; then pass "the launched $name gateway answers (401 for an anonymous user search)"
    else fail "the launched $name gateway answered $status, not 401"; fi
    kill -TERM "$pid"
    code=0
    wait "$pid" || code=$?
    pid=""
    if [[ $code == 0 || $code == 143 ]]; then pass "SIGTERM stops the $name gateway gracefully (exit $code)"
    else fail "SIGTERM ($name): exit $code; log: $(tail -n 5 "$work/$flavour.log")"; fi
  else
    fail "launcher did not start the $name gateway; log: $(tail -n 10 "$work/$flavour.log")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
    pid=""
  fi
}

# archive_of FLAVOUR: the class-data archive the launcher keeps for FLAVOUR ("" if none).
archive_of() { find "$work/cds" -maxdepth 1 -name "$1-gateway-*.jsa" 2>/dev/null | head -n 1; }

# The decision log as a --config file asks for it, which no flag of the launcher's start overrides.
printf 'decision-log: %s\n' "$work/decisions.log" > "$work/gateway.yaml"
check_launch netty Netty 18790 PORTCULLIS_CONFIG="$work/gateway.yaml"
# The training run's two calls stay out of the decision log: only this check's own request is in it.
lines="$(wc -l < "$work/decisions.log" 2>/dev/null || echo 0)"
if [[ "$lines" == 1 ]]; then pass "the decision log holds the one request sent, none of the training run's"
else fail "the decision log holds $lines lines, not 1: $(head -c 600 "$work/decisions.log" 2>/dev/null)"; fi
# The defaults the README's "Memory and sizing" documents, among them Netty's leak detection off
# (the Java tests run it at paranoid; a gateway should not pay for it).
for option in -Xmx128m -XX:+UseSerialGC -Dio.netty.leakDetection.level=disabled; do
  if [[ " $options " == *" $option "* ]]; then pass "the launcher's default JVM options include $option"
  else fail "the launcher's default JVM options lack $option: $options"; fi
done
archive="$(archive_of netty)"
if [[ -n "$archive" ]] && grep -q 'class-data archive created' "$work/netty.log"; then
  pass "the first start created a class-data archive ($(basename "$archive"))"
else fail "the first start created no class-data archive; log: $(head -n 5 "$work/netty.log")"; fi

check_launch netty Netty 18790
if [[ -n "$archive" && "$mapped" == "$archive" ]] && ! grep -q 'creating the class-data archive' "$work/netty.log"; then
  pass "the second start mapped that archive without training again"
else fail "the second start did not map $archive (mapped: '${mapped:-none}')"; fi

if [[ -n "$archive" ]]; then
  # Damaged past its header: the JVM's checksums refuse it and it starts without it.
  chmod u+w "$archive" && printf 'damaged' | dd of="$archive" bs=1 seek=100000 conv=notrunc 2>/dev/null
  check_launch netty Netty 18790
  if [[ -z "$mapped" ]]; then pass "with a damaged archive the gateway started without it"
  else fail "a damaged archive was mapped: $mapped"; fi
  # Not an archive at all: the launcher makes it again.
  head -c 65536 /dev/urandom > "$archive"
  check_launch netty Netty 18790
  if [[ "$mapped" == "$archive" ]] && grep -q 'class-data archive created' "$work/netty.log"; then
    pass "a file that is no archive is made again and mapped"
  else fail "a file that is no archive was not replaced (mapped: '${mapped:-none}')"; fi
fi

check_launch jetty Jetty 18791 PORTCULLIS_CDS=off
if [[ -z "$(archive_of jetty)" && -z "$mapped" ]]; then pass "PORTCULLIS_CDS=off: no archive made or mapped"
else fail "PORTCULLIS_CDS=off still made or mapped an archive"; fi
check_launch jetty Jetty 18791
if [[ -n "$(archive_of jetty)" ]]; then pass "the Jetty gateway's first start created its archive"
else fail "the Jetty gateway's first start created no archive; log: $(head -n 5 "$work/jetty.log")"; fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
