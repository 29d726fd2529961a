# shellcheck shell=bash
# Portcullis e2e: fetch and run real SonarQube scanners from Maven Central.
#
#   source e2e/lib/scanners.sh
#   scanner_cli_run 8.1.0.6389 http://127.0.0.1:19026 /path/token-file demo /path/project /path/log [-Dextra=...]
#   scanner_maven_run 5.8.0.7211 http://127.0.0.1:19026 /path/token-file demo /path/project /path/log [-Dextra=...]
#
# The token is never put on a command line (where `ps` or a CI log would show it). It is read from
# its 0600 file and handed to the scanner through the environment:
#   * SonarScanner CLI >= 6 and the Maven scanner (sonar-scanner-java-library): SONAR_TOKEN
#     (SCANNER_LEGACY_LOGIN=1: SONAR_SCANNER_JSON_PARAMS with sonar.login instead, for SonarQube < 10)
#   * SonarScanner CLI 5.x (sonar-scanner-api 2.x): SONARQUBE_SCANNER_PARAMS (JSON), as sonar.login
#     by default (SonarQube 9.9 does not reliably know sonar.token); override with SCANNER_TOKEN_PROP.
#   * SonarScanner for NPM (@sonar/scan): SONAR_TOKEN
# Each run gets a fresh sonar.userHome (no cache), so the recording shows what an ephemeral build
# agent downloads. Set SCANNER_KEEP_CACHE=1 to reuse $E2E_WORK/sonar-user-home instead.
#
# Exit status is the scanner's; scanner_check_success LOG checks for EXECUTION/BUILD SUCCESS.

E2E_WORK="${E2E_WORK:-/tmp/portcullis-e2e}"
SCANNER_JAVA_HOME="${SCANNER_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"

