#!/usr/bin/env bash
# `make demo`: the provider's whole flow, for real, on this machine, with the real `terraform` binary.
#
#   scripts/demo.sh up     install and start the harness (LocalStack with the process executor, the
#                          AWS proxy, a PostgreSQL server; apt's and pip's output goes to
#                          .harness/run/demo/install.log), build the provider, apply examples/demo
#                          and walk through what it does; then remove what the run created
#   scripts/demo.sh down   stop the demo's PostgreSQL server (by pid), then LocalStack and the proxy
#
# Every step checks what it shows and stops the demo with "DEMO FAILED at step N" when it does not
# hold. Secret values are never printed: passwords appear as the first 12 hex digits of their
# SHA-256, and the run ends by checking that no password is in its output, Terraform's logs or state.
#
# Each run uses its own names (secret, database user, queue), so it can run beside the acceptance
# tests on the same LocalStack. The PostgreSQL server stays up between runs for speed.
#
# Environment: AWSPROXY_PORT (default 4567), LOCALSTACK_PORT (default 4566), DEMO_KEEP=1 keeps the
# run's working directory (Terraform configuration, state and logs) even when the run passes.
set -Eeuo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
harness="$repo/.harness"
run="$harness/run/demo"
pg_dir="$run/postgres"
# As root, PostgreSQL runs as the postgres user, which may not reach into the checkout (a clone in a
# mktemp -d directory is mode 0700): its data then lives in /tmp, under a name fixed by the checkout's
# path so that a later run and make demo-down find it.
if [ "$(id -u)" = 0 ]; then
  pg_dir="/tmp/secretsbundle-demo-postgres-$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
fi
pg_pidfile="$run/postgres.pid"
bin_dir="$run/bin"
venv="$harness/venv"
proxy_url="http://127.0.0.1:${AWSPROXY_PORT:-4567}"
region=us-east-1
account=000000000000

# The three callers of the story. The operator's key is LocalStack's default (the proxy maps it to
# the account's root); the other two are registered with the proxy as IAM users on every run.
operator_key="test"
app_key=demo-orders-app
app_arn="arn:aws:iam::$account:user/orders-app"
jane_key=demo-jane
jane_arn="arn:aws:iam::$account:user/jane"

# --- output and failure ---------------------------------------------------------------------------

step=0
step_title="preparation"
step_started=$SECONDS
demo_started=$SECONDS

heading() { # number title
  step=$1
  step_title=$2
  step_started=$SECONDS
  printf '\n== Step %s/9: %s\n' "$1" "$2"
}
show() { printf '   %s\n' "$*"; }
ok() { printf '   OK: %s (%ss)\n' "$*" "$((SECONDS - step_started))"; }
fail() {
  trap - ERR
  printf '\nDEMO FAILED at step %s (%s): %s\n' "$step" "$step_title" "$*" >&2
  exit 1
}
# Any command that fails unexpectedly fails the step it belongs to. BASH_COMMAND is the command's
# text before expansion, so no secret value reaches this message.
trap 'fail "command failed (exit $?): $BASH_COMMAND"' ERR

# fingerprint prints what the demo shows instead of a password.
fingerprint() { printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -c1-12)"; }

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# --- processes by pid file (as scripts/localstack.sh keeps them) ----------------------------------

proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  awk '$1 == "Z" { exit 1 } { print $20 }' <<<"$stat"
}

# Prints "pid port" of the demo's PostgreSQL server when the recorded process still runs.
postgres_running() {
  local pid start port
  [ -f "$pg_pidfile" ] || return 1
  read -r pid start port <"$pg_pidfile" || return 1
  [ -n "$pid" ] && [ "$(proc_starttime "$pid" 2>/dev/null)" = "$start" ] || return 1
  echo "$pid $port"
}

# --- PostgreSQL -----------------------------------------------------------------------------------

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# PostgreSQL refuses to run as root: as root, its programs run as the postgres system user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# superuser_sql runs SQL from stdin as the superuser over the server's Unix socket (trust auth).
superuser_sql() {
  "$(pg_bin)/psql" --no-psqlrc -q -v ON_ERROR_STOP=1 -h "$pg_dir" -p "$pg_port" -U postgres -d postgres >/dev/null
}

