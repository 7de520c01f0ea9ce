#!/usr/bin/env bash
# The LocalStack harness: installs LocalStack 4.14.0 (the last Apache-2.0 release) into a
# project-local virtualenv and runs it on the host, without Docker, bound to 127.0.0.1.
#
#   scripts/localstack.sh up       install what is missing, start (or reuse) LocalStack and the AWS proxy
#   scripts/localstack.sh down     stop what `up` started (SIGTERM to its process groups, SIGKILL later)
#   scripts/localstack.sh status   print what runs
#   scripts/localstack.sh pytest [args]   run the plugin package's tests (scripts/localstack_ext/tests),
#                                  which start or reuse LocalStack through `up` themselves
#
# Environment: LOCALSTACK_PORT (default 4566), AWSPROXY_PORT (default 4567), LOCALSTACK_PYTHON (an
# interpreter >= 3.12 to use instead of searching PATH and pyenv).
#
# State lives in .harness/ (git-ignored): venv/, bin/ (emulator, proxy), run/ (pid files, logs, lock).
# Everything that runs is started by pid and stopped by pid, never by process name.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
harness="$repo/.harness"
run="$harness/run"
venv="$harness/venv"
ext="$repo/scripts/localstack_ext"
constraints="$repo/scripts/localstack/constraints-4.14.0.txt"
localstack_requirement='localstack-core[runtime]==4.14.0'

ls_port="${LOCALSTACK_PORT:-4566}"
proxy_port="${AWSPROXY_PORT:-4567}"
ls_url="http://127.0.0.1:$ls_port"
proxy_url="http://127.0.0.1:$proxy_port"
proxy_pkg="./internal/acctest/awsproxy/cmd/awsproxy"

# Only what the project uses and LocalStack 4.14 community has: RDS is a Pro service there, so the
# rotator's databases are real servers started by internal/acctest/dbserver instead; CloudTrail is
# emulated by the AWS proxy.
services="secretsmanager,lambda,iam,events,sns,sqs,kms,sts,logs,cloudwatch"

ls_pidfile="$run/localstack.pid"
ls_log="$run/localstack.log"
ls_statefile="$run/localstack.state"
proxy_pidfile="$run/awsproxy.pid"
proxy_log="$run/awsproxy.log"
lambda_piddir="$run/lambda"

start_timeout=60
stop_grace=10

log() { printf 'localstack.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- processes by pid file ------------------------------------------------------------------------
# A pid file holds "<pid> <start time>": the start time (field 22 of /proc/<pid>/stat) tells our
# process from an unrelated one that got the same pid after a reboot or a crash.

proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) may contain spaces; count fields after its closing parenthesis.
  stat=${stat##*) }
  # A zombie has exited; only its parent has not collected it yet.
  awk '$1 == "Z" { exit 1 } { print $20 }' <<<"$stat"
}

write_pidfile() { # file pid
  printf '%s %s\n' "$2" "$(proc_starttime "$2")" >"$1"
}

