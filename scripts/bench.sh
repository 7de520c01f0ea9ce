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

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
printf 'provider binary (CGO_ENABLED=0 -trimpath -s -w, as released): %.1f MB\n' "$(echo "$(stat -c %s "$work/terraform-provider-secretsbundle") / 1000000" | bc -l)"

run_id=$(date +%s)
for n in "${counts[@]}"; do
  dir="$work/bundles-$n"
  mkdir -p "$dir"
  bundles_tf "$dir/main.tf" "$n" bench "bench-$run_id-$n-" "$endpoint"
  echo "$n bundle(s):"
  echo "  apply:   $(timed "$dir" apply -auto-approve -parallelism=10)"
  echo "  plan:    $(timed "$dir" plan -detailed-exitcode -parallelism=10)"
  echo "  destroy: $(timed "$dir" destroy -auto-approve -parallelism=10)"
done