# ensure_postgres starts the demo's server, or reuses the one an earlier run left up; sets pg_port.
ensure_postgres() {
  local running
  if running=$(postgres_running); then
    pg_port=${running#* }
    if "$(pg_bin)/pg_isready" -q -h "$pg_dir" -p "$pg_port"; then
      show "reusing PostgreSQL on 127.0.0.1:$pg_port (pid ${running% *})"
      return 0
    fi
    show "PostgreSQL (pid ${running% *}) does not answer; starting a new one"
    stop_postgres
  fi
  local bin
  bin=$(pg_bin)
  [ -x "$bin/initdb" ] || fail "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) although scripts/databases.sh ran"
  rm -rf "$pg_dir"
  mkdir -p "$pg_dir"
  # initdb needs a superuser password for password authentication over TCP; nobody uses it: the
  # demo's own connections go through the socket, the demo user's through TCP with its password.
  random_hex 16 >"$pg_dir/superuser-password"
  chmod 0600 "$pg_dir/superuser-password"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$pg_dir"
  fi
  as_postgres "$bin/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/superuser-password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$run/initdb.log" 2>&1 ||
    fail "initdb in $pg_dir/data failed; see $run/initdb.log"
  pg_port=$(free_port)
  # A throwaway server on loopback: durability only costs time. pg_ctl starts it in its own
  # session, so it outlives this script and a Ctrl-C of make; fd 9 (the lock) is closed for it, or
  # the server would hold the lock for its whole life.
  as_postgres "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -s \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start </dev/null >/dev/null 2>&1 9>&- || fail "PostgreSQL did not start on 127.0.0.1:$pg_port; see $pg_dir/server.log"
  local pid
  pid=$(head -n1 "$pg_dir/data/postmaster.pid")
  printf '%s %s %s\n' "$pid" "$(proc_starttime "$pid")" "$pg_port" >"$pg_pidfile"
  superuser_sql <<<'create database orders;'
  show "started PostgreSQL on 127.0.0.1:$pg_port (pid $pid, data in $pg_dir)"
}

stop_postgres() {
  local running pid
  if running=$(postgres_running); then
    pid=${running% *}
    echo "demo.sh: stopping the demo's PostgreSQL (pid $pid)" >&2
    # SIGINT is PostgreSQL's fast shutdown.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      postgres_running >/dev/null || break
      sleep 0.1
    done
    if postgres_running >/dev/null; then
      echo "demo.sh: PostgreSQL did not stop within 10s of SIGINT; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pg_pidfile"
  rm -rf "$pg_dir"
}

# --- AWS and Terraform ----------------------------------------------------------------------------

# aws_raw runs the AWS CLI through the proxy, as the operator unless AWS_ACCESS_KEY_ID says
# otherwise; aws does the same and fails the step when the call fails.
aws_raw() {
  AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-$operator_key} AWS_SECRET_ACCESS_KEY=test \
    "$venv/bin/aws" --endpoint-url "$proxy_url" --region "$region" --output json "$@"
}
aws() {
  local status=0
  aws_raw "$@" || status=$?
  [ "$status" = 0 ] || fail "aws $1 $2 failed (exit $status; the AWS CLI's error is above)"
}
aws_as() { # key, aws arguments
  local key=$1
  shift
  AWS_ACCESS_KEY_ID=$key aws "$@"
}

