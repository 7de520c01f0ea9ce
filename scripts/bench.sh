#!/usr/bin/env bash
# bench.sh [N...]: the secretsbundle_rds_secret figures the bundle issue asks for, printed, never
# asserted: the provider binary's size, and for 1 and N bundles (default 1 50) the wall time of
# `terraform apply`, `plan` (no changes) and `destroy` against LocalStack, and the provider's peak
# RSS (VmHWM) during each. The provider runs in -debug mode, started fresh for every command, so
# its peak is its own and not Terraform's (`/usr/bin/time -v terraform ...` would report the larger
# of the two processes).
#
# Needs LocalStack (`make localstack-up`; started here when it is not running) and PostgreSQL
# (scripts/databases.sh): bundles use rotate_immediately = false (rotation is measured by the
# rotator's own benchmarks), but setting the schedule runs the rotator's testSecret step, which logs
# in to the database, so a throwaway server on loopback holds the bundles' user.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 50)

bash scripts/localstack.sh up >/dev/null
endpoint="http://127.0.0.1:${LOCALSTACK_PORT:-4566}"

work=$(mktemp -d -t secretsbundle-bench.XXXXXX)
pg_dir=$(mktemp -d -t secretsbundle-bench-postgres.XXXXXX)
provider_pid=""
pg_bin=""
cleanup() {
  [ -z "$provider_pid" ] || kill "$provider_pid" 2>/dev/null || true
  if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: as root, its programs run as the postgres system user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

bash scripts/databases.sh install postgresql >/dev/null
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
db_password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
[ "$(id -u)" != 0 ] || chown postgres:postgres "$pg_dir"
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
db_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -s \
  -o "-c listen_addresses=127.0.0.1 -p $db_port -k $pg_dir -c fsync=off -c synchronous_commit=off" start </dev/null >/dev/null 2>&1 ||
  { echo "bench.sh: PostgreSQL did not start; see $pg_dir/server.log" >&2; exit 1; }
"$pg_bin/psql" --no-psqlrc -q -v ON_ERROR_STOP=1 -h "$pg_dir" -p "$db_port" -U postgres -d postgres \
  -v password="$db_password" >/dev/null <<'SQL'
create role app login password :'password';
create database bench owner app;
SQL

go generate ./internal/rotator/artifact
# As goreleaser builds the release (.goreleaser.yml): static, trimmed, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/terraform-provider-secretsbundle" .
printf 'provider binary (CGO_ENABLED=0 -trimpath -s -w, as released): %.1f MB\n' "$(echo "$(stat -c %s "$work/terraform-provider-secretsbundle") / 1000000" | bc -l)"

case "$(uname -m)" in
  aarch64 | arm64) arch=arm64 ;;
  *) arch=x86_64 ;;
esac

# start_provider runs the provider in debug mode and exports TF_REATTACH_PROVIDERS for terraform.
start_provider() {
  local log="$work/provider.log"
  : >"$log"
  "$work/terraform-provider-secretsbundle" -debug >"$log" 2>&1 &
  provider_pid=$!
  for _ in $(seq 100); do
    if grep -q "TF_REATTACH_PROVIDERS='" "$log"; then
      TF_REATTACH_PROVIDERS=$(sed -n "s/^.*TF_REATTACH_PROVIDERS='\(.*\)'$/\1/p" "$log" | head -n 1)
      export TF_REATTACH_PROVIDERS
      return
    fi
    sleep 0.05
  done
  echo "bench.sh: the provider did not start in debug mode:" >&2
  cat "$log" >&2
  exit 1
}

# stop_provider prints the provider's peak RSS in MB and stops it.
stop_provider() {
  local hwm
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$provider_pid/status")
  kill "$provider_pid"
  wait "$provider_pid" 2>/dev/null || true
  provider_pid=""
  unset TF_REATTACH_PROVIDERS
  printf '%.1f' "$(echo "$hwm / 1024" | bc -l)"
}

# timed runs one terraform command against a fresh provider and prints "<seconds> s, provider peak RSS <MB> MB".
timed() {
  local dir=$1
  shift
  start_provider
  local t0 t1
  t0=$(date +%s.%N)
  if ! terraform -chdir="$dir" "$@" -input=false -no-color >"$work/terraform.log" 2>&1; then
    echo "bench.sh: terraform $* failed:" >&2
    tail -n 40 "$work/terraform.log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  printf '%.2f s, provider peak RSS %s MB' "$(echo "$t1 - $t0" | bc -l)" "$(stop_provider)"
}

run_id=$(date +%s)
for n in "${counts[@]}"; do
  dir="$work/bundles-$n"
  mkdir -p "$dir"
  cat >"$dir/main.tf" <<EOF
terraform {
  required_providers {
    secretsbundle = { source = "secretsbundle/secretsbundle" }
  }
}

provider "secretsbundle" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
  endpoints {
$(for service in secretsmanager lambda iam events sns sqs cloudtrail kms sts logs rds; do echo "    $service = \"$endpoint\""; done)
  }
}

resource "secretsbundle_rds_secret" "bench" {
  count = $n
  name  = "bench-$run_id-$n-\${count.index}"
  recovery_window_in_days = 0

  credentials = {
    engine              = "postgres"
    host                = "127.0.0.1"
    port                = $db_port
    dbname              = "bench"
    username            = "app"
    password_wo         = "$db_password"
    password_wo_version = 1
    ssl                 = false
  }

  rotation = {
    automatically_after_days = 30
    rotate_immediately       = false
    lambda = {
      architecture = "$arch"
    }
  }

  deletion_alert = {
    events = ["DeleteSecret"]
  }
}
EOF
  echo "$n bundle(s):"
  echo "  apply:   $(timed "$dir" apply -auto-approve -parallelism=10)"
  echo "  plan:    $(timed "$dir" plan -detailed-exitcode -parallelism=10)"
  echo "  destroy: $(timed "$dir" destroy -auto-approve -parallelism=10)"
done
