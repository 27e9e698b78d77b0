#!/usr/bin/env bash
# Makes sure the IdP's three dependencies answer, then bootstraps PostgreSQL:
#   NATS with JetStream, Redis, PostgreSQL (databases idp and idp_test, roles, schemas).
#
# For each dependency on this machine: if it answers, leave it alone; if it is installed, start it;
# if it is missing and we are root on a Debian-like system, install it from the OS packages and
# start it; otherwise print what to run and exit non-zero. Dependencies on another host (set by
# the variables below) are only checked, never started.
#
# Idempotent and quick when everything already runs: `make infra`, `make up` and `make test` call
# it every time.
#
# Environment (all optional):
#   NATS_URL             nats://127.0.0.1:4222
#   REDIS_URL            redis://127.0.0.1:6379
#   DATABASE_ADMIN_URL   a superuser connection URL, e.g. postgres://postgres@db.internal:5432/postgres
#                        (otherwise PGHOST / PGPORT, default 127.0.0.1 / 5432, user postgres)
#   INFRA_WAIT_SECONDS   how long to wait for each dependency to answer after a start (30)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bootstrap_sql="$here/postgres/bootstrap.sql"
wait_seconds="${INFRA_WAIT_SECONDS:-30}"
is_root=false
[[ $(id -u) == 0 ]] && is_root=true

say() { printf 'infra: %s\n' "$*"; }
complain() { printf 'infra: %s\n' "$*" >&2; }

# Two concurrent runs (say `make up` in one terminal and `make test` in another) must not both
# start a server or race on CREATE DATABASE. Every server we start gets `9>&-`: a daemon that
# inherited the lock's descriptor would hold the lock for as long as it runs.
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/idp-ensure-infra.lock"
  flock -w 120 9 || complain "another ensure-infra.sh holds the lock; continuing anyway"
fi

# --- Where each dependency lives -------------------------------------------------------------

# Prints "host port" for a URL such as nats://user:pass@host:4222,nats://other:4222 or
# postgres://u@[::1]:5432/db?sslmode=disable. Only the first server of a list is checked.
host_port() {
  local rest="${1#*://}" default_port="$2" host port
  rest="${rest%%,*}"
  rest="${rest##*@}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  if [[ $rest == \[* ]]; then
    host="${rest%%]*}"
    host="${host#[}"
    port="${rest#*]}"
  else
    host="${rest%%:*}"
    port="${rest#"$host"}"
  fi
  port="${port#:}"
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$default_port}"
}