# json reads JSON on stdin and prints the Python expression $1 of it (`d` is the document).
json() { "$venv/bin/python" -c 'import json, sys; d = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1"; }

register_identity() { # key arn username
  local body
  body=$(printf '{"accessKeyId":"%s","type":"IAMUser","principalId":"AIDA%s","arn":"%s","userName":"%s"}' \
    "$1" "$(printf '%s' "$3" | tr 'a-z-' 'A-Z_')" "$2" "$3")
  curl -sf -m 5 -XPOST "$proxy_url/_proxy/identities" -d "$body" >/dev/null ||
    fail "registering access key $1 as $2 with the AWS proxy ($proxy_url/_proxy/identities) failed"
}

# proxy_mark sets a mark in the proxy's call record (names are the run's own).
proxy_mark() {
  curl -sf -m 5 -G -XPOST "$proxy_url/_proxy/mark" --data-urlencode "name=$1" >/dev/null ||
    fail "setting mark '$1' in the AWS proxy's record failed"
}

# password_of prints the password of the secret's version with the given stage.
password_of() {
  aws secretsmanager get-secret-value --secret-id "$secret_arn" --version-stage "$1" |
    json "json.loads(d['SecretString'])['password']"
}

# tf runs terraform in the run's directory with the demo's variables; the initial password goes
# through the environment of this one process, never a command line.
tf() {
  TF_VAR_db_password=$initial_password terraform -chdir="$work" "$@"
}

# tf_apply applies with extra -var arguments, logging to $work/<name>.log and showing Terraform's
# progress lines (resources, warnings) without the rest.
tf_apply() { # log name, arguments
  local log="$work/$1.log"
  shift
  if ! tf apply -auto-approve -input=false -no-color "$@" >"$log" 2>&1; then
    grep -E '^(Error|│)' "$log" | sed 's/^/   terraform: /' >&2 || tail -n 30 "$log" >&2
    fail "terraform apply failed; full log: $log"
  fi
  progress "$log"
}
progress() {
  grep -E '^(secretsbundle_|terraform_data|ephemeral\.|data\.|Warning:|Apply complete|Destroy complete)' "$1" |
    grep -v -E ': (Still|Reading\.\.\.$|Refreshing state)|^Warning: Provider development overrides' |
    sed 's/^/   terraform: /' || true
}

# psql_login tries to log in as the demo's user with the password on stdin's first line; prints
# the current user, or psql's error.
psql_login() { # password
  PGPASSWORD=$1 PGPASSFILE=/dev/null PGSSLMODE=disable PGCONNECT_TIMEOUT=5 \
    "$(pg_bin)/psql" --no-psqlrc --tuples-only --no-align -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d orders \
    --command 'select current_user' 2>&1
}

# --- the run's own objects, removed at the end whatever happens -----------------------------------

work=""
# Terraform's outputs after step 1, as out_<name>.
out_secret_arn="" out_version_id="" out_last_rotated_date="" out_next_rotation_date="" out_last_rotation_error=""
out_rotation_function_arn="" out_rotation_role_arn="" out_alert_rule_arn="" out_alert_topic_arn=""
initial_password=""
previous_password=""
current_password=""
applied=0
destroyed=0
queue_url=""
queue_arn=""
trail_added=0
db_user=""
secret_arn=""

cleanup() {
  local rc=$?
  trap - ERR
  set +e
  if [ "$applied" = 1 ] && [ "$destroyed" = 0 ]; then
    echo "demo.sh: removing what the run created (terraform destroy)" >&2
    # A secret left scheduled for deletion by step 5 is restored first, as step 7 does.
    [ -n "$secret_arn" ] && aws_raw secretsmanager restore-secret --secret-id "$secret_arn" >/dev/null 2>&1
    tf destroy -auto-approve -input=false -no-color >"$work/cleanup-destroy.log" 2>&1 ||
      echo "demo.sh: terraform destroy failed; see $work/cleanup-destroy.log, and run make sweep" >&2
  fi
  if [ -n "$secret_arn" ] && [ "$destroyed" = 0 ]; then
    aws_raw secretsmanager delete-secret --secret-id "$secret_arn" --force-delete-without-recovery >/dev/null 2>&1
  fi
  [ -n "$queue_url" ] && aws_raw sqs delete-queue --queue-url "$queue_url" >/dev/null 2>&1
  [ "$trail_added" = 1 ] && curl -sf -m 5 -XDELETE "$proxy_url/_proxy/trails" >/dev/null 2>&1
  [ -n "$db_user" ] && [ -n "${pg_port:-}" ] && superuser_sql <<<"drop role if exists \"$db_user\";" 2>/dev/null
  if [ -n "$work" ]; then
    if [ "$rc" = 0 ] && [ "${DEMO_KEEP:-0}" != 1 ]; then
      rm -rf "$work"
    else
      echo "demo.sh: the run's Terraform configuration, state and logs are in $work" >&2
    fi
  fi
  exit "$rc"
}

# --- installing, quietly ---------------------------------------------------------------------------

install_log="$run/install.log"

# install_step runs an install command with its whole output (apt, pip) appended to install_log and
# only the scripts' own one-line messages ("databases.sh: ...", "localstack.sh: ...") shown; on
# failure it shows the log's last lines.
install_step() { # title command...
  local title=$1 status started=$SECONDS
  shift
  printf '\n--- %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$install_log"
  # Without pipefail the pipeline's status is sed's, so neither the ERR trap nor set -e fire here;
  # the command's own status is read from PIPESTATUS.
  set +o pipefail
  "$@" 2>&1 | tee -a "$install_log" | grep --line-buffered -E '^(databases|localstack)\.sh: ' |
    sed -u 's/^[a-z]*\.sh: /   - /'
  status=${PIPESTATUS[0]}
  set -o pipefail
  if [ "$status" != 0 ]; then
    tail -n 25 "$install_log" | sed 's/^/   | /' >&2
    fail "$title: '$*' failed (exit $status); whole output in $install_log"
  fi
  show "$title: ready ($((SECONDS - started))s)"
}

# --- the flow -------------------------------------------------------------------------------------

prepare() {
  printf '== make demo: secretsbundle_rds_secret on LocalStack, for real (%s)\n' "$(date -u +%FT%TZ)"
  command -v terraform >/dev/null || fail "terraform (>= 1.11) is not on PATH"
  mkdir -p "$run" "$bin_dir"
  show "installing and starting the harness; apt's and pip's output: $install_log"
  : >"$install_log"
  # Only PostgreSQL: the demo's database. The tests install MariaDB too.
  install_step "PostgreSQL server" bash "$repo/scripts/databases.sh" install postgresql
  # On a fresh machine this installs LocalStack into .harness/venv, which takes minutes; its
  # one-line progress messages show, pip's output goes to the log.
  install_step "LocalStack and the AWS proxy" bash "$repo/scripts/localstack.sh" up
  [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$proxy_url/_proxy/health")" = 200 ] ||
    fail "the AWS proxy does not answer on $proxy_url/_proxy/health"
  show "LocalStack 4.14 and the AWS proxy are up ($proxy_url)"
  # Under a lock, so that two demos started at once start one server; fail has spoken when it fails.
  (
    flock -w 120 9 || fail "another make demo has held $run/lock for 2 minutes"
    ensure_postgres
  ) 9>"$run/lock" || exit 1
  pg_port=$(postgres_running) || fail "the demo's PostgreSQL stopped right after it started; see $pg_dir/server.log"
  pg_port=${pg_port#* }

  show "building the provider (go generate ./internal/rotator/artifact, go build)"
  (cd "$repo" && go generate ./internal/rotator/artifact && go build -ldflags "-X main.version=demo" \
    -o "$bin_dir/terraform-provider-secretsbundle" .) >"$run/build.log" 2>&1 ||
    { tail -n 30 "$run/build.log" >&2; fail "building the provider failed; log: $run/build.log"; }

  local id
  id="$(date -u +%H%M%S)$(random_hex 2)"
  work=$(mktemp -d "${TMPDIR:-/tmp}/secretsbundle-demo.XXXXXX")
  cp "$repo"/examples/demo/*.tf "$work/"
  cat >"$work/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/secretsbundle/secretsbundle" = "$bin_dir"
  }
  direct {}
}
EOF
  export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1
  # The AWS CLI and Terraform see only what the demo gives them, not the user's AWS profile.
  export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/no-aws-credentials"
  # AWS CLI v1 prints JSON protocols' timestamps as epoch seconds unless told otherwise.
  printf '[default]\ncli_timestamp_format = iso8601\n' >"$AWS_CONFIG_FILE"
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
  export AWS_PAGER=""

  secret_name="demo/orders-$id/db"
  db_user="orders_app_$id"
  initial_password=$(random_hex 16)
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no Lambda architecture for this machine's $(uname -m)" ;;
  esac
  superuser_sql <<SQL
\set password '$initial_password'
create role "$db_user" login password :'password';
SQL
  register_identity "$app_key" "$app_arn" orders-app
  register_identity "$jane_key" "$jane_arn" jane
  local psql
  psql="$(pg_bin)/psql"
  # The alert hears of DeleteSecret through CloudTrail, which on AWS needs a trail logging
  # management events (`aws cloudtrail create-trail` + `start-logging`); the harness's AWS proxy
  # emulates CloudTrail, trails included, and has none until one is added.
  curl -sf -m 5 -XPOST "$proxy_url/_proxy/trails" -d '{"name":"demo-management-events","multiRegion":true,"logging":true}' >/dev/null ||
    fail "adding the demo's trail to the AWS proxy failed"
  trail_added=1
  show "CloudTrail trail demo-management-events logs management events (the proxy's emulation)"
  # The on-call queue exists before the apply: the bundle subscribes it (deletion_alert.subscriptions).
  queue_url=$(aws sqs create-queue --queue-name "demo-alerts-${secret_name//[^a-zA-Z0-9]/-}" | json "d['QueueUrl']")
  queue_arn=$(aws sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn | json "d['Attributes']['QueueArn']")
  export TF_VAR_aws_endpoint="$proxy_url" TF_VAR_secret_name="$secret_name" TF_VAR_db_port="$pg_port" \
    TF_VAR_db_username="$db_user" TF_VAR_lambda_architecture="$arch" TF_VAR_psql="$psql" \
    TF_VAR_login_report="$work/login-report.txt" TF_VAR_app_access_key="$app_key" TF_VAR_alert_queue_arn="$queue_arn"
  show "on-call SQS queue $queue_arn, for deletion_alert.subscriptions"
  show "PostgreSQL user $db_user in database orders on 127.0.0.1:$pg_port, password $(fingerprint "$initial_password")"
  show "Terraform working directory $work (examples/demo, provider from $bin_dir via dev_overrides)"
  show "ready in $((SECONDS - demo_started))s"
}

step1_store() {
  heading 1 "store the bundle; the first rotation happens immediately"
  applied=1
  proxy_mark "$secret_name before apply"
  tf_apply step1-apply
  proxy_mark "$secret_name after apply"
  tf output -json >"$work/outputs.json"
  local key
  for key in secret_arn version_id last_rotated_date next_rotation_date last_rotation_error \
    rotation_function_arn rotation_role_arn alert_rule_arn alert_topic_arn; do
    printf -v "out_$key" '%s' "$(json "d['$key']['value'] or ''" <"$work/outputs.json")"
  done
  secret_arn=$out_secret_arn
  show "secret          $out_secret_arn"
  show "rotator         $out_rotation_function_arn"
  show "rotator's role  $out_rotation_role_arn"
  show "alert           $out_alert_rule_arn -> $out_alert_topic_arn"
  aws sns list-subscriptions-by-topic --topic-arn "$out_alert_topic_arn" >"$work/subscriptions.json"
  [ "$(json "'yes' if [s['Protocol'] for s in d['Subscriptions'] if s['Endpoint'] == '$queue_arn'] == ['sqs'] else 'no'" <"$work/subscriptions.json")" = yes ] ||
    fail "the bundle did not subscribe the on-call queue $queue_arn to $out_alert_topic_arn"
  show "subscribed      $queue_arn (deletion_alert.subscriptions)"
  show "last rotated    $out_last_rotated_date; next rotation due $out_next_rotation_date"
  [ -z "$out_last_rotation_error" ] || fail "last_rotation_error is set: $out_last_rotation_error"
  [ -n "$out_last_rotated_date" ] || fail "last_rotated_date is empty: the first rotation did not run"
  # The rotator reaches AWS through the proxy too: its record shows the rotation from inside.
  local calls
  calls=$(curl -sf -m 10 -G "$proxy_url/_proxy/calls" --data-urlencode "from=$secret_name before apply" \
    --data-urlencode "to=$secret_name after apply") || fail "reading the AWS proxy's call record failed"
  local rotator_calls
  rotator_calls=$(json "', '.join(c['operation'] for c in d if '/${out_rotation_role_arn##*/}/' in (c.get('identity') or {}).get('arn', ''))" <<<"$calls")
  show "the rotator's own calls (proxy record, as its role): $rotator_calls"
  case "$rotator_calls" in
    *PutSecretValue*UpdateSecretVersionStage*) ;;
    *) fail "the proxy recorded no PutSecretValue then UpdateSecretVersionStage by the rotator's role during apply" ;;
  esac
  ok "the bundle exists and its first rotation ran"
}