sc_log() { printf '[scan %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
sc_die() { printf '[scan] ERROR: %s\n' "$*" >&2; return 1; }

# scanner_cli_fetch VERSION -> prints the jar path (downloads once into ~/.m2)
scanner_cli_fetch() {
  local v="$1" jar
  jar="${HOME}/.m2/repository/org/sonarsource/scanner/cli/sonar-scanner-cli/${v}/sonar-scanner-cli-${v}.jar"
  if [ ! -s "$jar" ]; then
    sc_log "fetching sonar-scanner-cli:${v} from Maven Central"
    mvn -B -q dependency:get -Dartifact="org.sonarsource.scanner.cli:sonar-scanner-cli:${v}" -Dtransitive=false >&2 \
      || { sc_die "mvn dependency:get failed for sonar-scanner-cli ${v}"; return 1; }
  fi
  [ -s "$jar" ] || { sc_die "jar not found after download: $jar"; return 1; }
  printf '%s' "$jar"
}

# scanner_maven_fetch VERSION: make sure the plugin is in ~/.m2 (Maven resolves its deps on first run)
scanner_maven_fetch() {
  local v="$1"
  [ -s "${HOME}/.m2/repository/org/sonarsource/scanner/maven/sonar-maven-plugin/${v}/sonar-maven-plugin-${v}.jar" ] && return 0
  sc_log "fetching sonar-maven-plugin:${v} from Maven Central"
  mvn -B -q dependency:get -Dartifact="org.sonarsource.scanner.maven:sonar-maven-plugin:${v}" >&2 \
    || { sc_die "mvn dependency:get failed for sonar-maven-plugin ${v}"; return 1; }
}

_sc_user_home() {
  if [ "${SCANNER_KEEP_CACHE:-0}" = 1 ]; then printf '%s/sonar-user-home' "$E2E_WORK"
  else mktemp -d "$E2E_WORK/sonar-user-home.XXXXXX"; fi
}

# JSON-escape a string for SONARQUBE_SCANNER_PARAMS (tokens are [A-Za-z0-9_], but be safe)
_sc_json_str() { jq -Rn --arg v "$1" '$v'; }

# _sc_login_json TOKEN -> {"sonar.login":TOKEN}: SONAR_SCANNER_JSON_PARAMS for a scanner library
# (CLI >= 6, Maven) talking to SonarQube < 10, whose engine knows sonar.login, not sonar.token
# (SCANNER_LEGACY_LOGIN=1). The library then sends the token as Basic, never as Bearer.
_sc_login_json() { printf '{%s:%s}' "$(_sc_json_str sonar.login)" "$(_sc_json_str "$1")"; }

# scanner_cli_run VERSION HOST_URL TOKEN_FILE PROJECT_KEY PROJECT_DIR LOG_FILE [extra args...]
scanner_cli_run() {
  local v="$1" url="$2" tf="$3" key="$4" dir="$5" log="$6"; shift 6
  local jar uh tok major rc
  jar="$(scanner_cli_fetch "$v")" || return 1
  [ -s "$tf" ] || { sc_die "token file missing: $tf"; return 1; }
  [ -d "$dir/target/classes" ] || { sc_die "$dir/target/classes missing: compile the project first"; return 1; }
  uh="$(_sc_user_home)"; mkdir -p "$uh"
  tok="$(cat "$tf")"; major="${v%%.*}"
  local args=(-Dsonar.host.url="$url" -Dsonar.projectKey="$key" -Dsonar.projectName="$key"
              -Dsonar.projectBaseDir="$dir" -Dsonar.sources=src/main/java -Dsonar.java.binaries=target/classes
              -Dsonar.sourceEncoding=UTF-8 -Dsonar.scm.disabled=true -Dsonar.userHome="$uh"
              -Dsonar.qualitygate.wait=true -Dsonar.qualitygate.timeout=300 "$@")
  sc_log "SonarScanner CLI $v -> $url (project $key), log $log"
  if [ "$major" -ge 6 ] && [ "${SCANNER_LEGACY_LOGIN:-0}" = 1 ]; then
    ( cd "$dir" && SONAR_SCANNER_JSON_PARAMS="$(_sc_login_json "$tok")" "$SCANNER_JAVA_HOME/bin/java" -jar "$jar" "${args[@]}" ) >"$log" 2>&1
  elif [ "$major" -ge 6 ]; then
    ( cd "$dir" && SONAR_TOKEN="$tok" "$SCANNER_JAVA_HOME/bin/java" -jar "$jar" "${args[@]}" ) >"$log" 2>&1
  else
    local prop="${SCANNER_TOKEN_PROP:-sonar.login}" json
    json="{$(_sc_json_str "$prop"):$(_sc_json_str "$tok")}"
    ( cd "$dir" && SONARQUBE_SCANNER_PARAMS="$json" "$SCANNER_JAVA_HOME/bin/java" -jar "$jar" "${args[@]}" ) >"$log" 2>&1
  fi
  rc=$?
  [ "${SCANNER_KEEP_CACHE:-0}" = 1 ] || rm -rf "$uh"
  return $rc
}

# scanner_maven_run VERSION HOST_URL TOKEN_FILE PROJECT_KEY PROJECT_DIR LOG_FILE [extra args...]
# Compiles the project first (mvn compile) then runs the sonar goal in the same Maven invocation.
scanner_maven_run() {
  local v="$1" url="$2" tf="$3" key="$4" dir="$5" log="$6"; shift 6
  local uh tok rc
  scanner_maven_fetch "$v" || return 1
  [ -s "$tf" ] || { sc_die "token file missing: $tf"; return 1; }
  [ -f "$dir/pom.xml" ] || { sc_die "no pom.xml in $dir"; return 1; }
  uh="$(_sc_user_home)"; mkdir -p "$uh"
  tok="$(cat "$tf")"
  sc_log "SonarScanner for Maven $v -> $url (project $key), log $log"
  # exported in the subshell, never on a command line (as `env VAR=...` would be)
  ( if [ "${SCANNER_LEGACY_LOGIN:-0}" = 1 ]; then SONAR_SCANNER_JSON_PARAMS="$(_sc_login_json "$tok")"; export SONAR_SCANNER_JSON_PARAMS
    else export SONAR_TOKEN="$tok"; fi
    cd "$dir" && JAVA_HOME="$SCANNER_JAVA_HOME" mvn -B \
      "org.sonarsource.scanner.maven:sonar-maven-plugin:${v}:sonar" \
      -Dsonar.host.url="$url" -Dsonar.projectKey="$key" -Dsonar.projectName="$key" \
      -Dsonar.scm.disabled=true -Dsonar.userHome="$uh" \
      -Dsonar.qualitygate.wait=true -Dsonar.qualitygate.timeout=300 "$@" ) >"$log" 2>&1
  rc=$?
  [ "${SCANNER_KEEP_CACHE:-0}" = 1 ] || rm -rf "$uh"
  return $rc
}

# SonarScanner for NPM (@sonar/scan) needs Node >= 22.12 (its "engines"). When the machine's node is
# older, npm installs the `node` package (a Node 22 binary from the npm registry) next to the scanner.
# Both go to NPM_SCANNER_CACHE/<version> (default ~/.cache/portcullis/npm-scanner), once.
NPM_SCANNER_CACHE="${NPM_SCANNER_CACHE:-$HOME/.cache/portcullis/npm-scanner}"
NPM_SCANNER_NODE_PACKAGE="${NPM_SCANNER_NODE_PACKAGE:-node@22.23.3}"

# _sc_node_ok NODE -> 0 when NODE runs and is >= 22.12
_sc_node_ok() {
  local v; v="$("$1" --version 2>/dev/null)" || return 1
  v="${v#v}"; local major="${v%%.*}" rest="${v#*.}"; local minor="${rest%%.*}"
  [ "$major" -gt 22 ] 2>/dev/null || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; } 2>/dev/null
}

