#!/usr/bin/env bash
# Installs the Python runtime that the rotator benchmark (make bench-rotator) runs AWS's Python
# single-user PostgreSQL rotation template in, into .harness/yardstick/venv (once), and prints its
# python's path. What the template imports: boto3 and PyGreSQL (the template's requirements.txt pins
# PyGreSQL 5.0.7, built from source against libpq: needs gcc and libpq-dev); and awslambdaric, the
# Lambda runtime interface client that the Runtime Interface Emulator talks to, as Lambda's own
# Python runtimes do; and pymongo 3 for AWS's MongoDB template when it is there (its
# Database.authenticate is gone from pymongo 4). The interpreter is LocalStack's (Python 3.13, like Lambda's python3.13).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir="$repo/.harness/yardstick"
venv="$dir/venv"
requirements="awslambdaric==4.2.2 PyGreSQL==5.0.7 boto3==1.42.54 pymongo==3.13.0"
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$requirements" ]; then
  mkdir -p "$dir" "$repo/.harness/run"
  exec 8>"$repo/.harness/run/yardstick.lock"
  flock 8
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$requirements" ]; then
    python=${YARDSTICK_PYTHON:-}
    if [ -z "$python" ]; then
      for candidate in "$repo/.harness/venv/bin/python" python3.13 python3.12; do
        if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
      done
    fi
    [ -n "$python" ] || { echo "install-yardstick.sh: no Python 3.12+ found (run make localstack-up first, or set YARDSTICK_PYTHON)" >&2; exit 1; }
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2
    # shellcheck disable=SC2086 # the requirements are words
    "$venv/bin/pip" install -q --disable-pip-version-check $requirements >&2
    echo "$requirements" >"$venv/.stamp"
  fi
fi
echo "$venv/bin/python"