step2_versions() {
  heading 2 "the secret's versions, and proof that the database password changed"
  aws secretsmanager list-secret-version-ids --secret-id "$secret_arn" >"$work/versions.json"
  json "'\n'.join(v['VersionId'] + '  ' + ','.join(sorted(v.get('VersionStages', []))) + '  created ' + str(v.get('CreatedDate', '')) for v in sorted(d['Versions'], key=lambda v: str(v.get('CreatedDate', ''))))" \
    <"$work/versions.json" | sed 's/^/   version  /'
  local current_id previous_id
  current_id=$(json "next((v['VersionId'] for v in d['Versions'] if 'AWSCURRENT' in v.get('VersionStages', [])), '')" <"$work/versions.json")
  previous_id=$(json "next((v['VersionId'] for v in d['Versions'] if 'AWSPREVIOUS' in v.get('VersionStages', [])), '')" <"$work/versions.json")
  [ -n "$current_id" ] || fail "the secret has no AWSCURRENT version"
  [ -n "$previous_id" ] || fail "the secret has no AWSCURRENT and AWSPREVIOUS versions: no rotation happened"
  [ "$current_id" != "$previous_id" ] || fail "AWSCURRENT and AWSPREVIOUS are the same version"
  [ "$current_id" = "$out_version_id" ] || fail "Terraform's version_id $out_version_id is not AWSCURRENT ($current_id)"

  previous_password=$(password_of AWSPREVIOUS)
  current_password=$(password_of AWSCURRENT)
  show "password written by Terraform  $(fingerprint "$initial_password")"
  show "AWSPREVIOUS password           $(fingerprint "$previous_password")"
  show "AWSCURRENT password            $(fingerprint "$current_password") (${#current_password} characters, from the rotator)"
  [ "$previous_password" = "$initial_password" ] || fail "AWSPREVIOUS does not hold the password Terraform wrote"
  [ "$current_password" != "$initial_password" ] || fail "AWSCURRENT still holds the password Terraform wrote"

  local out
  if out=$(psql_login "$initial_password"); then
    fail "psql logged in as $db_user with the password Terraform wrote: the rotation did not change it in the database"
  fi
  grep -q 'password authentication failed' <<<"$out" || fail "psql with the old password failed, but not for its password: $out"
  show "psql as $db_user with the old password:       refused ($(grep -o 'password authentication failed for user "[^"]*"' <<<"$out"))"
  out=$(psql_login "$current_password") || fail "psql as $db_user with the AWSCURRENT password failed: $out"
  [ "$out" = "$db_user" ] || fail "psql with the AWSCURRENT password logged in as '$out', not $db_user"
  show "psql as $db_user with the AWSCURRENT password: logged in (select current_user -> $out)"
  ok "the rotator changed the password in PostgreSQL and in the secret"
}

step3_ephemeral() {
  heading 3 "the value read through the ephemeral resource secretsbundle_secret_value"
  tf_apply step3-apply -var read_back=true
  [ -f "$work/login-report.txt" ] || fail "the local-exec login wrote no report: did the provisioner run?"
  local version stages user
  version=$(sed -n 's/^version=//p' "$work/login-report.txt")
  stages=$(sed -n 's/^stages=//p' "$work/login-report.txt")
  user=$(sed -n 's/^logged_in_as=//p' "$work/login-report.txt")
  show "ephemeral.secretsbundle_secret_value.app (as IAM user orders-app) read version $version ($stages)"
  show "terraform_data.app_login logged in to PostgreSQL with its password as: $user"
  [ "$version" = "$out_version_id" ] || fail "the ephemeral resource read version $version, not AWSCURRENT $out_version_id"
  [ "$user" = "$db_user" ] || fail "the login with the ephemeral value did not log in as $db_user"
  if grep -qF "$current_password" "$work/terraform.tfstate"; then
    fail "the AWSCURRENT password is in terraform.tfstate"
  fi
  show "terraform.tfstate holds no password (grep finds neither the current one nor any other)"
  ok "the ephemeral value works and stays out of the state"
}

step4_access_events() {
  heading 4 "GetSecretValue as two identities, listed by secretsbundle_access_events"
  aws_as "$operator_key" secretsmanager get-secret-value --secret-id "$secret_arn" >/dev/null
  show "GetSecretValue as the operator (access key $operator_key)"
  aws_as "$app_key" secretsmanager get-secret-value --secret-id "$secret_arn" >/dev/null
  show "GetSecretValue as the orders app (access key $app_key)"
  tf_apply step4-apply -var read_back=true -var list_access_events=true
  tf output -json secret_readers >"$work/readers.json"
  printf '   %-12s %5s  %-20s  %s\n' "type" "reads" "last read" "caller (principal_arn)"
  json "'\n'.join('%-12s %5d  %-20s  %s' % (p['type'] or '', p['reads'], p['last_read'], arn) for arn, p in d.items())" \
    <"$work/readers.json" | sed 's/^/   /'
  local arn
  for arn in "arn:aws:iam::$account:root" "$app_arn"; do
    [ "$(json "str('$arn' in d).lower()" <"$work/readers.json")" = true ] ||
      fail "secretsbundle_access_events does not list $arn among the readers"
  done
  ok "the operator's and the app's reads are listed under their own identities"
}

# receive_alerts writes what the on-call queue hands out now to received.json ({} when nothing:
# the CLI prints nothing then).
receive_alerts() {
  aws sqs receive-message --queue-url "$queue_url" --wait-time-seconds 2 --max-number-of-messages 10 >"$work/received.json"
  [ -s "$work/received.json" ] || echo '{}' >"$work/received.json"
}

# await_alert reads the on-call queue for up to 60 s until a message's body contains every word
# given; prints that SNS notification.
await_alert() { # words...
  local deadline=$((SECONDS + 60)) alert="" words
  words=$(printf "'%s'," "$@")
  while [ -z "$alert" ] && [ $SECONDS -lt $deadline ]; do
    receive_alerts
    alert=$(json "next((m['Body'] for m in d.get('Messages', []) if all(w in m['Body'] for w in [$words])), '')" <"$work/received.json")
  done
  printf '%s' "$alert"
}

step5_failed_rotation() {
  heading 5 "a rotation that fails against the database, and its alert"
  # Someone changes the user's password in PostgreSQL behind the bundle's back: the rotator's
  # login with AWSCURRENT is refused, so the next rotation fails at setSecret.
  superuser_sql <<<"ALTER USER \"$db_user\" PASSWORD 'changed-behind-the-bundle-$(random_hex 8)'"
  show "the PostgreSQL password of $db_user changed out of band (not shown)"
  aws_as "$operator_key" secretsmanager rotate-secret --secret-id "$secret_arn" >/dev/null
  show "RotateSecret as the operator: Secrets Manager starts the rotation in the background"
  local alert
  alert=$(await_alert RotationFailed "$secret_arn")
  [ -n "$alert" ] || fail "no RotationFailed alert for $secret_arn arrived in $queue_url within 60s"
  printf '%s' "$alert" >"$work/rotation-alert.json"
  json "(lambda e: '\n'.join([
      'detail-type  ' + e['detail-type'] + ' from ' + e['source'],
      'event        ' + e['detail']['eventName'] + ' (' + e['detail']['eventType'] + ') at ' + e['detail']['eventTime'],
      'secret       ' + e['detail']['additionalEventData']['SecretId']]))(json.loads(d['Message']))" <"$work/rotation-alert.json" | sed 's/^/   alert: /'
  [ "$(json "json.loads(d['Message'])['detail']['eventType']" <"$work/rotation-alert.json")" = AwsServiceEvent ] ||
    fail "the rotation alert is not Secrets Manager's service event"
  show "why: the rotator's log group /aws/lambda/${out_rotation_function_arn##*:} (and last_rotation_error at the next refresh)"
  ok "the failed rotation reached the on-call queue, naming the secret"
}

