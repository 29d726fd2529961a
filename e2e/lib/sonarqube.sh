# shellcheck shell=bash
# Portcullis e2e: start and drive real SonarQube servers fetched from Maven Central.
#
# Source this file; it only defines functions and variables. Every function is
# idempotent where that makes sense and fails with a message on stderr.
#
#   source e2e/lib/sonarqube.sh
#   sq_install sq26 26.9.0.129388 19026       # fetch (cached in ~/.m2), unzip, configure
#   sq_start sq26 && sq_wait_up sq26 300
#   sq_set_admin_password sq26                # random password, kept in a 0600 file
#   sq_create_project sq26 demo "Demo"
#   sq_generate_token sq26 PROJECT_ANALYSIS_TOKEN demo   # prints the token FILE path, never the token
#   sq_stop sq26
#
# Layout of an instance NAME (all under $E2E_WORK, default /tmp/portcullis-e2e):
#   $E2E_WORK/NAME/sonarqube-<version>/   server tree, owned by user `sonar`
#   $E2E_WORK/NAME/instance.env           VERSION, WEB_PORT, SEARCH_PORT, DB_PORT, HOME_DIR
#   $E2E_WORK/NAME/secrets/               mode 700, root only: admin.pw, token-*.txt (mode 600)
#
# Secrets never appear on a command line, in the terminal or in a log: curl reads them from a
# config file given on stdin (`curl -K -`), and tokens go straight from the JSON answer into files.
#
# Needs: root (for useradd, chown, sysctl, su), curl, jq, unzip, mvn, a JDK 17 and a JDK 21+.

E2E_WORK="${E2E_WORK:-/tmp/portcullis-e2e}"
SQ_USER="${SQ_USER:-sonar}"
SQ_JDK17="${SQ_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}"
SQ_JDK21PLUS="${SQ_JDK21PLUS:-/usr/lib/jvm/temurin-25-jdk-amd64}"
SQ_HOST="${SQ_HOST:-127.0.0.1}"

