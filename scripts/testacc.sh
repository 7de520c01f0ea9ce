#!/usr/bin/env bash
# make test's acceptance tier: the Go tests with TF_ACC=1, then the LocalStack plugin's tests, against
# the harness (scripts/localstack.sh). The harness is stopped afterwards, pass or fail, unless it
# was already running when this started (someone asked for it with make localstack-up) or
# KEEP_HARNESS=1 asks to keep it; either way the script says which.
#
#   scripts/testacc.sh [go test flags...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

log() { printf 'testacc.sh: %s\n' "$*" >&2; }

was_running=0
bash scripts/localstack.sh status >/dev/null 2>&1 && was_running=1

finish() {
  local rc=$?
  if [ "$was_running" = 1 ]; then
    log "the harness was running before; left running (make localstack-down stops it)"
  elif [ "${KEEP_HARNESS:-0}" = 1 ]; then
    log "KEEP_HARNESS=1: the harness is left running (make localstack-down stops it)"
  else
    log "stopping the harness this run started"
    bash scripts/localstack.sh down || true
  fi
  exit "$rc"
}
trap finish EXIT

bash scripts/localstack.sh up
TF_ACC=1 go test -count=1 "$@" ./...
bash scripts/localstack.sh pytest