step6_stranger_read() {
  heading 6 "a read by someone outside readers, and its alert"
  aws_as "$jane_key" secretsmanager get-secret-value --secret-id "$secret_arn" >/dev/null
  show "GetSecretValue as IAM user jane (access key $jane_key); readers = [$app_arn]"
  curl -sf -m 30 -XPOST "$proxy_url/_proxy/flush" >/dev/null || fail "the AWS proxy did not flush its CloudTrail events"
  local alert
  alert=$(await_alert GetSecretValue "$jane_arn")
  [ -n "$alert" ] || fail "no alert for jane's GetSecretValue arrived in $queue_url within 60s"
  printf '%s' "$alert" >"$work/reader-alert.json"
  json "(lambda e: '\n'.join([
      'event        ' + e['detail']['eventName'] + ' at ' + e['detail']['eventTime'],
      'caller       ' + e['detail']['userIdentity']['arn'] + ' from ' + str(e['detail'].get('sourceIPAddress'))]))(json.loads(d['Message']))" <"$work/reader-alert.json" | sed 's/^/   alert: /'
  # The reads of step 4 (the operator, Terraform's identity; the orders app, a reader) and the
  # rotator's did not alert: no other GetSecretValue alert is in the queue.
  receive_alerts
  local others
  others=$(json "len([m for m in d.get('Messages', []) if 'GetSecretValue' in m['Body']])" <"$work/received.json")
  [ "$others" = 0 ] || fail "$others more GetSecretValue alerts arrived: a listed reader's read alerted"
  ok "only the stranger's read alerted"
}

