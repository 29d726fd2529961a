#!/usr/bin/env bash
# Checks the systemd unit with systemd-analyze verify, with ExecStart pointed at this directory's
# launcher (verify insists that the executable exists), and runs the launcher against the built
# Netty and Jetty gateway jars: each must start, answer, and stop gracefully on SIGTERM. Prints
# "N passed, M failed".
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

# check_launch FLAVOUR NAME PORT: the launcher starts the built gateway with its default JVM
# options, the gateway answers, and SIGTERM stops it gracefully.
check_launch() {
  local flavour="$1" name="$2" port="$3" jar started status code
  jar="$root/examples/$flavour-gateway/target/$flavour-gateway.jar"
  if [[ ! -f "$jar" ]]; then
    fail "launcher: $jar is missing; build it with ./mvnw package"
    return
  fi
  PORTCULLIS_HOME="$(dirname "$jar")" PORTCULLIS_LISTEN="127.0.0.1:$port" \
    "$here/portcullis-gateway" --flavour "$flavour" --upstream http://127.0.0.1:9 > "$work/$flavour.log" 2>&1 &
  pid=$!
  started=0
  for _ in $(seq 1 600); do
    if grep -q 'listening on' "$work/$flavour.log" 2>/dev/null; then started=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [[ $started == 1 ]]; then
    pass "launcher started the $name gateway with the small-VM JVM options"
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

check_launch netty Netty 18790
check_launch jetty Jetty 18791

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
