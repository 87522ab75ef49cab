#!/usr/bin/env bash
# pnpm deps:up   - make Postgres, NATS and pgbouncer answer on a machine without Docker, create the
#                  chargebus role and database, run the migrations. Idempotent and quick when all is up.
# pnpm deps:down - stop the pgbouncer this script started (Postgres and NATS are left running).
#
# What it does, in order:
#   1. Postgres on POSTGRES_HOST:POSTGRES_PORT answers, else `pg_ctlcluster --skip-systemctl-redirect <ver> main start`.
#   2. NATS on NATS_HOST:NATS_PORT answers, else nats-server is started with JetStream
#      (as root: start-stop-daemon, store /var/lib/nats-server; otherwise in the background, store in $PGBOUNCER_DIR/nats).
#   3. Role CHARGEBUS_DB_USER (LOGIN CREATEDB PASSWORD CHARGEBUS_DB_PASSWORD) and database CHARGEBUS_DB_NAME
#      (owned by it) exist; created through psql as the POSTGRES_SUPERUSER if missing.
#   4. pgbouncer is installed (apt-get when root), configured in $PGBOUNCER_DIR (transaction pooling, wildcard
#      database entry so throwaway test databases work, SCRAM auth from a plain-text userlist) and running as a daemon
#      under PGBOUNCER_RUN_AS (never root). A healthy pgbouncer with unchanged config is left alone; a changed
#      config restarts it.
#   5. `chargebus migrate` against the database, directly on Postgres (DEPS_UP_MIGRATE=0 skips it).
#
# Environment overrides (defaults in brackets):
#   POSTGRES_HOST [127.0.0.1]  POSTGRES_PORT [5432]  POSTGRES_SUPERUSER [postgres]
#   NATS_HOST [127.0.0.1]  NATS_PORT [4222]
#   PGBOUNCER_HOST [127.0.0.1]  PGBOUNCER_PORT [6432]
#   PGBOUNCER_DIR [/tmp/chargebus-pgbouncer; /tmp/chargebus-pgbouncer-<port> for another port]
#   PGBOUNCER_POOL_SIZE [10]  PGBOUNCER_MAX_CLIENT_CONN [2000]
#   PGBOUNCER_RUN_AS [postgres when run as root, else the current user]
#   CHARGEBUS_DB_USER [chargebus]  CHARGEBUS_DB_PASSWORD [chargebus]  CHARGEBUS_DB_NAME [chargebus]
#   BI_READER_PASSWORD [bi_reader]  (role bi_reader: BI tools, select on the `bi` views only; see services/api)
#   DEPS_UP_MIGRATE [1]
set -euo pipefail

POSTGRES_HOST=${POSTGRES_HOST:-127.0.0.1}
POSTGRES_PORT=${POSTGRES_PORT:-5432}
POSTGRES_SUPERUSER=${POSTGRES_SUPERUSER:-postgres}
NATS_HOST=${NATS_HOST:-127.0.0.1}
NATS_PORT=${NATS_PORT:-4222}
PGBOUNCER_HOST=${PGBOUNCER_HOST:-127.0.0.1}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6432}
# One directory per port, so a pgbouncer on another port never rewrites the default one.
if [[ $PGBOUNCER_PORT == 6432 ]]; then
  PGBOUNCER_DIR=${PGBOUNCER_DIR:-/tmp/chargebus-pgbouncer}
else
  PGBOUNCER_DIR=${PGBOUNCER_DIR:-/tmp/chargebus-pgbouncer-$PGBOUNCER_PORT}
fi
PGBOUNCER_POOL_SIZE=${PGBOUNCER_POOL_SIZE:-10}
PGBOUNCER_MAX_CLIENT_CONN=${PGBOUNCER_MAX_CLIENT_CONN:-2000}
CHARGEBUS_DB_USER=${CHARGEBUS_DB_USER:-chargebus}
CHARGEBUS_DB_PASSWORD=${CHARGEBUS_DB_PASSWORD:-chargebus}
CHARGEBUS_DB_NAME=${CHARGEBUS_DB_NAME:-chargebus}
BI_READER_PASSWORD=${BI_READER_PASSWORD:-bi_reader}
DEPS_UP_MIGRATE=${DEPS_UP_MIGRATE:-1}

if [[ $(id -u) -eq 0 ]]; then
  PGBOUNCER_RUN_AS=${PGBOUNCER_RUN_AS:-postgres}
else
  PGBOUNCER_RUN_AS=${PGBOUNCER_RUN_AS:-$(id -un)}