sq_log() { printf '[sq %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
sq_die() { printf '[sq] ERROR: %s\n' "$*" >&2; return 1; }

# sq_port_busy PORT -> 0 when something listens on the TCP port. No `| grep -q`: under pipefail an
# early-exiting reader can kill ss with SIGPIPE and turn "busy" into "free".
sq_port_busy() { [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; }

sq_require_tools() {
  local t missing=()
  for t in curl jq unzip mvn su sysctl; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sq_die "missing tools: ${missing[*]} (apt-get install -y ${missing[*]})"; return 1
  fi
  [ "$(id -u)" = 0 ] || { sq_die "must run as root (useradd, chown, sysctl, su)"; return 1; }
}

# --- instance bookkeeping -----------------------------------------------------------------

sq_base() { printf '%s/%s' "$E2E_WORK" "$1"; }
sq_secrets() { printf '%s/%s/secrets' "$E2E_WORK" "$1"; }

# sq_env NAME VAR -> value from instance.env
sq_env() {
  local f; f="$(sq_base "$1")/instance.env"
  [ -f "$f" ] || { sq_die "instance '$1' is not installed (no $f)"; return 1; }
  ( # shellcheck disable=SC1090
    . "$f"; eval "printf '%s' \"\${$2:-}\"" )
}
sq_home() { sq_env "$1" HOME_DIR; }
sq_version() { sq_env "$1" VERSION; }
# sq_url NAME -> http://host:port[/context]: the base every API path is appended to
sq_url() { printf 'http://%s:%s%s' "$SQ_HOST" "$(sq_env "$1" WEB_PORT)" "$(sq_env "$1" CONTEXT_PATH)"; }
sq_access_log() { printf '%s/logs/access.log' "$(sq_home "$1")"; }

# Which JDK runs a given SonarQube version: 9.x/10.x -> 17; 25.x (Community Build) -> 17 as well:
# its Elasticsearch starts with -Djava.security.manager=allow, which Java 24 and later refuse
# ("Enabling a Security Manager is not supported"; seen with 25.12 on Temurin 25, while 25.12 runs
# on JDK 17), and SQ_JDK21PLUS may be such a JDK. 2025.x (the commercial releases of that
# generation, not tried) is treated alike. 26.x and later -> 21+.
sq_java_home_for() {
  local major="${1%%.*}"
  if [ -n "${SQ_JAVA_HOME:-}" ]; then printf '%s' "$SQ_JAVA_HOME"; return; fi
  if [ "$major" -eq 25 ] || [ "$major" -eq 2025 ] || [ "$major" -lt 11 ]; then printf '%s' "$SQ_JDK17"
  else printf '%s' "$SQ_JDK21PLUS"; fi
}

# --- fetch and install --------------------------------------------------------------------

# sq_fetch VERSION -> prints the path of the zip in ~/.m2 (downloads it once)
sq_fetch() {
  local v="$1" zip
  zip="${HOME}/.m2/repository/org/sonarsource/sonarqube/sonar-application/${v}/sonar-application-${v}.zip"
  if [ ! -s "$zip" ]; then
    sq_log "fetching sonar-application:${v}:zip from Maven Central (large)"
    mvn -B -q dependency:get -Dartifact="org.sonarsource.sonarqube:sonar-application:${v}:zip" \
        -Dtransitive=false >&2 || { sq_die "mvn dependency:get failed for sonar-application ${v}"; return 1; }
  fi
  [ -s "$zip" ] || { sq_die "zip not found after download: $zip"; return 1; }
  printf '%s' "$zip"
}

sq_ensure_user() {
  id "$SQ_USER" >/dev/null 2>&1 && return 0
  sq_log "creating user $SQ_USER"
  useradd -m -s /bin/bash "$SQ_USER" || { sq_die "useradd $SQ_USER failed"; return 1; }
}

sq_ensure_sysctl() {
  local cur; cur="$(sysctl -n vm.max_map_count 2>/dev/null || echo 0)"
  if [ "$cur" -lt 262144 ]; then
    sysctl -w vm.max_map_count=262144 >/dev/null \
      || { sq_die "cannot set vm.max_map_count=262144 (Elasticsearch needs it)"; return 1; }
  fi
}

# The access-log pattern used by the e2e recorder. Tab-separated:
#   PCX <epoch-ms-ish date> <method> <uri+query> <status> <auth-scheme> <login> <bytes> <request id>
#       <X-Forwarded-For> <X-Portcullis-Case>
# The Authorization header is reduced to its scheme by %replace so that no token is ever logged.
# The last two columns ("-" when absent) tell the requests a gateway forwarded (it adds X-Forwarded-For)
# from its own credential checks, and attribute each request of the hostile corpus (e2e/hostile/) to its
# case; readers of the first nine columns are not affected.
# (Falls back to the default pattern when SQ_ACCESS_LOG_PATTERN is set to "default".)
# shellcheck disable=SC2016  # the $1 is logback's regex group reference, not a shell expansion
SQ_ACCESS_LOG_PATTERN_E2E='PCX	%t{yyyy-MM-dd HH:mm:ss.SSS}	%m	%U%q	%s	%replace(%i{Authorization}){'"'"'^(\S+)\s.*$'"'"', '"'"'$1'"'"'}	%reqAttribute{LOGIN}	%b	%reqAttribute{ID}	%i{X-Forwarded-For}	%i{X-Portcullis-Case}'

# sq_install NAME VERSION WEB_PORT [SEARCH_PORT] [DB_PORT]
# SQ_WEB_CONTEXT (env, optional): SonarQube's web context (sonar.web.context), such as /sonarqube;
# sq_url then includes it. Installing again over a stopped instance changes it and keeps the data.
sq_install() {
  local name="$1" v="$2" web="$3" search="${4:-$(( $3 + 100 ))}" db="${5:-$(( $3 + 200 ))}"
  if [ -z "$name" ] || [ -z "$v" ] || [ -z "$web" ]; then
    sq_die "usage: sq_install NAME VERSION WEB_PORT [SEARCH_PORT] [DB_PORT]"; return 1
  fi
  sq_require_tools || return 1
  local base home zip
  base="$(sq_base "$name")"; home="$base/sonarqube-$v"
  mkdir -p "$base" && chmod 755 "$E2E_WORK" "$base"
  install -d -m 700 "$(sq_secrets "$name")"
  zip="$(sq_fetch "$v")" || return 1
  if [ ! -x "$home/bin/linux-x86-64/sonar.sh" ] || [ ! -f "$home/.e2e-unzipped" ]; then
    sq_log "unzipping $v into $base"
    rm -rf "$home"
    unzip -q -o "$zip" -d "$base" || { sq_die "unzip failed: $zip"; return 1; }
    [ -d "$home" ] || { sq_die "zip did not contain sonarqube-$v/"; return 1; }
    touch "$home/.e2e-unzipped"
  fi
  sq_ensure_user || return 1
  sq_ensure_sysctl || return 1
  chmod +x "$home/bin/linux-x86-64/sonar.sh" "$home"/elasticsearch/bin/* 2>/dev/null
  # Our settings live in a marked block at the end of conf/sonar.properties; rewrite it each time.
  local props="$home/conf/sonar.properties" pattern="${SQ_ACCESS_LOG_PATTERN:-$SQ_ACCESS_LOG_PATTERN_E2E}"
  sed -i '/^# >>> portcullis-e2e >>>$/,/^# <<< portcullis-e2e <<<$/d' "$props"
  {
    echo '# >>> portcullis-e2e >>>'
    echo "sonar.web.host=$SQ_HOST"
    echo "sonar.web.port=$web"
    echo "sonar.search.host=$SQ_HOST"
    echo "sonar.search.port=$search"
    echo "sonar.embeddedDatabase.port=$db"
    echo "sonar.telemetry.enable=false"
    echo "sonar.updatecenter.activate=false"
    echo "sonar.web.accessLogs.enable=true"
    [ -n "${SQ_WEB_CONTEXT:-}" ] && echo "sonar.web.context=$SQ_WEB_CONTEXT"
    # java.util.Properties treats '\' as an escape: double every backslash of the pattern.
    [ "$pattern" = default ] || printf 'sonar.web.accessLogs.pattern=%s\n' "${pattern//\\/\\\\}"
    echo '# <<< portcullis-e2e <<<'
  } >> "$props"
  cat > "$base/instance.env" <<EOF
VERSION=$v
WEB_PORT=$web
SEARCH_PORT=$search
DB_PORT=$db
HOME_DIR=$home
CONTEXT_PATH=${SQ_WEB_CONTEXT:-}
EOF
  chown -R "$SQ_USER:$SQ_USER" "$home"
  sq_log "installed $name: SonarQube $v at $home, web http://$SQ_HOST:$web${SQ_WEB_CONTEXT:-}"
}

# --- lifecycle ----------------------------------------------------------------------------

sq_status() { # prints UP/STARTING/... or nothing
  curl -s --max-time 5 "$(sq_url "$1")/api/system/status" 2>/dev/null | jq -r '.status // empty' 2>/dev/null
}

sq_start() {
  local name="$1" home v java
  home="$(sq_home "$name")" || return 1; v="$(sq_version "$name")"
  if [ -n "$(sq_status "$name")" ]; then sq_log "$name already answering on $(sq_url "$name")"; return 0; fi
  local port; port="$(sq_env "$name" WEB_PORT)"
  if sq_port_busy "$port"; then
    sq_die "port $port is taken by another process"; return 1
  fi
  java="$(sq_java_home_for "$v")/bin/java"
  [ -x "$java" ] || { sq_die "JDK not found for SonarQube $v: $java (set SQ_JDK17 / SQ_JDK21PLUS / SQ_JAVA_HOME)"; return 1; }
  sq_log "starting $name (SonarQube $v, $java)"
  su "$SQ_USER" -s /bin/bash -c "cd '$home' && SONAR_JAVA_PATH='$java' bin/linux-x86-64/sonar.sh start" >&2 \
    || { sq_die "sonar.sh start failed"; sq_tail_logs "$name"; return 1; }
}

sq_tail_logs() {
  local home f; home="$(sq_home "$1")" || return 1
  for f in sonar.log es.log web.log ce.log; do
    [ -f "$home/logs/$f" ] || continue
    printf '%s\n' "----- tail $home/logs/$f -----" >&2
    tail -n "${2:-40}" "$home/logs/$f" >&2
  done
}

# sq_wait_up NAME [TIMEOUT_SECONDS=300]
sq_wait_up() {
  local name="$1" timeout="${2:-300}" start st
  start=$SECONDS
  while :; do
    st="$(sq_status "$name")"
    [ "$st" = UP ] && { sq_log "$name is UP after $((SECONDS - start)) s"; return 0; }
    case "$st" in DB_MIGRATION_NEEDED|DB_MIGRATION_RUNNING|DOWN)
      sq_die "$name status $st"; sq_tail_logs "$name"; return 1;;
    esac
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      sq_die "$name not UP after ${timeout}s (last status: ${st:-no answer})"; sq_tail_logs "$name" 60; return 1
    fi
    sleep 3
  done
}

sq_stop() {
  local name="$1" home
  home="$(sq_home "$name" 2>/dev/null)" || return 0
  [ -x "$home/bin/linux-x86-64/sonar.sh" ] || return 0
  sq_log "stopping $name"
  su "$SQ_USER" -s /bin/bash -c "cd '$home' && bin/linux-x86-64/sonar.sh stop" >/dev/null 2>&1 || true
  # Belt and braces: kill only the processes whose command line points into this instance's tree.
  local pids; pids="$(pgrep -u "$SQ_USER" -f -- "$home/" || true)"
  if [ -n "$pids" ]; then
    sleep 5; pids="$(pgrep -u "$SQ_USER" -f -- "$home/" || true)"
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill $pids 2>/dev/null; sleep 3
    pids="$(pgrep -u "$SQ_USER" -f -- "$home/" || true)"
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  fi
  return 0
}

# sq_purge NAME: stop and delete the instance tree (the ~/.m2 zip stays).
sq_purge() { sq_stop "$1"; rm -rf "$(sq_base "$1")"; }

# --- web API helpers (credentials via curl config on stdin) -------------------------------

# sq_api_admin NAME METHOD PATH [curl args...] -> body on stdout; HTTP status in $SQ_LAST_STATUS
sq_api_admin() {
  local name="$1" method="$2" path="$3"; shift 3
  local pwf; pwf="$(sq_secrets "$name")/admin.pw"
  local pw=admin; [ -s "$pwf" ] && pw="$(cat "$pwf")"
  _sq_curl "$name" "$method" "$path" "user = \"admin:$pw\"" "$@"
}

# sq_api_token NAME TOKEN_FILE METHOD PATH [scheme=bearer|basic] -> as above
sq_api_token() {
  local name="$1" tf="$2" method="$3" path="$4" scheme="${5:-bearer}"
  [ -s "$tf" ] || { sq_die "token file missing: $tf"; return 1; }
  local tok; tok="$(cat "$tf")"
  if [ "$scheme" = basic ]; then
    _sq_curl "$name" "$method" "$path" "user = \"$tok:\""
  else
    _sq_curl "$name" "$method" "$path" "header = \"Authorization: Bearer $tok\""
  fi
}

SQ_LAST_STATUS=
_sq_curl() {
  local name="$1" method="$2" path="$3" cfg="$4"; shift 4
  local out code
  out="$(mktemp)"
  code="$(printf '%s\n' "$cfg" | curl -s -o "$out" -w '%{http_code}' -K - -X "$method" --max-time 60 "$@" "$(sq_url "$name")$path")"
  SQ_LAST_STATUS="$code"
  cat "$out"; rm -f "$out"
  case "$code" in 2??) return 0;; *) return 1;; esac
}

# sq_set_admin_password NAME: change admin/admin to a random password kept in secrets/admin.pw
sq_set_admin_password() {
  local name="$1" sec pwf new
  sec="$(sq_secrets "$name")"; pwf="$sec/admin.pw"
  if [ -s "$pwf" ] && sq_api_admin "$name" GET /api/authentication/validate | jq -e '.valid == true' >/dev/null 2>&1; then
    return 0
  fi
  new="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"; new="Pc-${new:0:20}-9x"
  local tmp; tmp="$(mktemp "$sec/pw.XXXXXX")"; chmod 600 "$tmp"; printf '%s' "$new" > "$tmp"
  local code
  code="$(printf '%s\n' "user = \"admin:admin\"" | curl -s -o /dev/null -w '%{http_code}' -K - -X POST --max-time 30 \
      --data-urlencode "login=admin" --data-urlencode "previousPassword=admin" --data-urlencode "password@$tmp" \
      "$(sq_url "$name")/api/users/change_password")"
  if [ "$code" = 204 ] || [ "$code" = 200 ]; then
    mv "$tmp" "$pwf"; chmod 600 "$pwf"; sq_log "$name: admin password changed (stored in $pwf)"
  else
    rm -f "$tmp"; sq_die "$name: change_password answered HTTP $code"; return 1
  fi
}

# sq_create_project NAME KEY [DISPLAY_NAME]  (no-op when it exists)
sq_create_project() {
  local name="$1" key="$2" disp="${3:-$2}"
  if sq_api_admin "$name" GET "/api/projects/search?projects=$key" | jq -e '.components | length > 0' >/dev/null 2>&1; then
    return 0
  fi
  sq_api_admin "$name" POST /api/projects/create --data-urlencode "project=$key" --data-urlencode "name=$disp" >/dev/null \
    || { sq_die "$name: projects/create $key answered HTTP $SQ_LAST_STATUS"; return 1; }
  sq_log "$name: project $key created"
}

# sq_recreate_project NAME KEY [DISPLAY_NAME]: delete (if present) and create, for a first analysis
sq_recreate_project() {
  local name="$1" key="$2"
  if sq_api_admin "$name" GET "/api/projects/search?projects=$key" | jq -e '.components | length > 0' >/dev/null 2>&1; then
    sq_api_admin "$name" POST /api/projects/delete --data-urlencode "project=$key" >/dev/null \
      || { sq_die "$name: projects/delete $key answered HTTP $SQ_LAST_STATUS"; return 1; }
    sq_log "$name: project $key deleted"
  fi
  sq_create_project "$@"
}

# sq_generate_token NAME TYPE [PROJECT_KEY] -> prints the path of a 0600 file holding the token.
# TYPE: PROJECT_ANALYSIS_TOKEN (needs PROJECT_KEY), GLOBAL_ANALYSIS_TOKEN, USER_TOKEN.
# Re-uses an existing token file if the token still validates.
sq_generate_token() {
  local name="$1" type="$2" pkey="${3:-}" sec f tname
  sec="$(sq_secrets "$name")"
  case "$type" in
    PROJECT_ANALYSIS_TOKEN) [ -n "$pkey" ] || { sq_die "PROJECT_ANALYSIS_TOKEN needs a project key"; return 1; }
                            f="$sec/token-project-$pkey.txt";;
    GLOBAL_ANALYSIS_TOKEN) f="$sec/token-global.txt";;
    USER_TOKEN) f="$sec/token-user.txt";;
    *) sq_die "unknown token type $type"; return 1;;
  esac
  if [ -s "$f" ] && sq_api_token "$name" "$f" GET /api/authentication/validate basic | jq -e '.valid == true' >/dev/null 2>&1; then
    printf '%s' "$f"; return 0
  fi
  tname="e2e-$(basename "$f" .txt)-$(date +%s)-$RANDOM"
  sq_generate_token_file "$name" "$type" "$tname" "$f" "$pkey" || return 1
  printf '%s' "$f"
}

# sq_generate_token_file NAME TYPE TOKEN_NAME FILE [PROJECT_KEY]: always mints a new token of the admin
# user named TOKEN_NAME and writes it to FILE (mode 600, no newline); prints nothing. Revoke it with
# sq_revoke_token NAME TOKEN_NAME.
sq_generate_token_file() {
  local name="$1" type="$2" tname="$3" f="$4" pkey="${5:-}"
  local args=(--data-urlencode "name=$tname" --data-urlencode "type=$type")
  [ -n "$pkey" ] && args+=(--data-urlencode "projectKey=$pkey")
  local tmp; tmp="$(mktemp "$(dirname "$f")/tok.XXXXXX")"; chmod 600 "$tmp"
  if ! sq_api_admin "$name" POST /api/user_tokens/generate "${args[@]}" | jq -r '.token // empty' > "$tmp" || [ ! -s "$tmp" ]; then
    rm -f "$tmp"; sq_die "$name: user_tokens/generate $type answered HTTP $SQ_LAST_STATUS"; return 1
  fi
  # strip the trailing newline jq adds
  printf '%s' "$(cat "$tmp")" > "$tmp"; mv "$tmp" "$f"; chmod 600 "$f"
  sq_log "$name: $type generated (name $tname) -> $f"
}

# sq_revoke_token NAME TOKEN_NAME [LOGIN=admin]
sq_revoke_token() {
  sq_api_admin "$1" POST /api/user_tokens/revoke --data-urlencode "name=$2" --data-urlencode "login=${3:-admin}" >/dev/null \
    || { sq_die "$1: revoke $2 answered HTTP $SQ_LAST_STATUS"; return 1; }
}
