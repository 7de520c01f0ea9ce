#!/usr/bin/env bash
# Installs the database servers the rotator's integration tests run against (Debian packages
# postgresql and mariadb-server) when they are missing. Idempotent; a lock keeps parallel callers
# (several test binaries, .ci/run) from running apt at the same time. The servers themselves are
# started per test run by internal/acctest/dbserver in temporary directories, never as system services.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$repo/.harness/run"
exec 9>"$repo/.harness/run/databases.lock"
flock 9

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  missing+=(postgresql)
fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  missing+=(mariadb-server)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "databases.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The packages' maintainer scripts would start system services; the tests start their own servers.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ "${1:-}" = "--print" ]; then
  ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1
  command -v mariadbd || echo /usr/sbin/mariadbd
fi