fi

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBOUNCER_INI=$PGBOUNCER_DIR/pgbouncer.ini
PGBOUNCER_USERLIST=$PGBOUNCER_DIR/userlist.txt
PGBOUNCER_PIDFILE=$PGBOUNCER_DIR/pgbouncer.pid
PGBOUNCER_LOG=$PGBOUNCER_DIR/pgbouncer.log

say() { printf 'deps:up: %s\n' "$*"; }
die() {
  printf 'deps:up: %s\n' "$*" >&2
  exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

# True when something accepts TCP connections on host:port (bash's /dev/tcp, bounded by timeout).
tcp_open() {
  # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_until SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

postgres_answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2
  else
    tcp_open "$POSTGRES_HOST" "$POSTGRES_PORT"
  fi
}

ensure_postgres() {
  command -v psql >/dev/null ||
    die "psql is missing: install the PostgreSQL client (apt-get install -y postgresql-client)"
  if postgres_answers; then
    say "postgres $POSTGRES_HOST:$POSTGRES_PORT answers"
    return
  fi
  is_local "$POSTGRES_HOST" ||
    die "postgres is not answering on $POSTGRES_HOST:$POSTGRES_PORT (a remote host: start it there)"
  if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql ]]; then
    die "postgres is not answering on $POSTGRES_HOST:$POSTGRES_PORT and pg_ctlcluster is missing: apt-get install -y postgresql (or set POSTGRES_HOST/POSTGRES_PORT)"
  fi
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  [[ -n $version ]] || die "postgres is not answering and /etc/postgresql has no cluster: pg_createcluster <version> main"
  say "starting postgres $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null ||
    die "could not start postgres $version/main (pg_ctlcluster needs root or the postgres user; see /var/log/postgresql/)"
  wait_until 20 postgres_answers ||
    die "postgres $version/main started but does not answer on $POSTGRES_HOST:$POSTGRES_PORT"
  say "postgres $POSTGRES_HOST:$POSTGRES_PORT answers"
}

ensure_nats() {
  if tcp_open "$NATS_HOST" "$NATS_PORT"; then
    say "nats $NATS_HOST:$NATS_PORT answers"
    return
  fi
  is_local "$NATS_HOST" || die "nats is not answering on $NATS_HOST:$NATS_PORT (a remote host: start it there)"
  local nats_server
  nats_server=$(command -v nats-server || true)
  [[ -n $nats_server ]] ||
    die "nats is not answering on $NATS_HOST:$NATS_PORT and nats-server is missing: apt-get install -y nats-server (or https://github.com/nats-io/nats-server/releases)"
  say "starting nats-server with JetStream on $NATS_HOST:$NATS_PORT"
  if is_root && command -v start-stop-daemon >/dev/null; then
    start-stop-daemon --start --oknodo --background --exec "$nats_server" -- \
      -a "$NATS_HOST" -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  else
    mkdir -p "$PGBOUNCER_DIR/nats"
    setsid "$nats_server" -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$PGBOUNCER_DIR/nats" \
      -l "$PGBOUNCER_DIR/nats-server.log" </dev/null >/dev/null 2>&1 &
  fi
  wait_until 10 tcp_open "$NATS_HOST" "$NATS_PORT" ||
    die "nats-server started but does not answer on $NATS_HOST:$NATS_PORT (see its log)"
  say "nats $NATS_HOST:$NATS_PORT answers"
}

