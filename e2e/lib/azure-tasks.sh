# shellcheck shell=bash
# Portcullis e2e: replay, with curl, the server calls of the Azure DevOps extension's SonarQube tasks
# (SonarSource/sonar-scanner-azdo, tasks v7/v8; docs/SURFACE.md §1e has every call with its source).
#
#   source e2e/lib/azure-tasks.sh
#   replay_prepare_task http://127.0.0.1:18026 /path/token-file
#   replay_publish_task http://127.0.0.1:18026 /path/token-file "$ce_task_id" portcullis-e2e-a
#
# The token is read from its 0600 file and handed to curl in a config on stdin (`curl -K -`), never on
# a command line or in the output. Only this file's own log lines go to stderr; answers are read
# into temporary files and deleted.
#
# What is sent, as the extension sends it to a "SonarQube Server" service connection
# (src/common/latest/sonarqube/Endpoint.ts#toAxiosOptions, axios 1.15.0 defaults):
#   Authorization: Basic base64(<token>:)     on every server version, 9.9 to 26.x
#   Accept: application/json, text/plain, */*
#   Accept-Encoding: gzip, compress, deflate, br
#   User-Agent: axios/1.15.0
# AZDO_AUTH_SCHEME=bearer sends "Authorization: Bearer <token>" instead (the extension does so only
# for SonarQube Cloud; servers >= 10.0 accept it), AZDO_AUTH_SCHEME=auto picks Bearer when the
# server says >= 10.0 and Basic below. Query strings are encoded like axios does (commas and ':'
# stay literal, a space becomes '+').
#
# Results (globals, for the caller's table): AZDO_SERVER_VERSION, AZDO_TOKEN_PROPERTY (what Prepare
# would hand the scanner: sonar.login below 10.0, else sonar.token), AZDO_TASK_STATUS,
# AZDO_ANALYSIS_ID, AZDO_QG_STATUS, AZDO_MEASURES ("N measures", "skipped: ...", or
# "tolerated: SonarQube <status>"), AZDO_CALLS (requests sent), AZDO_FAILURE (why it failed, empty
# when it did not), AZDO_LOG (one line per request: "<step> <status> <path and query>", no token).
#
# Needs: curl, jq.

AZDO_USER_AGENT="${AZDO_USER_AGENT:-axios/1.15.0}"
AZDO_ACCEPT='application/json, text/plain, */*'
AZDO_ACCEPT_ENCODING='gzip, compress, deflate, br'
# The Publish task's "pollingTimeoutSec" input (default 300); it polls ce/task once a second.
AZDO_POLLING_TIMEOUT_SEC="${AZDO_POLLING_TIMEOUT_SEC:-300}"
AZDO_AUTH_SCHEME="${AZDO_AUTH_SCHEME:-basic}"
# Set by the Prepare task from the pipeline (sonar.branch.name / sonar.pullrequest.key); empty on
# the main branch.
AZDO_BRANCH="${AZDO_BRANCH:-}"
AZDO_PULL_REQUEST="${AZDO_PULL_REQUEST:-}"

# helpers/constants.ts SQ_BRANCH_MEASURES and SQ_PULLREQUEST_MEASURES, in their order.
AZDO_BRANCH_MEASURES=(new_violations new_accepted_issues new_security_hotspots new_coverage new_duplicated_lines_density)
AZDO_PULLREQUEST_MEASURES=(new_violations pull_request_fixed_issues new_accepted_issues new_security_hotspots new_coverage new_duplicated_lines_density)

az_log() { printf '[azdo %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# _az_encode VALUE -> VALUE encoded as axios' buildURL does: encodeURIComponent, then ':', '$', ','
# back to literal and %20 to '+'. (jq's @uri also escapes !'()*, which encodeURIComponent keeps.)
_az_encode() {
  jq -rn --arg v "$1" '$v | @uri
    | gsub("%3A"; ":") | gsub("%24"; "$") | gsub("%2C"; ",") | gsub("%20"; "+")
    | gsub("%21"; "!") | gsub("%27"; "'"'"'") | gsub("%28"; "(") | gsub("%29"; ")") | gsub("%2A"; "*")'
}

# _az_scheme_for VERSION -> basic or bearer, following AZDO_AUTH_SCHEME.
_az_scheme_for() {
  case "$AZDO_AUTH_SCHEME" in
    basic|bearer) printf '%s' "$AZDO_AUTH_SCHEME" ;;
    auto) if [ "${1%%.*}" -ge 10 ] 2>/dev/null; then printf bearer; else printf basic; fi ;;
    *) printf 'invalid' ;;
  esac
}