is_local() {
  case "$1" in
    127.0.0.1 | localhost | ::1 | /*) return 0 ;;
    *) return 1 ;;
  esac
}

nats_url="${NATS_URL:-nats://127.0.0.1:4222}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
read -r nats_host nats_port < <(host_port "$nats_url" 4222)
read -r redis_host redis_port < <(host_port "$redis_url" 6379)
if [[ -n ${DATABASE_ADMIN_URL:-} ]]; then
  read -r pg_host pg_port < <(host_port "$DATABASE_ADMIN_URL" 5432)
  pg_where="$pg_host:$pg_port"
else
  pg_host="${PGHOST:-127.0.0.1}"
  pg_port="${PGPORT:-5432}"
  pg_where="$pg_host:$pg_port"
fi
# The start commands bind loopback; a "localhost" URL still reaches them.
[[ $nats_host == localhost ]] && nats_host=127.0.0.1
[[ $redis_host == localhost ]] && redis_host=127.0.0.1

# --- Probes: pure bash (/dev/tcp), so no client tools are needed -----------------------------

# The first line a NATS server sends is INFO {...}; it says "jetstream":true when JetStream is on.
nats_probe() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 line <&3 && printf "%s\n" "$line"' \
    "$nats_host" "$nats_port" 2>/dev/null
}

# 0: answers with JetStream; 1: no answer; 2: answers without JetStream.
nats_state() {
  local info
  info="$(nats_probe)" || return 1
  [[ $info == INFO* ]] || return 1
  [[ $info == *'"jetstream":true'* ]] || return 2
  return 0
}

# Any RESP reply counts: -NOAUTH from a password-protected Redis still proves it is up.
redis_answers() {
  local reply
  if [[ $redis_url == rediss://* ]]; then
    # TLS: a plain PING gets no reply, so an open port is all we can check without a client.
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$redis_host" "$redis_port" 2>/dev/null
    return
  fi
  reply="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && IFS= read -r -t 2 l <&3 && printf "%s" "$l"' \
    "$redis_host" "$redis_port" 2>/dev/null)" || return 1
  [[ $reply == [+-]* ]]
}

# 0: accepting connections; 1: up but rejecting (starting, recovering); 2: no answer.
pg_state() {
  if command -v pg_isready >/dev/null; then
    local rc=0
    if [[ -n ${DATABASE_ADMIN_URL:-} ]]; then
      pg_isready -q -t 3 -d "$DATABASE_ADMIN_URL" || rc=$?
    else
      pg_isready -q -t 3 -h "$pg_host" -p "$pg_port" || rc=$?
    fi
    case $rc in 0) return 0 ;; 1) return 1 ;; *) return 2 ;; esac
  fi
  [[ $pg_host == /* ]] && return 2
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$pg_host" "$pg_port" 2>/dev/null || return 2
}

# --- Installing and starting -----------------------------------------------------------------
# These run inside `ensure_x || failed+=(...)`, where bash ignores `set -e`: hence the explicit
# `|| return 1` after every step that can fail.

apt_updated=false
apt_install() {
  say "installing $* from the OS packages"
  if ! $apt_updated; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

can_install() { $is_root && command -v apt-get >/dev/null; }

# Prints how to get a missing dependency and fails: we cannot install it from here.
explain_missing() {
  local what="$1" apt_pkg="$2" brew_pkg="$3"
  complain "$what is not installed and this script cannot install it (needs root and apt-get)."
  complain "  Debian/Ubuntu:  sudo apt-get install -y $apt_pkg"
  complain "  macOS:          brew install $brew_pkg && brew services start $brew_pkg"
  complain "  With Docker:    docker compose -f infra/compose.yaml up -d"
  complain "Then run make infra again."
  return 1
}

# Data and log directories: the system ones as root, the repository's var/ otherwise, so a
# developer without root can still run Redis and NATS from the OS packages.
state_dir() {
  if $is_root; then printf '%s\n' "$1"; else printf '%s\n' "$root/var/infra/$2"; fi
}

nats_bin() { command -v nats-server || { [[ -x /usr/sbin/nats-server ]] && echo /usr/sbin/nats-server; }; }

start_nats() {
  local bin data log_file
  bin="$(nats_bin)" || true
  if [[ -z $bin ]]; then
    can_install || explain_missing "NATS (nats-server)" nats-server nats-server || return 1
    apt_install nats-server || return 1
    bin="$(nats_bin)"
  fi
  # A server on another port gets its own JetStream store: two servers must never share one.
  local suffix=""
  [[ $nats_port == 4222 ]] || suffix="-$nats_port"
  data="$(state_dir "/var/lib/nats-server$suffix" "nats$suffix")"
  log_file="$(state_dir /var/log "nats$suffix")/nats-server$suffix.log"
  mkdir -p "$data" "$(dirname "$log_file")" || return 1
  say "starting NATS with JetStream on 127.0.0.1:$nats_port (log: $log_file)"
  if command -v start-stop-daemon >/dev/null || [[ -x /usr/sbin/start-stop-daemon ]]; then
    # The pid file scopes --oknodo to this port: without it, any nats-server process on the machine
    # (another port, a hung one) counts as "already running" and nothing starts.
    PATH="$PATH:/usr/sbin:/sbin" start-stop-daemon --start --oknodo --background \
      --pidfile "$data/nats-$nats_port.pid" --make-pidfile --exec "$bin" -- \
      -a 127.0.0.1 -p "$nats_port" -js -sd "$data" -l "$log_file" 9>&- || return 1
  else
    nohup "$bin" -a 127.0.0.1 -p "$nats_port" -js -sd "$data" -l "$log_file" >/dev/null 2>&1 9>&- &
    disown
  fi
}

start_redis() {
  if ! command -v redis-server >/dev/null; then
    can_install || explain_missing "Redis (redis-server)" redis-server redis || return 1
    apt_install redis-server || return 1
  fi
  local data log_dir log_file
  data="$(state_dir /var/lib/redis redis)"
  log_dir="$(state_dir /var/log/redis redis)"
  log_file="$log_dir/ci.log"
  [[ $redis_port == 6379 ]] || log_file="$log_dir/ci-$redis_port.log"
  mkdir -p "$data" "$log_dir" || return 1
  say "starting Redis on 127.0.0.1:$redis_port (log: $log_file)"
  # Nothing is persisted (--save "", no AOF): development and CI data is disposable.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --dir "$data" --logfile "$log_file" 9>&-
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

# Development only: trust on the Unix socket and loopback, so services connect as their role
# without a password. Applied only to a cluster this script created or installed.
trust_loopback() {
  local version="$1" hba
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  say "setting trust authentication on loopback in $hba (development cluster)"
  cat >"$hba" <<'HBA'
# Written by the IdP's infra/ensure-infra.sh for a development machine: trust on loopback only.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
host    all   all   ::1/128        trust
HBA
}

start_postgres() {
  local version fresh=false
  if ! command -v pg_ctlcluster >/dev/null; then
    can_install || explain_missing "PostgreSQL" postgresql postgresql@15 || return 1
    apt_install postgresql || return 1
    fresh=true # the package created the cluster with password auth on TCP
  fi
  if ! $is_root; then
    complain "PostgreSQL is installed but not running, and starting the system cluster needs root:"
    complain "  sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
    return 1
  fi
  version="$(pg_version)"
  if [[ -z $version || ! -d /etc/postgresql/$version/main ]]; then
    [[ -n $version ]] || version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    say "creating PostgreSQL $version cluster main on port $pg_port"
    pg_createcluster "$version" main -p "$pg_port" >/dev/null || return 1
    fresh=true
  fi
  if $fresh; then trust_loopback "$version" || return 1; fi
  # The package's init scripts normally create the socket directory; a bare container may not have.
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql || return 1
  if pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1; then
    # Running already (apt may have started it): reload to pick up the new pg_hba.conf.
    if $fresh; then
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload || return 1
      return 0
    fi
    complain "PostgreSQL $version/main is running but does not answer on $pg_where;"
    complain "  check port and listen_addresses in /etc/postgresql/$version/main/postgresql.conf"
    return 1
  fi
  say "starting PostgreSQL $version cluster main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 9>&-
}

# Waits up to $wait_seconds for "$@" to succeed.
wait_for() {
  local deadline=$((SECONDS + wait_seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# --- The three dependencies ------------------------------------------------------------------

failed=()
summary=()

ensure_nats() {
  local rc=0
  nats_state || rc=$?
  if ((rc == 2)); then
    complain "a NATS server answers on $nats_host:$nats_port but JetStream is off."
    complain "  Restart it with -js, e.g.: nats-server -a 127.0.0.1 -p $nats_port -js -sd /var/lib/nats-server"
    return 1
  fi
  if ((rc == 0)); then
    say "NATS answers on $nats_host:$nats_port (JetStream on)"
    return 0
  fi
  if ! is_local "$nats_host"; then
    complain "NATS at $nats_host:$nats_port does not answer (it is not on this machine, so it is only checked)"
    return 1
  fi
  start_nats || return 1
  if ! wait_for nats_state; then
    complain "NATS did not answer with JetStream on within ${wait_seconds}s; see its log (path above)"
    return 1
  fi
  say "NATS started and answers on $nats_host:$nats_port (JetStream on)"
}

ensure_redis() {
  if redis_answers; then
    say "Redis answers on $redis_host:$redis_port"
    return 0
  fi
  if ! is_local "$redis_host"; then
    complain "Redis at $redis_host:$redis_port does not answer (it is not on this machine, so it is only checked)"
    return 1
  fi
  start_redis || return 1
  if ! wait_for redis_answers; then
    complain "Redis did not answer within ${wait_seconds}s; see its log (path above)"
    return 1
  fi
  say "Redis started and answers on $redis_host:$redis_port"
}

ensure_postgres() {
  local rc=0
  pg_state || rc=$?
  if ((rc == 0)); then
    say "PostgreSQL answers on $pg_where"
    return 0
  fi
  # 1 = it runs but is still starting or recovering: wait, never start a second one.
  if ((rc == 2)); then
    if ! is_local "$pg_host"; then
      complain "PostgreSQL at $pg_where does not answer (it is not on this machine, so it is only checked)"
      return 1
    fi
    start_postgres || return 1
  fi
  if ! wait_for pg_state; then
    complain "PostgreSQL did not accept connections within ${wait_seconds}s; see /var/log/postgresql/"
    return 1
  fi
  say "PostgreSQL answers on $pg_where"
}

ensure_nats || failed+=(NATS)
ensure_redis || failed+=(Redis)
ensure_postgres || failed+=(PostgreSQL)

if ((${#failed[@]} > 0)); then
  complain "not available: ${failed[*]}. Fix the above and run make infra again."
  exit 1
fi

# --- PostgreSQL bootstrap --------------------------------------------------------------------

bootstrap() {
  if ! command -v psql >/dev/null; then
    complain "psql is not installed, so databases, roles and schemas were not checked."
    complain "  Debian/Ubuntu: sudo apt-get install -y postgresql-client   (the compose setup bootstraps itself)"
    return 0
  fi
  # -w: never prompt for a password (CI has no stdin); -X: ignore the user's ~/.psqlrc.
  local psql_opts=(-X -q -w -v ON_ERROR_STOP=1) out
  if [[ -n ${DATABASE_ADMIN_URL:-} ]]; then
    out="$(psql "${psql_opts[@]}" -d "$DATABASE_ADMIN_URL" -f "$bootstrap_sql" 2>&1)" && return 0
  else
    out="$(psql "${psql_opts[@]}" -h "$pg_host" -p "$pg_port" -U postgres -d postgres -f "$bootstrap_sql" 2>&1)" &&
      return 0
    # A packaged cluster asks for a password on TCP but lets the postgres OS user in on the socket.
    if $is_root && is_local "$pg_host" && id postgres >/dev/null 2>&1; then
      local as_postgres=(su postgres -s /bin/sh -c)
      command -v runuser >/dev/null && as_postgres=(runuser -u postgres -- sh -c)
      # The SQL goes in on stdin: the postgres user may not be able to read the repository.
      out="$("${as_postgres[@]}" "psql ${psql_opts[*]} -p $pg_port -d postgres" <"$bootstrap_sql" 2>&1)" && return 0
    fi
  fi
  complain "the PostgreSQL bootstrap (infra/postgres/bootstrap.sql) failed:"
  printf '%s\n' "$out" | sed 's/^/  /' >&2
  return 1
}

if ! bootstrap; then
  exit 1
fi

say "ready: NATS $nats_host:$nats_port (JetStream), Redis $redis_host:$redis_port, PostgreSQL $pg_where" \
  "(databases idp and idp_test; roles idp_accounts, idp_activation, idp_ra; schemas accounts, activation, ra)"
