#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Portcullis e2e: record which HTTP requests real SonarQube scanners make against real servers.
#
# Starts SonarQube 26.9, then 9.9 (one at a time), runs real scanners DIRECTLY against them
# (no gateway in between), and writes what SonarQube's access log saw during each scan to
#   policies/src/test/resources/observed/sq<ver>-<scanner><ver>.tsv
# plus the status codes SonarQube itself returns to a project analysis token for a set of
# sensitive endpoints to
#   policies/src/test/resources/observed/direct-status-<ver>.tsv
#
# Usage: sudo e2e/record-scans.sh [26.9] [9.9]     (default: both, 26.9 first)
# Env:   E2E_WORK (default /tmp/portcullis-e2e), E2E_KEEP_SERVERS=1 to leave servers running,
#        E2E_FRESH=0 to reuse an installed server tree (default: delete and unzip again, so every
#        run starts from a pristine server; projects are deleted and re-created either way),
#        E2E_UP_TIMEOUT (seconds, default 420).
# Needs root, curl, jq, unzip, mvn, JDK 17 and JDK 21+ (see e2e/lib/sonarqube.sh), ~3 GB disk,
# network access to Maven Central on first run. Takes ~15-20 minutes on 2 cores.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/sonarqube.sh
. "$ROOT/e2e/lib/sonarqube.sh"
# shellcheck source=lib/scanners.sh
. "$ROOT/e2e/lib/scanners.sh"

OUT="$ROOT/policies/src/test/resources/observed"
SCANS="$E2E_WORK/scans"
SUMMARY="$E2E_WORK/summary.tsv"
UP_TIMEOUT="${E2E_UP_TIMEOUT:-420}"

SQ26_VERSION=26.9.0.129388; SQ26_PORT=19026
SQ99_VERSION=9.9.0.65466;   SQ99_PORT=19099
CLI81=8.1.0.6389; CLI501=5.0.1.3006; MVN58=5.8.0.7211

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() { printf '[e2e] FAILED: %s\n' "$*" >&2; exit 1; }