# _az_get BASE_URL TOKEN_FILE SCHEME STEP PATH_AND_QUERY OUT_FILE
# One GET as the extension sends it. Sets AZ_STATUS (HTTP status, 000 when no answer) and AZ_REASON
# (the gateway's own refusal reasons, joined by ","; empty for SonarQube's answers and for 2xx).
AZ_STATUS=
AZ_REASON=
_az_get() {
  local base="$1" tf="$2" scheme="$3" step="$4" pq="$5" out="$6" tok cfg
  tok="$(cat "$tf")"
  if [ "$scheme" = bearer ]; then
    cfg="header = \"Authorization: Bearer $tok\""
  else
    cfg="user = \"$tok:\""
  fi
  AZ_STATUS="$(printf '%s\n' "$cfg" | curl -s -o "$out" -w '%{http_code}' -K - --compressed --max-time 60 \
      -H "Accept: $AZDO_ACCEPT" -H "Accept-Encoding: $AZDO_ACCEPT_ENCODING" -H "User-Agent: $AZDO_USER_AGENT" \
      "${base%/}$pq")" || true
  [ -n "$AZ_STATUS" ] || AZ_STATUS=000
  AZ_REASON="$(jq -r 'if type == "object" and (.reasons | type) == "array" then (.reasons | join(",")) else empty end' "$out" 2>/dev/null)" || AZ_REASON=
  AZDO_CALLS=$((AZDO_CALLS + 1))
  AZDO_LOG+="$step $AZ_STATUS${AZ_REASON:+ $AZ_REASON} GET $pq"$'\n'
}

_az_fail() {
  AZDO_FAILURE="$*"
  az_log "FAILED: $*"
  return 1
}

# _az_describe: "HTTP 403 (gateway: endpoint_not_allowed)", "HTTP 401 (no gateway reason)" or
# "no HTTP answer"
_az_describe() {
  if [ "$AZ_STATUS" = 000 ]; then printf 'no HTTP answer'
  elif [ -n "$AZ_REASON" ]; then printf 'HTTP %s (gateway: %s)' "$AZ_STATUS" "$AZ_REASON"
  else printf 'HTTP %s (no gateway reason)' "$AZ_STATUS"; fi
}

# The results are read by the caller (run-e2e.sh), not here.
# shellcheck disable=SC2034
_az_reset() {
  AZDO_SERVER_VERSION='' AZDO_TOKEN_PROPERTY='' AZDO_TASK_STATUS='' AZDO_ANALYSIS_ID='' AZDO_QG_STATUS=''
  AZDO_MEASURES='' AZDO_FAILURE='' AZDO_LOG='' AZDO_CALLS=0
}

_az_check_args() {
  local base="$1" tf="$2"
  [ -n "$base" ] || { _az_fail "no gateway URL"; return 1; }
  [ -s "$tf" ] || { _az_fail "token file missing or empty: $tf"; return 1; }
  if ! command -v curl >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
    _az_fail "curl and jq are needed"; return 1
  fi
  [ "$(_az_scheme_for 10)" != invalid ] || { _az_fail "AZDO_AUTH_SCHEME must be basic, bearer or auto (is '$AZDO_AUTH_SCHEME')"; return 1; }
}

# _az_server_version BASE TOKEN_FILE STEP TMP -> sets AZDO_SERVER_VERSION. Basic unless
# AZDO_AUTH_SCHEME=bearer: the version decides "auto", so it is asked the way that works everywhere.
_az_server_version() {
  local base="$1" tf="$2" step="$3" tmp="$4" scheme=basic v
  [ "$AZDO_AUTH_SCHEME" = bearer ] && scheme=bearer
  _az_get "$base" "$tf" "$scheme" "$step" /api/server/version "$tmp"
  [ "$AZ_STATUS" = 200 ] || { _az_fail "$step /api/server/version: $(_az_describe)"; return 1; }
  v="$(tr -d '\r\n' <"$tmp")"
  [[ "$v" =~ ^[0-9]+\.[0-9]+ ]] || { _az_fail "$step /api/server/version: not a version: ${v:0:40}"; return 1; }
  AZDO_SERVER_VERSION="$v"
}

