#!/usr/bin/env bash
# bench-fleet.sh [N]: a fleet of N bundles (default 500) in one configuration, under AWS's request
# quotas (the AWS proxy's table, internal/acctest/awsproxy/quotas.go, switched on for the run and
# restored after it). Prints figures, asserts nothing: for `terraform apply`, `plan` (with refresh)
# and `destroy`, the wall time, the calls per operation and per bundle, the throttled calls, the
# quota floor (for each quota, its calls / its rate, the largest of them: the time AWS's quotas alone
# would take) and the ratio measured/floor; whether the plan after the apply showed no changes (the
# apply converged in one run) and what the destroy left behind.
#
# Terraform talks to the AWS proxy (AWSPROXY_PORT), which records every call, the rotator's own
# included. Needs the harness (`make localstack-up`; started here when it is not running) and
# PostgreSQL (scripts/databases.sh), as scripts/bench.sh does. BENCH_PARALLELISM sets terraform's
# -parallelism (default 10, terraform's own).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-500}
parallelism=${BENCH_PARALLELISM:-10}

bash scripts/localstack.sh up >/dev/null
proxy="http://127.0.0.1:${AWSPROXY_PORT:-4567}"
python=$root/.harness/venv/bin/python

work=$(mktemp -d -t secretsbundle-fleet.XXXXXX)
pg_dir=$(mktemp -d -t secretsbundle-fleet-postgres.XXXXXX)
provider_pid=""
pg_bin=""
quotas_before=$(curl -sf "$proxy/_proxy/quotas" | "$python" -c 'import json, sys; print(str(json.load(sys.stdin)["enabled"]).lower())')
cleanup() {
  curl -sf -X POST "$proxy/_proxy/quotas" -d "{\"enabled\": $quotas_before}" >/dev/null || true
  [ -z "$provider_pid" ] || kill "$provider_pid" 2>/dev/null || true
  if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

# phase NAME ARGS...: one terraform command between two proxy marks, and its figures.
phase() {
  local name=$1
  shift
  curl -sf -X POST "$proxy/_proxy/mark?name=$name-start" >/dev/null
  start_provider
  local t0 t1 rc=0 rss
  t0=$(date +%s.%N)
  terraform -chdir="$dir" "$@" -input=false -no-color -parallelism="$parallelism" >"$work/$name.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  rss=$(stop_provider)
  curl -sf -X POST "$proxy/_proxy/mark?name=$name-end" >/dev/null
  curl -sf "$proxy/_proxy/figures?from=$name-start&to=$name-end" >"$work/$name.json"
  TOOK=$(echo "$t1 - $t0" | bc -l) RC=$rc RSS=$rss N=$n NAME=$name "$python" - "$work/$name.json" <<'PY'
import json, os, sys
f = json.load(open(sys.argv[1]))
n, took, floor = int(os.environ["N"]), float(os.environ["TOOK"]), f["quotaFloorSeconds"]
ratio = f"{took / floor:.2f}" if floor > 0 else "n/a (no quota binds)"
print(f"{os.environ['NAME']}: {took:.1f} s (terraform exit {os.environ['RC']}, provider peak RSS {os.environ['RSS']} MB)")
print(f"  calls {f['calls']} ({f['calls'] / n:.1f} per bundle), throttled {f['throttled']}, most in flight {f['maxConcurrency']}")
print(f"  quota floor {floor:.1f} s, measured/floor {ratio}")
slowest = sorted((f["quotaSeconds"] or {}).items(), key=lambda kv: -kv[1])[:4]
print("  slowest quotas: " + ", ".join(f"{name} {s:.1f} s" for name, s in slowest))
print("  calls per operation (per bundle):")
for op, count in sorted(f["perOperation"].items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"    {op:50s} {count:7d} {count / n:7.2f}")
PY
  if [ "$rc" != 0 ] && { [ "$name" != plan ] || [ "$rc" != 2 ]; }; then
    echo "  terraform $* failed; its errors, most frequent first:"
    grep -E "^Error: " "$work/$name.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
  fi
}

run_id="fleet-$(date +%s)"
dir="$work/fleet"
mkdir -p "$dir"
bundles_tf "$dir/main.tf" "$n" fleet "$run_id-" "$proxy"

curl -sf -X POST "$proxy/_proxy/quotas" -d '{"enabled": true}' >/dev/null
echo "fleet of $n bundles, terraform -parallelism=$parallelism, AWS's request quotas on (internal/acctest/awsproxy/quotas.go)"
phase apply apply -auto-approve
phase plan plan -detailed-exitcode
if grep -q "No changes" "$work/plan.log"; then
  echo "  the apply converged in one run: the plan shows no changes"
else
  echo "  the plan after the apply does not show 'No changes': $(grep -E '^Plan:|^Error' "$work/plan.log" | head -n 3 | tr '\n' ' ')"
fi
phase destroy destroy -auto-approve
# What the destroy left: every AWS object named after this run.
RUN_ID=$run_id ENDPOINT="http://127.0.0.1:${LOCALSTACK_PORT:-4566}" "$python" - <<'PY'
import os

import boto3

kw = dict(endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
run = os.environ["RUN_ID"]


def names(service, paginator, key, field):
    pages = boto3.client(service, **kw).get_paginator(paginator).paginate()
    return [item[field] for page in pages for item in page[key] if run in item[field]]


left = {
    "secrets": names("secretsmanager", "list_secrets", "SecretList", "Name"),
    "functions": names("lambda", "list_functions", "Functions", "FunctionName"),
    "roles": names("iam", "list_roles", "Roles", "RoleName"),
    "log groups": names("logs", "describe_log_groups", "logGroups", "logGroupName"),
    "rules": names("events", "list_rules", "Rules", "Name"),
    "topics": names("sns", "list_topics", "Topics", "TopicArn"),
}
print("left after destroy (orphans): " + ", ".join(f"{kind} {len(found)}" for kind, found in left.items()))
PY