STARTED=()
cleanup() {
  local rc=$? n
  if [ "${E2E_KEEP_SERVERS:-0}" != 1 ]; then
    for n in "${STARTED[@]:-}"; do [ -n "$n" ] && sq_stop "$n"; done
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT" "$SCANS"
sq_require_tools || exit 1

# --- access log extraction ----------------------------------------------------------------

# access_log_lines NAME -> current number of lines in the access log (0 if absent)
access_log_lines() {
  local f; f="$(sq_access_log "$1")"
  if [ -f "$f" ]; then wc -l < "$f"; else echo 0; fi
}

# extract_window NAME FROM_LINE OUT_TSV HEADER_COMMENT...
# Converts the access-log lines after FROM_LINE (our PCX pattern, see sonarqube.sh) into
# method<TAB>path_and_query<TAB>credential<TAB>status.
extract_window() {
  local name="$1" from="$2" out="$3"; shift 3
  local f; f="$(sq_access_log "$name")"
  [ -f "$f" ] || fail "no access log at $f"
  {
    local c; for c in "$@"; do printf '# %s\n' "$c"; done
    printf 'method\tpath_and_query\tcredential\tstatus\n'
    tail -n +"$((from + 1))" "$f" | awk -F'\t' '
      $1 != "PCX" { bad++; next }
      {
        s = $6
        if (s == "-" || s == "") cred = "none"
        else if (tolower(s) == "basic") cred = "basic"
        else if (tolower(s) == "bearer") cred = "bearer"
        else { unknown++; cred = "other" }   # never print the raw value: it could be a credential
        printf "%s\t%s\t%s\t%s\n", $3, $4, cred, $5
      }
      END { if (bad > 0) printf "unparsed access-log lines: %d\n", bad > "/dev/stderr";
            if (unknown > 0) printf "unknown Authorization schemes: %d\n", unknown > "/dev/stderr" }'
  } > "$out"
}

count_requests() { grep -vc -e '^#' -e '^method	' "$1"; }

# --- one scan -----------------------------------------------------------------------------

# record_scan NAME LABEL KIND(cli|maven) SCANNER_VERSION PROJECT_KEY TOKEN_FILE SERVER_LABEL [extra args]
record_scan() {
  local name="$1" label="$2" kind="$3" sv="$4" key="$5" tf="$6" sqlabel="$7"; shift 7
  local dir="$SCANS/$label" before t0 t1 rc
  rm -rf "$dir"; mkdir -p "$dir"
  cp -r "$ROOT/e2e/sample-project" "$dir/project"
  rm -rf "$dir/project/target" "$dir/project/.scannerwork"
  if [ "$kind" = cli ]; then
    ( cd "$dir/project" && JAVA_HOME="$SCANNER_JAVA_HOME" mvn -q -B compile ) > "$dir/compile.log" 2>&1 \
      || { tail -20 "$dir/compile.log" >&2; fail "$label: mvn compile of the sample project failed"; }
  else
    # compile outside the window too, so the window holds only the scanner's own traffic
    ( cd "$dir/project" && JAVA_HOME="$SCANNER_JAVA_HOME" mvn -q -B compile ) > "$dir/compile.log" 2>&1 \
      || { tail -20 "$dir/compile.log" >&2; fail "$label: mvn compile of the sample project failed"; }
  fi
  sleep 1
  before="$(access_log_lines "$name")"
  t0=$(date +%s.%N)
  if [ "$kind" = cli ]; then
    scanner_cli_run "$sv" "$(sq_url "$name")" "$tf" "$key" "$dir/project" "$dir/scanner.log" "$@"; rc=$?
  else
    scanner_maven_run "$sv" "$(sq_url "$name")" "$tf" "$key" "$dir/project" "$dir/scanner.log" "$@"; rc=$?
  fi
  t1=$(date +%s.%N)
  sleep 2   # let the access log valve flush the last request
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  if [ $rc -ne 0 ] || ! scanner_check_success "$dir/scanner.log"; then
    log "$label: scanner exit $rc; last lines of $dir/scanner.log:"
    tail -40 "$dir/scanner.log" >&2
    fail "$label did not end in EXECUTION SUCCESS / BUILD SUCCESS"
  fi
  local tsv="$OUT/${sqlabel}-${label#*-}.tsv"
  local scanner_desc
  if [ "$kind" = cli ]; then scanner_desc="SonarScanner CLI $sv (java -jar, JDK 17)"; else scanner_desc="SonarScanner for Maven $sv (mvn ...:sonar, JDK 17)"; fi
  extract_window "$name" "$before" "$tsv" \
    "Every HTTP request $scanner_desc made to SonarQube $(sq_version "$name"), in order, as SonarQube's own access log recorded it." \
    "Recorded by e2e/record-scans.sh on $(date -u +%Y-%m-%d), DIRECTLY against the server (no gateway), fresh sonar.userHome (empty cache, like an ephemeral agent)." \
    "Project: the tiny Java project e2e/sample-project, first analysis of a new project, sonar.qualitygate.wait=true, sonar.scm.disabled=true, token: PROJECT_ANALYSIS_TOKEN." \
    "credential: scheme of the Authorization header (access-log pattern %replace(%i{Authorization}){'^(\\S+)\\s.*\$','\$1'}; the token itself is never logged); none = no Authorization header." \
    "Volatile values (task ids, analysis ids, JRE ids) are kept as recorded. Wall time of the scan: ${wall} s."
  local n; n="$(count_requests "$tsv")"
  printf '%s\t%s\t%s s\t%s requests\n' "$sqlabel" "$label" "$wall" "$n" >> "$SUMMARY"
  log "$label: SUCCESS in ${wall} s, $n requests -> ${tsv#"$ROOT"/}"
}

# --- direct status probe ------------------------------------------------------------------

# direct_status NAME TOKEN_FILE OUT_TSV
direct_status() {
  local name="$1" tf="$2" out="$3" url tok scheme code
  url="$(sq_url "$name")"; tok="$(cat "$tf")"
  local probes=(
    "GET /api/users/search"
    "GET /api/components/search?qualifiers=TRK"
    "GET /api/webservices/list"
    "GET /api/settings/values?keys=sonar.core.serverBaseURL"
    "GET /api/issues/search"
    "POST /api/user_tokens/generate?name=x"
    "GET /"
  )
  {
    printf '# Status SonarQube %s itself returns (no gateway) for requests carrying a PROJECT_ANALYSIS_TOKEN (owner: admin), and without credentials (none) for comparison.\n' "$(sq_version "$name")"
    printf '# Recorded by e2e/record-scans.sh on %s. basic = token as user name, empty password; bearer = Authorization: Bearer.\n' "$(date -u +%Y-%m-%d)"
    printf '# Redirects are not followed. A user token minted by user_tokens/generate is discarded unread and revoked at once with the admin account.\n'
    printf 'method\tpath_and_query\tcredential\tstatus\n'
    local p m path
    for p in "${probes[@]}"; do
      m="${p%% *}"; path="${p#* }"
      for scheme in basic bearer none; do
        case "$scheme" in
          basic) cfg="user = \"$tok:\"";;
          bearer) cfg="header = \"Authorization: Bearer $tok\"";;
          none) cfg="";;
        esac
        code="$(printf '%s\n' "$cfg" | curl -s -o /dev/null -w '%{http_code}' -K - -X "$m" --max-time 60 "$url$path")"
        printf '%s\t%s\t%s\t%s\n' "$m" "$path" "$scheme" "$code"
        if [ "$path" = "/api/user_tokens/generate?name=x" ] && [ "${code:0:1}" = 2 ]; then
          sq_revoke_token "$name" x admin || fail "could not revoke the minted token 'x'"
        fi
      done
    done
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$url/api/plugins/installed")"
    printf 'GET\t/api/plugins/installed\tnone\t%s\n' "$code"
  } > "$out"
  # the minted token must be gone
  if sq_api_admin "$name" GET '/api/user_tokens/search?login=admin' | jq -e '[.userTokens[].name] | index("x")' >/dev/null; then
    fail "token 'x' is still listed for admin"
  fi
  log "direct status for $name -> ${out#"$ROOT"/}"
}