step5_delete() {
  heading 7 "the secret deleted out of band, and the alert that arrived"
  show "on-call queue $queue_arn, subscribed to the alert topic by the bundle"
  aws_as "$jane_key" secretsmanager delete-secret --secret-id "$secret_arn" --recovery-window-in-days 7 >"$work/delete.json"
  show "DeleteSecret as IAM user jane (access key $jane_key), recovery window 7 days"
  # The proxy puts its CloudTrail events on EventBridge in the background; flush hands them over.
  curl -sf -m 30 -XPOST "$proxy_url/_proxy/flush" >/dev/null || fail "the AWS proxy did not flush its CloudTrail events"
  local deadline=$((SECONDS + 30)) alert=""
  while [ -z "$alert" ] && [ $SECONDS -lt $deadline ]; do
    aws sqs receive-message --queue-url "$queue_url" --wait-time-seconds 2 --max-number-of-messages 10 >"$work/received.json"
    alert=$(json "next((m['Body'] for m in d.get('Messages', []) if 'DeleteSecret' in m['Body']), '')" <"$work/received.json")
  done
  [ -n "$alert" ] || fail "no alert arrived in $queue_url within 30s of the DeleteSecret"
  printf '%s' "$alert" >"$work/alert.json"
  # SNS wraps the EventBridge event, which carries the CloudTrail event as its detail.
  local summary
  summary=$(json "(lambda e: '\n'.join([
      'subject      ' + (d.get('Subject') or '(none)'),
      'detail-type  ' + e['detail-type'] + ' from ' + e['source'],
      'event        ' + e['detail']['eventName'] + ' at ' + e['detail']['eventTime'],
      'secret       ' + str(e['detail'].get('requestParameters', {}).get('secretId')),
      'caller       ' + e['detail']['userIdentity'].get('arn', '') + ' (' + e['detail']['userIdentity'].get('type', '') + ', key ' + e['detail']['userIdentity'].get('accessKeyId', '') + ')',
      'from         ' + str(e['detail'].get('sourceIPAddress'))]))(json.loads(d['Message']))" <"$work/alert.json")
  sed 's/^/   alert: /' <<<"$summary"
  local event_name secret caller
  event_name=$(json "json.loads(d['Message'])['detail']['eventName']" <"$work/alert.json")
  secret=$(json "json.loads(d['Message'])['detail']['requestParameters']['secretId']" <"$work/alert.json")
  caller=$(json "json.loads(d['Message'])['detail']['userIdentity'].get('arn', '')" <"$work/alert.json")
  [ "$event_name" = DeleteSecret ] || fail "the alert is for $event_name, not DeleteSecret"
  [ "$secret" = "$secret_arn" ] || fail "the alert names secret $secret, not $secret_arn"
  [ "$caller" = "$jane_arn" ] || fail "the alert names caller $caller, not $jane_arn"
  ok "the deletion alert arrived with the secret's ARN and the caller's identity"
}