# replay_prepare_task GATEWAY_URL TOKEN_FILE
# The Prepare task's only server call (prepare-task.ts#prepareTask -> getServerVersion), and the
# token property it would hand the scanner (Endpoint.ts#toSonarProps).
replay_prepare_task() {
  local base="$1" tf="$2" tmp
  _az_reset
  _az_check_args "$base" "$tf" || return 1
  tmp="$(mktemp)"
  if ! _az_server_version "$base" "$tf" A1 "$tmp"; then rm -f "$tmp"; return 1; fi
  rm -f "$tmp"
  if [ "${AZDO_SERVER_VERSION%%.*}" -lt 10 ]; then AZDO_TOKEN_PROPERTY=sonar.login; else AZDO_TOKEN_PROPERTY=sonar.token; fi
  az_log "Prepare: server $AZDO_SERVER_VERSION; the scanner would get the token as $AZDO_TOKEN_PROPERTY"
}

# replay_publish_task GATEWAY_URL TOKEN_FILE CE_TASK_ID PROJECT_KEY
# The Publish task's calls, in its order (publish-task.ts#publishTask, #getReportForTask):
#   P1 metrics/search (all pages), P2 server/version, P3 ce/task (polled once a second until
#   SUCCESS), P4 qualitygates/project_status, P5 measures/component.
# Every answer must be 200 with the fields the task reads, except P5, whose refusal by SonarQube the
# task tolerates (a project analysis token may lack Browse); a refusal by the gateway fails it.
# Unlike the task, a failed request is not retried: the replay is to show what the gateway answers.
# Returns 0 when every step passed; AZDO_QG_STATUS tells the gate (OK, WARN, ERROR or NONE).
replay_publish_task() {
  local base="$1" tf="$2" task_id="$3" key="$4"
  local tmp scheme page=1 ps total keys=() body_keys metric_keys
  _az_reset
  _az_check_args "$base" "$tf" || return 1
  [ -n "$task_id" ] || { _az_fail "no CE task id"; return 1; }
  [ -n "$key" ] || { _az_fail "no project key"; return 1; }
  tmp="$(mktemp)"
  # The scheme for "auto" needs the version first; the task asks metrics first, so "auto" costs one
  # extra version call before P1.
  if [ "$AZDO_AUTH_SCHEME" = auto ]; then
    _az_server_version "$base" "$tf" P0 "$tmp" || { rm -f "$tmp"; return 1; }
  fi
  scheme="$(_az_scheme_for "${AZDO_SERVER_VERSION:-0}")"

  # P1: helpers/api.ts#fetchMetrics: {f: "name", ps: "500"}, then p = 2, 3, ... while p * ps < total.
  metric_keys=""
  while :; do
    local pq="/api/metrics/search?f=name&ps=500"
    [ "$page" -gt 1 ] && pq+="&p=$page"
    _az_get "$base" "$tf" "$scheme" P1 "$pq" "$tmp"
    [ "$AZ_STATUS" = 200 ] || { _az_fail "P1 $pq: $(_az_describe)"; rm -f "$tmp"; return 1; }
    if ! body_keys="$(jq -r 'if (.metrics | type) == "array" and (.p | type) == "number" and (.ps | type) == "number"
                              and (.total | type) == "number" then ([.p, .ps, .total] | map(tostring) | join(" ")), (.metrics[].key)
                            else error("no metrics page") end' "$tmp" 2>/dev/null)"; then
      _az_fail "P1 $pq: answer lacks .metrics/.p/.ps/.total"; rm -f "$tmp"; return 1
    fi
    local header; header="${body_keys%%$'\n'*}"
    read -r page ps total <<<"$header"
    [ "$body_keys" = "$header" ] || metric_keys+="${body_keys#*$'\n'}"$'\n'
    [ $((page * ps)) -ge "$total" ] && break
    page=$((page + 1))
    [ "$page" -le 50 ] || { _az_fail "P1: more than 50 pages of metrics"; rm -f "$tmp"; return 1; }
  done
  az_log "P1 metrics: $total on $page page(s)"

  # P2: helpers/request.ts#getServerVersion (not repeated when "auto" asked it already).
  if [ -z "$AZDO_SERVER_VERSION" ]; then
    _az_server_version "$base" "$tf" P2 "$tmp" || { rm -f "$tmp"; return 1; }
  fi
  az_log "P2 server version: $AZDO_SERVER_VERSION"

  # P3: sonarqube/Task.ts#waitForTaskCompletion: {id} for a Server connection, once a second.
  local tries=0 status pq_task
  pq_task="/api/ce/task?id=$(_az_encode "$task_id")"
  while :; do
    _az_get "$base" "$tf" "$scheme" P3 "$pq_task" "$tmp"
    [ "$AZ_STATUS" = 200 ] || { _az_fail "P3 $pq_task: $(_az_describe)"; rm -f "$tmp"; return 1; }
    status="$(jq -r '.task.status // empty | ascii_upcase' "$tmp" 2>/dev/null)" || status=
    [ -n "$status" ] || { _az_fail "P3 $pq_task: answer lacks .task.status"; rm -f "$tmp"; return 1; }
    AZDO_TASK_STATUS="$status"
    case "$status" in
      SUCCESS) break ;;
      FAILED|CANCELED) _az_fail "P3: task $task_id ended $status"; rm -f "$tmp"; return 1 ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt "$AZDO_POLLING_TIMEOUT_SEC" ] || { _az_fail "P3: task $task_id still $status after $tries polls"; rm -f "$tmp"; return 1; }
    sleep 1
  done
  local component
  AZDO_ANALYSIS_ID="$(jq -r '.task.analysisId // empty' "$tmp")"
  component="$(jq -r '.task.componentKey // empty' "$tmp")"
  [ -n "$AZDO_ANALYSIS_ID" ] || { _az_fail "P3: the task has no .task.analysisId"; rm -f "$tmp"; return 1; }
  [ "$component" = "$key" ] || { _az_fail "P3: the task is for '$component', not '$key'"; rm -f "$tmp"; return 1; }
  az_log "P3 task $task_id: SUCCESS after $((tries + 1)) poll(s), analysis $AZDO_ANALYSIS_ID"

  # P4: helpers/api.ts#fetchProjectStatus: {analysisId}.
  local pq_gate
  pq_gate="/api/qualitygates/project_status?analysisId=$(_az_encode "$AZDO_ANALYSIS_ID")"
  _az_get "$base" "$tf" "$scheme" P4 "$pq_gate" "$tmp"
  [ "$AZ_STATUS" = 200 ] || { _az_fail "P4 $pq_gate: $(_az_describe)"; rm -f "$tmp"; return 1; }
  AZDO_QG_STATUS="$(jq -r '.projectStatus.status // empty' "$tmp" 2>/dev/null)" || AZDO_QG_STATUS=
  case "$AZDO_QG_STATUS" in
    OK|WARN|ERROR|NONE) ;;
    *) _az_fail "P4 $pq_gate: answer lacks .projectStatus.status"; rm -f "$tmp"; return 1 ;;
  esac
  az_log "P4 quality gate: $AZDO_QG_STATUS"

  # P5: publish-task.ts#fetchRelevantMeasures: the task's metric list, filtered to what P1 listed.
  local m wanted=()
  if [ -n "$AZDO_PULL_REQUEST" ]; then wanted=("${AZDO_PULLREQUEST_MEASURES[@]}"); else wanted=("${AZDO_BRANCH_MEASURES[@]}"); fi
  for m in "${wanted[@]}"; do
    case $'\n'"$metric_keys" in *$'\n'"$m"$'\n'*) keys+=("$m") ;; esac
  done
  if [ "${#keys[@]}" -eq 0 ]; then
    AZDO_MEASURES="skipped: the server lists none of the task's metrics"
  else
    local joined pq_meas
    joined="$(IFS=,; printf '%s' "${keys[*]}")"
    pq_meas="/api/measures/component?component=$(_az_encode "$key")&metricKeys=$(_az_encode "$joined")"
    if [ -n "$AZDO_PULL_REQUEST" ]; then pq_meas+="&pullRequest=$(_az_encode "$AZDO_PULL_REQUEST")"
    elif [ -n "$AZDO_BRANCH" ]; then pq_meas+="&branch=$(_az_encode "$AZDO_BRANCH")"; fi
    _az_get "$base" "$tf" "$scheme" P5 "$pq_meas" "$tmp"
    if [ "$AZ_STATUS" = 200 ]; then
      local n
      n="$(jq -r 'if (.component.measures | type) == "array" then (.component.measures | length) else empty end' "$tmp" 2>/dev/null)" || n=
      [ -n "$n" ] || { _az_fail "P5 $pq_meas: answer lacks .component.measures"; rm -f "$tmp"; return 1; }
      AZDO_MEASURES="$n measures"
    elif [ -z "$AZ_REASON" ] && [ "$AZ_STATUS" != 000 ]; then
      AZDO_MEASURES="tolerated: SonarQube $AZ_STATUS"
    else
      _az_fail "P5 $pq_meas: $(_az_describe)"; rm -f "$tmp"; return 1
    fi
  fi
  az_log "P5 measures: $AZDO_MEASURES"
  rm -f "$tmp"
  az_log "Publish replay passed: $AZDO_CALLS requests, task $AZDO_TASK_STATUS, gate $AZDO_QG_STATUS ($scheme)"
}