# --- leak check ---------------------------------------------------------------------------

# Fails if any token or the admin password shows up in logs or outputs. Prints file names only.
leak_check() {
  local name="$1" pat hits
  pat="$(mktemp "$(sq_secrets "$name")/pat.XXXXXX")"; chmod 600 "$pat"
  local f; for f in "$(sq_secrets "$name")"/token-*.txt "$(sq_secrets "$name")"/admin.pw; do
    [ -s "$f" ] && { cat "$f"; echo; } >> "$pat"
  done
  hits="$(grep -rlF -f "$pat" "$(sq_home "$name")/logs" "$SCANS" "$OUT" 2>/dev/null || true)"
  rm -f "$pat"
  [ -z "$hits" ] || fail "a secret of $name appears in: $hits"
  log "leak check for $name: no token or password in logs, scan logs or outputs"
}

# --- servers ------------------------------------------------------------------------------

bring_up() { # NAME VERSION PORT
  if [ "${E2E_FRESH:-1}" = 1 ]; then sq_purge "$1"; fi
  sq_install "$1" "$2" "$3" || fail "install of $1 failed"
  STARTED+=("$1")
  sq_start "$1" || fail "start of $1 failed"
  sq_wait_up "$1" "$UP_TIMEOUT" || fail "$1 did not come UP"
  sq_set_admin_password "$1" || fail "admin password change on $1 failed"
  # pattern sanity: the access log must be in our format, with the scheme reduced
  if grep -q 'PARSER_ERROR' "$(sq_access_log "$1")" 2>/dev/null; then fail "$1: access-log pattern not understood"; fi
}

run_sq26() {
  local n=sq26 sql=sq26.9
  bring_up $n $SQ26_VERSION $SQ26_PORT
  sq_recreate_project $n e2e-cli81 "e2e CLI 8.1" || fail "project create"
  sq_recreate_project $n e2e-maven58 "e2e Maven 5.8" || fail "project create"
  local t_cli t_mvn
  t_cli="$(sq_generate_token $n PROJECT_ANALYSIS_TOKEN e2e-cli81)" || fail "token"
  t_mvn="$(sq_generate_token $n PROJECT_ANALYSIS_TOKEN e2e-maven58)" || fail "token"
  sq_generate_token $n GLOBAL_ANALYSIS_TOKEN >/dev/null || fail "global analysis token"
  sq_generate_token $n USER_TOKEN >/dev/null || fail "user token"
  record_scan $n "$sql-cli8.1" cli $CLI81 e2e-cli81 "$t_cli" "$sql"
  record_scan $n "$sql-maven5.8" maven $MVN58 e2e-maven58 "$t_mvn" "$sql"
  direct_status $n "$t_cli" "$OUT/direct-status-26.9.tsv"
  leak_check $n
  [ "${E2E_KEEP_SERVERS:-0}" = 1 ] || sq_stop $n
}

run_sq99() {
  local n=sq99 sql=sq9.9
  bring_up $n $SQ99_VERSION $SQ99_PORT
  sq_recreate_project $n e2e-cli501 "e2e CLI 5.0.1" || fail "project create"
  local t_cli
  t_cli="$(sq_generate_token $n PROJECT_ANALYSIS_TOKEN e2e-cli501)" || fail "token"
  sq_generate_token $n GLOBAL_ANALYSIS_TOKEN >/dev/null || fail "global analysis token"
  sq_generate_token $n USER_TOKEN >/dev/null || fail "user token"
  SCANNER_TOKEN_PROP=sonar.login record_scan $n "$sql-cli5.0.1" cli $CLI501 e2e-cli501 "$t_cli" "$sql"
  direct_status $n "$t_cli" "$OUT/direct-status-9.9.tsv"
  leak_check $n
  [ "${E2E_KEEP_SERVERS:-0}" = 1 ] || sq_stop $n
}

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(26.9 9.9)
: > "$SUMMARY"
for t in "${targets[@]}"; do
  case "$t" in
    26.9) run_sq26;;
    9.9) run_sq99;;
    *) fail "unknown target $t (use 26.9 and/or 9.9)";;
  esac
done
log "summary ($SUMMARY):"
cat "$SUMMARY" >&2
