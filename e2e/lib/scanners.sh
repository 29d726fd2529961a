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
#   * SonarScanner CLI 5.x (sonar-scanner-api 2.x): SONARQUBE_SCANNER_PARAMS (JSON), as sonar.login
#     by default (SonarQube 9.9 does not reliably know sonar.token); override with SCANNER_TOKEN_PROP.
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
  if [ "$major" -ge 6 ]; then
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
  ( cd "$dir" && SONAR_TOKEN="$tok" JAVA_HOME="$SCANNER_JAVA_HOME" mvn -B \
      "org.sonarsource.scanner.maven:sonar-maven-plugin:${v}:sonar" \
      -Dsonar.host.url="$url" -Dsonar.projectKey="$key" -Dsonar.projectName="$key" \
      -Dsonar.scm.disabled=true -Dsonar.userHome="$uh" \
      -Dsonar.qualitygate.wait=true -Dsonar.qualitygate.timeout=300 "$@" ) >"$log" 2>&1
  rc=$?
  [ "${SCANNER_KEEP_CACHE:-0}" = 1 ] || rm -rf "$uh"
  return $rc
}

# scanner_check_success LOG: true when the log ends in EXECUTION SUCCESS (CLI) or BUILD SUCCESS (Maven)
scanner_check_success() {
  grep -qE '(EXECUTION SUCCESS|BUILD SUCCESS)' "$1" && ! grep -qE '(EXECUTION FAILURE|BUILD FAILURE)' "$1"
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
