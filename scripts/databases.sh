#!/usr/bin/env bash
# The database servers of the rotator's integration tests (Debian packages postgresql and
# mariadb-server). The servers themselves are started per test run by internal/acctest/dbserver in
# temporary directories on loopback ports, never as system services.
#
#   scripts/databases.sh [install [postgresql] [mariadb]]
#                                    install the packages when missing (idempotent, locked so that
#                                    parallel callers run apt once): both servers, or only those named
#   scripts/databases.sh stop-all    stop servers (PostgreSQL, MariaDB, FerretDB) that dbserver started and a dead test binary left
#                                    running (by the pids dbserver records in .harness/run/dbserver)
#   scripts/databases.sh --print     install, then print the PostgreSQL bin directory and mariadbd
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
run="$repo/.harness/run"
registry="$run/dbserver"
mkdir -p "$run"

install() {
  local want_pg=1 want_maria=1 server
  if [ $# -gt 0 ]; then
    want_pg=0 want_maria=0
    for server in "$@"; do
      case "$server" in
        postgresql) want_pg=1 ;;
        mariadb) want_maria=1 ;;
        *) echo "databases.sh: unknown server $server (postgresql or mariadb)" >&2; exit 2 ;;
      esac
    done
  fi
  exec 9>"$run/databases.lock"
  flock 9
  local missing=() pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ "$want_pg" = 1 ] && { [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; }; then
    missing+=(postgresql)
  fi
  if [ "$want_maria" = 1 ] && ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    missing+=(mariadb-server)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "databases.sh: installing ${missing[*]} needs apt-get as root: run this as root (sudo)" >&2; exit 1; }
    echo "databases.sh: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The packages' maintainer scripts would start system services; the tests start their own.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 0755 "$policy"
      created_policy=1
    fi
    apt-get update -qq >&2
    local status=0
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
    [ "$created_policy" = 1 ] && rm -f "$policy"
    return "$status"
  fi
}

# A recorded pid is signalled only while it still runs one of the servers dbserver starts, so a
# reused pid is never touched.
stop_all() {
  [ -d "$registry" ] || return 0
  local file pid dir cmd
  for file in "$registry"/*; do
    [ -e "$file" ] || continue
    read -r pid dir <"$file" || true
    cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
    case "$cmd" in
      *postgres\ -D\ "$dir"/*) kill -INT "$pid" 2>/dev/null || true ;;
      *mariadbd\ *--datadir="$dir"/*) kill -TERM "$pid" 2>/dev/null || true ;;
      *ferretdb\ *--sqlite-url=file:"$dir"/*) kill -TERM "$pid" 2>/dev/null || true ;;
      *) cmd="" ;;
    esac
    if [ -n "$cmd" ]; then
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      echo "databases.sh: stopped the server pid $pid ($dir)" >&2
    fi
    case "$dir" in
      */secretsbundle-postgres-*|*/secretsbundle-mariadb-*) rm -rf "$dir" ;;
    esac
    rm -f "$file"
  done
}

case "${1:-install}" in
  install) shift || true; install "$@" ;;
  stop-all) stop_all ;;
  --print)
    install
    ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1
    command -v mariadbd || echo /usr/sbin/mariadbd
    ;;
  *) echo "usage: scripts/databases.sh [install [postgresql] [mariadb]|stop-all|--print]" >&2; exit 2 ;;
esac