# psql as the Postgres superuser: over TCP first (trust, PGPASSWORD or ~/.pgpass), else as root through
# the local socket as the postgres OS user (peer authentication).
SUPER_PSQL=()
find_superuser_psql() {
  local tcp=(psql -X -q -At -v ON_ERROR_STOP=1 -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_SUPERUSER" -d postgres)
  if PGCONNECT_TIMEOUT=5 "${tcp[@]}" -c 'select 1' </dev/null >/dev/null 2>&1; then
    SUPER_PSQL=("${tcp[@]}")
  elif is_root && is_local "$POSTGRES_HOST" && id "$POSTGRES_SUPERUSER" >/dev/null 2>&1 &&
    runuser -u "$POSTGRES_SUPERUSER" -- psql -X -q -At -p "$POSTGRES_PORT" -d postgres -c 'select 1' </dev/null >/dev/null 2>&1; then
    SUPER_PSQL=(runuser -u "$POSTGRES_SUPERUSER" -- psql -X -q -At -v ON_ERROR_STOP=1 -p "$POSTGRES_PORT" -d postgres)
  else
    die "cannot connect to postgres as superuser $POSTGRES_SUPERUSER: set PGPASSWORD (or POSTGRES_SUPERUSER), or run as root"
  fi
}

ensure_role_and_database() {
  find_superuser_psql
  "${SUPER_PSQL[@]}" -v user="$CHARGEBUS_DB_USER" -v password="$CHARGEBUS_DB_PASSWORD" -v db="$CHARGEBUS_DB_NAME" \
    -v bi_password="$BI_READER_PASSWORD" <<'SQL' >/dev/null
select format('create role %I login createdb password %L', :'user', :'password')
  where not exists (select from pg_roles where rolname = :'user') \gexec
select format('create database %I owner %I', :'db', :'user')
  where not exists (select from pg_database where datname = :'db') \gexec
select format('create role bi_reader login password %L', :'bi_password')
  where not exists (select from pg_roles where rolname = 'bi_reader') \gexec
SQL
  say "roles $CHARGEBUS_DB_USER, bi_reader and database $CHARGEBUS_DB_NAME exist"
}

ensure_pgbouncer_installed() {
  command -v pgbouncer >/dev/null && return
  is_root || die "pgbouncer is missing: run 'sudo apt-get install -y pgbouncer' (or brew install pgbouncer), then pnpm deps:up again"
  command -v apt-get >/dev/null || die "pgbouncer is missing and apt-get is not available: install pgbouncer 1.18+ with your package manager"
  say "installing pgbouncer (apt-get install -y pgbouncer)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q pgbouncer >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    apt-get install -y -q pgbouncer >/dev/null 2>&1 || die "apt-get install -y pgbouncer failed: run it yourself to see why"
  fi
  command -v pgbouncer >/dev/null || die "pgbouncer was installed but is not on PATH (expected /usr/sbin/pgbouncer)"
}

render_ini() {
  cat <<EOF
; Written by scripts/deps-up.sh; edits are overwritten on the next pnpm deps:up.
[databases]
; Any database name maps to the same server, so throwaway test databases need no entry.
* = host=$POSTGRES_HOST port=$POSTGRES_PORT

[pgbouncer]
listen_addr = $PGBOUNCER_HOST
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $PGBOUNCER_DIR
pidfile = $PGBOUNCER_PIDFILE
logfile = $PGBOUNCER_LOG
auth_type = scram-sha-256
auth_file = $PGBOUNCER_USERLIST
pool_mode = transaction
default_pool_size = $PGBOUNCER_POOL_SIZE
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = $PGBOUNCER_MAX_CLIENT_CONN
; Drivers send these at start-up; transaction pooling cannot keep per-client session settings.
ignore_startup_parameters = extra_float_digits,options
server_reset_query = DISCARD ALL
server_idle_timeout = 60
autodb_idle_timeout = 600
query_wait_timeout = 60
; After a failed server login (database just dropped or not yet created) retry soon, not after 15 s.
server_login_retry = 2
stats_users = $CHARGEBUS_DB_USER
log_connections = 0
log_disconnections = 0
EOF
}

# A live process: signalable and not a zombie (a killed daemon whose parent has not reaped it yet).
process_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  [[ ${stat##*) } != Z* ]]
}
process_gone() { ! process_alive "$1"; }

# Prints the pid of the pgbouncer started from PGBOUNCER_DIR, if it is running.
pgbouncer_pid() {
  local pid
  [[ -r $PGBOUNCER_PIDFILE ]] || return 1
  pid=$(<"$PGBOUNCER_PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && process_alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null || echo pgbouncer) == pgbouncer ]] || return 1
  printf '%s\n' "$pid"
}

pgbouncer_healthy() {
  PGPASSWORD=$CHARGEBUS_DB_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -At -h "$PGBOUNCER_HOST" -p "$PGBOUNCER_PORT" \
    -U "$CHARGEBUS_DB_USER" -d "$CHARGEBUS_DB_NAME" -c 'select 1' </dev/null >/dev/null 2>&1
}

stop_pgbouncer() {
  local pid
  pid=$(pgbouncer_pid) || return 0
  kill -TERM "$pid"
  wait_until 10 process_gone "$pid" || die "pgbouncer (pid $pid) did not stop"
  rm -f "$PGBOUNCER_PIDFILE"
}

start_pgbouncer() {
  if tcp_open "$PGBOUNCER_HOST" "$PGBOUNCER_PORT"; then
    pgbouncer_healthy ||
      die "port $PGBOUNCER_HOST:$PGBOUNCER_PORT is taken by another process that is not a working pgbouncer: stop it or set PGBOUNCER_PORT"
    say "pgbouncer $PGBOUNCER_HOST:$PGBOUNCER_PORT is served by another process (not started by deps:up): using it"
    return
  fi
  rm -f "$PGBOUNCER_PIDFILE" # stale: pgbouncer_pid found no live process behind it
  local cmd=(pgbouncer -q -d)
  if is_root; then
    [[ $PGBOUNCER_RUN_AS != root ]] || die "pgbouncer refuses to run as root: set PGBOUNCER_RUN_AS to another user"
    cmd+=(-u "$PGBOUNCER_RUN_AS")
  fi
  "${cmd[@]}" "$PGBOUNCER_INI" 2>>"$PGBOUNCER_LOG" ||
    die "pgbouncer did not start: $(tail -n 1 "$PGBOUNCER_LOG" 2>/dev/null)"
  wait_until 10 pgbouncer_healthy ||
    die "pgbouncer started but $CHARGEBUS_DB_USER cannot query $CHARGEBUS_DB_NAME through $PGBOUNCER_HOST:$PGBOUNCER_PORT: see $PGBOUNCER_LOG"
  say "pgbouncer $PGBOUNCER_HOST:$PGBOUNCER_PORT started (pid $(pgbouncer_pid || echo '?'), user $PGBOUNCER_RUN_AS, transaction pooling, files in $PGBOUNCER_DIR)"
}

# Writes the config; returns 0 when a file changed.
write_pgbouncer_files() {
  mkdir -p "$PGBOUNCER_DIR"
  if is_root; then
    chown "$PGBOUNCER_RUN_AS" "$PGBOUNCER_DIR"
  elif [[ ! -O $PGBOUNCER_DIR ]]; then
    die "$PGBOUNCER_DIR belongs to another user: set PGBOUNCER_DIR to a directory of yours"
  fi
  chmod 0700 "$PGBOUNCER_DIR"
  local changed=1 name content target
  for name in ini userlist; do
    if [[ $name == ini ]]; then
      content=$(render_ini)
      target=$PGBOUNCER_INI
    else
      # Plain-text password: pgbouncer can then answer SCRAM or MD5 clients and log in to Postgres.
      content=$(printf '"%s" "%s"\n"bi_reader" "%s"' "$CHARGEBUS_DB_USER" "$CHARGEBUS_DB_PASSWORD" "$BI_READER_PASSWORD")
      target=$PGBOUNCER_USERLIST
    fi
    if [[ ! -f $target || $(<"$target") != "$content" ]]; then
      printf '%s\n' "$content" >"$target.tmp"
      chmod 0600 "$target.tmp"
      is_root && chown "$PGBOUNCER_RUN_AS" "$target.tmp"
      mv -f "$target.tmp" "$target"
      changed=0
    fi
  done
  touch "$PGBOUNCER_LOG"
  is_root && chown "$PGBOUNCER_RUN_AS" "$PGBOUNCER_LOG"
  return "$changed"
}

ensure_pgbouncer() {
  ensure_pgbouncer_installed
  local changed=false pid
  if write_pgbouncer_files; then changed=true; fi
  if pid=$(pgbouncer_pid); then
    if $changed; then
      say "pgbouncer config changed: restarting pid $pid"
      stop_pgbouncer
    elif pgbouncer_healthy; then
      say "pgbouncer $PGBOUNCER_HOST:$PGBOUNCER_PORT already running (pid $pid, files in $PGBOUNCER_DIR)"
      return
    else
      say "pgbouncer pid $pid is not answering: restarting it"
      stop_pgbouncer
    fi
  fi
  start_pgbouncer
}

run_migrations() {
  [[ $DEPS_UP_MIGRATE == 1 ]] || return 0
  command -v node >/dev/null || die "node is missing: install Node 24 (see .nvmrc), then pnpm deps:up again"
  # The same as `pnpm chargebus migrate`, without pnpm's start-up cost.
  DATABASE_ADMIN_URL="postgres://$CHARGEBUS_DB_USER:$CHARGEBUS_DB_PASSWORD@$POSTGRES_HOST:$POSTGRES_PORT/$CHARGEBUS_DB_NAME" \
    node "$REPO_ROOT/tools/cli/src/main.ts" migrate | sed 's/^/deps:up: migrate: /' ||
    die "migrations failed (see above)"
}

deps_down() {
  local pid
  if pid=$(pgbouncer_pid); then
    stop_pgbouncer
    say "pgbouncer (pid $pid) stopped; Postgres and NATS are left running"
  else
    say "pgbouncer is not running from $PGBOUNCER_DIR"
  fi
}

main() {
  case "${1:-up}" in
  up)
    ensure_postgres
    ensure_nats
    ensure_role_and_database
    ensure_pgbouncer
    run_migrations
    say "ready: DATABASE_URL=postgres://$CHARGEBUS_DB_USER:***@$PGBOUNCER_HOST:$PGBOUNCER_PORT/$CHARGEBUS_DB_NAME NATS_URL=nats://$NATS_HOST:$NATS_PORT"
    ;;
  down | --down) deps_down ;;
  *) die "usage: deps-up.sh [up|down]" ;;
  esac
}

main "$@"