step6_deletion_date() {
  heading 8 "the scheduled deletion date"
  local deletion_date deleted_date
  deletion_date=$(json "d['DeletionDate']" <"$work/delete.json")
  aws secretsmanager describe-secret --secret-id "$secret_arn" >"$work/describe.json"
  deleted_date=$(json "str(d.get('DeletedDate') or '')" <"$work/describe.json")
  show "DeleteSecret answered DeletionDate $deletion_date"
  show "DescribeSecret shows DeletedDate   ${deleted_date:-(none)}"
  [ -n "$deleted_date" ] || fail "DescribeSecret shows no DeletedDate: the secret is not scheduled for deletion"
  local days
  days=$(json "(__import__('datetime').datetime.fromisoformat(d['DeletionDate']) - __import__('datetime').datetime.now(__import__('datetime').timezone.utc)).total_seconds() / 86400" <"$work/delete.json")
  awk -v d="$days" 'BEGIN { exit !(d > 6.9 && d < 7.1) }' || fail "the deletion date is $days days away, not 7"
  show "until then: aws secretsmanager restore-secret --secret-id $secret_arn"
  ok "$(printf '%.2f' "$days") days from now, as the recovery window says"
}

step7_cleanup() {
  heading 9 "clean up"
  # The secret is restored first: while it is scheduled for deletion, Terraform's refresh sees the
  # bundle as gone and would forget the rotator, its role and the alert instead of destroying them.
  aws secretsmanager restore-secret --secret-id "$secret_arn" >/dev/null
  show "secret restored (restore-secret), so that terraform destroy removes the whole bundle"
  if ! tf destroy -auto-approve -input=false -no-color >"$work/step7-destroy.log" 2>&1; then
    grep -E '^(Error|│)' "$work/step7-destroy.log" | sed 's/^/   terraform: /' >&2 || true
    fail "terraform destroy failed; full log: $work/step7-destroy.log"
  fi
  destroyed=1
  progress "$work/step7-destroy.log"
  aws secretsmanager delete-secret --secret-id "$secret_arn" --force-delete-without-recovery >/dev/null
  show "secret deleted for good (delete-secret --force-delete-without-recovery)"
  aws sqs delete-queue --queue-url "$queue_url" >/dev/null
  queue_url=""
  superuser_sql <<<"drop role \"$db_user\";"
  show "queue and PostgreSQL user $db_user dropped"
  # Each lookup must fail; they run at once, as the AWS CLI takes a second to start.
  local what leftovers
  leftovers=$(
    for what in "lambda get-function --function-name $out_rotation_function_arn" \
      "iam get-role --role-name ${out_rotation_role_arn##*/}" \
      "sns get-topic-attributes --topic-arn $out_alert_topic_arn" \
      "events describe-rule --name ${out_alert_rule_arn##*/}" \
      "secretsmanager describe-secret --secret-id $secret_arn"; do
      # shellcheck disable=SC2086 # the words are the AWS CLI's arguments
      { aws_raw $what >/dev/null 2>&1 && echo "aws $what"; } &
    done
    wait
  )
  [ -z "$leftovers" ] || fail "still there after the clean-up: $leftovers"
  secret_arn=""
  db_user=""
  ok "nothing the run created is left (function, role, topic, rule, secret, queue, user)"
}