# Prints the pid recorded in the file when that process still runs.
live_pid() { # file
  local pid start
  [ -f "$1" ] || return 1
  read -r pid start <"$1" || return 1
  [ -n "$pid" ] && [ "$(proc_starttime "$pid" 2>/dev/null)" = "$start" ] || return 1
  echo "$pid"
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# Stops the process group led by the pid in the file: SIGTERM, then SIGKILL after the grace period.
stop_group() { # file name
  local pid
  if pid=$(live_pid "$1"); then
    log "stopping $2 (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    local deadline=$((SECONDS + stop_grace))
    while group_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if group_alive "$pid"; then
      log "$2 did not exit within ${stop_grace}s of SIGTERM; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}

# The process executor records the process group of every Lambda environment it starts; stop the
# ones a killed LocalStack could not stop itself.
stop_lambda_environments() {
  local file
  [ -d "$lambda_piddir" ] || return 0
  for file in "$lambda_piddir"/*.pid; do
    [ -e "$file" ] || continue
    stop_group "$file" "Lambda environment $(basename "$file" .pid)"
  done
}

listening() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_code() { # url
  curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# LocalStack is ready when every service we asked for reports "available" or "running".
localstack_healthy() {
  local body
  body=$(curl -s -m 2 "$ls_url/_localstack/health" 2>/dev/null) || return 1
  local python=python3
  [ -x "$venv/bin/python" ] && python="$venv/bin/python"
  HEALTH="$body" SERVICES_WANTED="$services" "$python" - <<'EOF' 2>/dev/null
import json, os, sys
services = json.loads(os.environ["HEALTH"]).get("services", {})
wanted = os.environ["SERVICES_WANTED"].split(",")
sys.exit(0 if all(services.get(s) in ("available", "running") for s in wanted) else 1)
EOF
}

# --- installation ---------------------------------------------------------------------------------

find_python() {
  local candidate path
  local candidates=()
  [ -n "${LOCALSTACK_PYTHON:-}" ] && candidates+=("$LOCALSTACK_PYTHON")
  candidates+=(python3.13 python3.12)
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for path in "$pyenv_root"/versions/3.13*/bin/python3.13 "$pyenv_root"/versions/3.12*/bin/python3.12 \
    /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12; do
    [ -x "$path" ] && candidates+=("$path")
  done
  for candidate in "${candidates[@]}"; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    # pyenv shims exist for versions that are not selected; running them is the only real test.
    if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$path"
      return 0
    fi
  done
  return 1
}

# The venv is rebuilt when what it was built from changes; the stamp is written last, so an
# interrupted install is redone instead of reused.
venv_stamp() {
  { echo "$localstack_requirement awscli pytest"; cat "$constraints"; } | sha256sum | cut -d' ' -f1
}

ext_stamp() {
  sha256sum "$ext/pyproject.toml" | cut -d' ' -f1
}

ensure_venv() {
  local want
  want=$(venv_stamp)
  if [ "$(cat "$venv/.harness-stamp" 2>/dev/null)" != "$want" ]; then
    local python
    python=$(find_python) || die "LocalStack 4.14 needs Python >= 3.12 (its Lambda and EventBridge code fails on 3.11): none found as python3.13/python3.12 on PATH or under ${PYENV_ROOT:-$HOME/.pyenv}/versions; install one or set LOCALSTACK_PYTHON"
    log "creating $venv with $python ($("$python" --version 2>&1)); installing $localstack_requirement"
    local started
    started=$(now)
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$localstack_requirement" awscli pytest \
      -c "$constraints" >&2 || die "pip install of $localstack_requirement into $venv failed (see the output above)"
    rm -f "$venv/.harness-ext-stamp"
    echo "$want" >"$venv/.harness-stamp"
    log "venv installed in $(elapsed "$started")s"
  fi
  # The plugin package is installed editable: code changes apply on the next start, and only a
  # changed pyproject.toml (entry points) needs a reinstall.
  want=$(ext_stamp)
  if [ "$(cat "$venv/.harness-ext-stamp" 2>/dev/null)" != "$want" ]; then
    log "installing the executor/patch plugin package $ext"
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -e "$ext" >&2 ||
      die "pip install -e $ext failed (see the output above)"
    echo "$want" >"$venv/.harness-ext-stamp"
  fi
}

# --- the AWS proxy --------------------------------------------------------------------------------

proxy_wanted() { compgen -G "$repo/${proxy_pkg#./}/*.go" >/dev/null; }

ensure_proxy() {
  if live_pid "$proxy_pidfile" >/dev/null && listening "$proxy_port"; then
    return 0
  fi
  stop_group "$proxy_pidfile" "the AWS proxy"
  ! listening "$proxy_port" ||
    die "something this harness did not start listens on port $proxy_port: stop it, or set AWSPROXY_PORT to use another port"
  log "building the AWS proxy ($proxy_pkg)"
  (cd "$repo" && go build -o "$harness/bin/awsproxy" "$proxy_pkg") || die "go build $proxy_pkg failed (see the output above)"
  # The proxy waits for its upstream lazily, so it can start before LocalStack: LocalStack needs its
  # address for the functions it runs.
  setsid "$harness/bin/awsproxy" -listen "127.0.0.1:$proxy_port" -upstream "$ls_url" \
    >"$proxy_log" 2>&1 </dev/null 9>&- &
  local pid=$!
  write_pidfile "$proxy_pidfile" "$pid"
  local deadline=$((SECONDS + 30))
  # Listening is enough: its upstream, LocalStack, may not run yet.
  until listening "$proxy_port"; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      log "the AWS proxy did not answer on $proxy_url; last lines of $proxy_log:"
      tail -n 30 "$proxy_log" >&2 || true
      stop_group "$proxy_pidfile" "the AWS proxy"
      exit 1
    fi
    sleep 0.1
  done
  log "AWS proxy on $proxy_url (pid $pid)"
}

# --- LocalStack -----------------------------------------------------------------------------------

start_localstack() { # lambda endpoint
  local voldir
  voldir=$(mktemp -d "${TMPDIR:-/tmp}/secretsbundle-localstack.XXXXXX")
  mkdir -p "$voldir/volume" "$voldir/tmp" "$lambda_piddir"
  local rie
  rie=$(bash "$repo/scripts/install-rie.sh") || die "installing the Lambda Runtime Interface Emulator failed (scripts/install-rie.sh)"
  log "starting LocalStack 4.14.0 on $ls_url (services: $services; log: $ls_log)"
  local started
  started=$(now)
  # setsid gives LocalStack its own process group, so `down` stops it with everything it spawned.
  # fd 9 (the lock) is closed for it, or the lock would be held for LocalStack's whole life.
  (
    cd "$voldir"
    exec env \
      GATEWAY_SERVER=hypercorn \
      GATEWAY_LISTEN="127.0.0.1:$ls_port" \
      SERVICES="$services" \
      DISABLE_EVENTS=1 \
      DNS_ADDRESS=0 \
      SKIP_SSL_CERT_DOWNLOAD=1 \
      LOCALSTACK_VOLUME_DIR="$voldir/volume" \
      TMPDIR="$voldir/tmp" \
      LAMBDA_RUNTIME_EXECUTOR=process \
      SECRETSBUNDLE_RIE="$rie" \
      SECRETSBUNDLE_LAMBDA_ENDPOINT_URL="$1" \
      SECRETSBUNDLE_LAMBDA_PIDDIR="$lambda_piddir" \
      setsid "$venv/bin/python" -m localstack.runtime.main
  ) >"$ls_log" 2>&1 </dev/null 9>&- &
  local pid=$!
  write_pidfile "$ls_pidfile" "$pid"
  printf 'endpoint=%s\nvoldir=%s\n' "$1" "$voldir" >"$ls_statefile"
  local deadline=$((SECONDS + start_timeout))
  until localstack_healthy; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "LocalStack exited during startup; last lines of $ls_log:"
      tail -n 40 "$ls_log" >&2 || true
      rm -f "$ls_pidfile"
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "LocalStack was not healthy on $ls_url/_localstack/health within ${start_timeout}s; last lines of $ls_log:"
      tail -n 40 "$ls_log" >&2 || true
      stop_localstack
      exit 1
    fi
    sleep 0.2
  done
  log "LocalStack ready on $ls_url in $(elapsed "$started")s (pid $pid; Lambda functions reach AWS at $1)"
}

stop_localstack() {
  stop_group "$ls_pidfile" "LocalStack"
  stop_lambda_environments
  if [ -f "$ls_statefile" ]; then
    local voldir
    voldir=$(sed -n 's/^voldir=//p' "$ls_statefile")
    case "$voldir" in
    */secretsbundle-localstack.*) rm -rf "$voldir" ;;
    esac
    rm -f "$ls_statefile"
  fi
}

cmd_up() {
  local total
  total=$(now)
  ensure_venv
  local endpoint="$ls_url"
  if proxy_wanted; then
    ensure_proxy
    endpoint="$proxy_url"
  fi
  if live_pid "$ls_pidfile" >/dev/null; then
    if [ "$(sed -n 's/^endpoint=//p' "$ls_statefile" 2>/dev/null)" != "$endpoint" ]; then
      log "the running LocalStack gives its functions another AWS endpoint than $endpoint; restarting it"
      stop_localstack
    elif localstack_healthy; then
      log "reusing LocalStack on $ls_url (pid $(live_pid "$ls_pidfile"))"
      return 0
    else
      log "LocalStack (pid $(live_pid "$ls_pidfile")) does not report healthy; restarting it"
      stop_localstack
    fi
  else
    # A crashed instance may have left Lambda environments and its temporary directory behind.
    stop_localstack
  fi
  ! listening "$ls_port" ||
    die "something this harness did not start listens on port $ls_port (a LocalStack container?): stop it, or set LOCALSTACK_PORT to use another port"
  start_localstack "$endpoint"
  if proxy_wanted && [ "$(http_code "$proxy_url/_proxy/health")" != 200 ]; then
    log "warning: the AWS proxy on $proxy_url does not answer 200 on /_proxy/health (log: $proxy_log)"
  fi
  log "up in $(elapsed "$total")s"
}

cmd_down() {
  stop_group "$proxy_pidfile" "the AWS proxy"
  stop_localstack
}

cmd_status() {
  local pid rc=0
  if pid=$(live_pid "$ls_pidfile"); then
    if localstack_healthy; then
      echo "localstack: running, healthy, pid $pid, $ls_url"
    else
      echo "localstack: running, NOT healthy, pid $pid, $ls_url (log: $ls_log)"
      rc=1
    fi
    sed 's/^/  /' "$ls_statefile" 2>/dev/null || true
  else
    echo "localstack: not running (by this harness)"
    rc=1
  fi
  if pid=$(live_pid "$proxy_pidfile"); then
    echo "awsproxy: running, pid $pid, $proxy_url"
  elif proxy_wanted; then
    echo "awsproxy: not running"
    rc=1
  else
    echo "awsproxy: not part of this checkout"
  fi
  local count=0 file
  for file in "$lambda_piddir"/*.pid; do
    [ -e "$file" ] && live_pid "$file" >/dev/null && count=$((count + 1))
  done
  echo "lambda environments: $count running"
  return $rc
}

mkdir -p "$run"
case "${1:-}" in
up | down)
  exec 9>"$run/lock"
  flock 9
  "cmd_$1"
  ;;
status) cmd_status ;;
pytest)
  shift
  exec 9>"$run/lock"
  flock 9
  ensure_venv
  # The tests take the lock themselves (their fixture runs `up`).
  exec 9>&-
  cd "$repo"
  exec "$venv/bin/python" -m pytest "$ext/tests" "$@"
  ;;
*)
  echo "usage: $0 up|down|status|pytest [pytest arguments]" >&2
  exit 2
  ;;
esac
