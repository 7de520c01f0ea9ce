# bench-lib.sh: sourced by bench.sh and bench-fleet.sh after they set $work, $pg_dir and their cleanup
# trap. Starts a throwaway PostgreSQL on loopback holding the bundles' user (app, database bench:
# $db_port, $db_password), builds the provider as released into $work, sets $arch, and defines
# start_provider/stop_provider (debug mode, peak RSS) and timed.

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
  { echo "bench: PostgreSQL did not start; see $pg_dir/server.log" >&2; exit 1; }
"$pg_bin/psql" --no-psqlrc -q -v ON_ERROR_STOP=1 -h "$pg_dir" -p "$db_port" -U postgres -d postgres \
  -v password="$db_password" >/dev/null <<'SQL'
create role app login password :'password';
create database bench owner app;
SQL

go generate ./internal/rotator/artifact
# As goreleaser builds the release (.goreleaser.yml): static, trimmed, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/terraform-provider-secretsbundle" .

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
  echo "bench: the provider did not start in debug mode:" >&2
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
    echo "bench: terraform $* failed:" >&2
    tail -n 40 "$work/terraform.log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  printf '%.2f s, provider peak RSS %s MB' "$(echo "$t1 - $t0" | bc -l)" "$(stop_provider)"
}


# bundles_tf FILE COUNT LABEL NAME_PREFIX ENDPOINT: the configuration of COUNT bundles (resource
# secretsbundle_rds_secret.LABEL, secrets NAME_PREFIX<index>) against ENDPOINT, with
# rotate_immediately = false (setting the schedule runs the rotator's testSecret against the
# throwaway PostgreSQL) and a deletion alert.
bundles_tf() {
  local file=$1 count=$2 label=$3 prefix=$4 endpoint=$5 service endpoints=""
  for service in secretsmanager lambda iam events sns sqs cloudtrail kms sts logs rds; do
    endpoints+="    $service = \"$endpoint\""$'\n'
  done
  cat >"$file" <<EOF
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
$endpoints  }
}

resource "secretsbundle_rds_secret" "$label" {
  count = $count
  name  = "$prefix\${count.index}"
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
}