# The run's own leak check: no password it handled is in its output, Terraform's logs or state.
check_no_secrets() {
  local password file
  for password in "$initial_password" "$previous_password" "$current_password"; do
    [ -n "$password" ] || continue
    for file in "$transcript" "$work"/*.log "$work"/*.json "$work"/terraform.tfstate*; do
      [ -e "$file" ] || continue
      if grep -qF "$password" "$file"; then
        fail "a password ($(fingerprint "$password")) appears in $file"
      fi
    done
  done
  printf '\n   No password appears in the demo'"'"'s output, Terraform'"'"'s logs or its state.\n'
}

cmd_up() {
  mkdir -p "$run"
  transcript="$run/last-run.log"
  : >"$transcript"
  exec > >(tee -a "$transcript") 2>&1
  trap cleanup EXIT
  prepare
  step1_store
  step2_versions
  step3_ephemeral
  step4_access_events
  step5_failed_rotation
  step6_stranger_read
  step5_delete
  step6_deletion_date
  step7_cleanup
  check_no_secrets
  printf '\n== make demo passed: 7 steps in %ss (make demo-down stops what it started)\n' "$((SECONDS - demo_started))"
}

cmd_down() {
  mkdir -p "$run"
  (
    flock 9
    stop_postgres
  ) 9>"$run/lock" || exit 1
  bash "$repo/scripts/localstack.sh" down
}

case "${1:-up}" in
  up) cmd_up ;;
  down) cmd_down ;;
  *)
    echo "usage: scripts/demo.sh up|down" >&2
    exit 2
    ;;
esac