# scanner_npm_fetch VERSION -> prints "NODE<TAB>SCRIPT" (installs @sonar/scan@VERSION, and Node 22
# when the machine's node is older, with npm into NPM_SCANNER_CACHE/VERSION)
scanner_npm_fetch() {
  local v="$1" dir node script
  dir="$NPM_SCANNER_CACHE/$v"; script="$dir/node_modules/@sonar/scan/bin/sonar-scanner.js"
  node="$(command -v node 2>/dev/null)"
  if [ -z "$node" ] || ! _sc_node_ok "$node"; then node="$dir/node_modules/node/bin/node"; fi
  if [ ! -s "$script" ] || ! _sc_node_ok "$node"; then
    command -v npm >/dev/null 2>&1 || { sc_die "npm not found (needed for @sonar/scan $v)"; return 1; }
    local pkgs=("@sonar/scan@$v")
    [ "$node" = "$dir/node_modules/node/bin/node" ] && pkgs+=("$NPM_SCANNER_NODE_PACKAGE")
    sc_log "installing ${pkgs[*]} from the npm registry into $dir"
    mkdir -p "$dir"
    npm install --no-audit --no-fund --loglevel=error --prefix "$dir" "${pkgs[@]}" >&2 \
      || { sc_die "npm install ${pkgs[*]} failed"; return 1; }
  fi
  [ -s "$script" ] || { sc_die "@sonar/scan $v not found after npm install: $script"; return 1; }
  _sc_node_ok "$node" || { sc_die "no Node >= 22.12 for @sonar/scan $v ($node)"; return 1; }
  printf '%s\t%s' "$node" "$script"
}

# scanner_npm_run VERSION HOST_URL TOKEN_FILE PROJECT_KEY PROJECT_DIR LOG_FILE [extra args...]
# SonarScanner for NPM: the token goes in SONAR_TOKEN (sonar.token, sent as Bearer). It provisions the
# JRE and the scanner engine from the server (/api/v2/analysis/*), so it needs SonarQube >= 10.6; on
# older servers it would download SonarScanner CLI from binaries.sonarsource.com instead. Exit status
# is @sonar/scan's; its log ends in "SonarScanner Engine completed successfully" on success.
scanner_npm_run() {
  local v="$1" url="$2" tf="$3" key="$4" dir="$5" log="$6"; shift 6
  local got node script uh tok rc
  got="$(scanner_npm_fetch "$v")" || return 1
  node="${got%%$'\t'*}"; script="${got#*$'\t'}"
  [ -s "$tf" ] || { sc_die "token file missing: $tf"; return 1; }
  [ -d "$dir/target/classes" ] || { sc_die "$dir/target/classes missing: compile the project first"; return 1; }
  uh="$(_sc_user_home)"; mkdir -p "$uh"
  tok="$(cat "$tf")"
  sc_log "SonarScanner for NPM $v -> $url (project $key), log $log"
  ( cd "$dir" && SONAR_TOKEN="$tok" "$node" "$script" -Dsonar.host.url="$url" -Dsonar.projectKey="$key" \
      -Dsonar.projectName="$key" -Dsonar.projectBaseDir="$dir" -Dsonar.sources=src/main/java \
      -Dsonar.java.binaries=target/classes -Dsonar.sourceEncoding=UTF-8 -Dsonar.scm.disabled=true \
      -Dsonar.userHome="$uh" -Dsonar.qualitygate.wait=true -Dsonar.qualitygate.timeout=300 "$@" ) >"$log" 2>&1
  rc=$?
  [ "${SCANNER_KEEP_CACHE:-0}" = 1 ] || rm -rf "$uh"
  return $rc
}

# scanner_check_success LOG: true when the log ends in EXECUTION SUCCESS (CLI), BUILD SUCCESS (Maven) or
# "SonarScanner Engine completed successfully" (@sonar/scan, which prints the engine's log)
scanner_check_success() {
  grep -qE '(EXECUTION SUCCESS|BUILD SUCCESS|SonarScanner Engine completed successfully)' "$1" \
    && ! grep -qE '(EXECUTION FAILURE|BUILD FAILURE|Bootstrapper: An error occurred)' "$1"
}

# scanner_ce_task_id PROJECT_DIR -> the compute-engine task id of the last report the scanner
# uploaded from PROJECT_DIR (read from report-task.txt: .scannerwork/ for the CLI, target/sonar/
# for Maven); empty and status 1 when there is none.
scanner_ce_task_id() {
  local f id
  for f in "$1/.scannerwork/report-task.txt" "$1/target/sonar/report-task.txt"; do
    [ -f "$f" ] || continue
    id="$(sed -n 's/^ceTaskId=//p' "$f" | tr -d '\r' | tail -n 1)"
    [ -n "$id" ] && { printf '%s' "$id"; return 0; }
  done
  return 1
}
