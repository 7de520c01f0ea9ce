#!/usr/bin/env bash
# Known-vulnerability check that runs offline: govulncheck against a Go vulnerability database built
# here from the golang.org/x/vulndb module (its data/osv reports, converted by its own cmd/gendb),
# because this machine cannot reach vuln.go.dev. Fails (exit 3, govulncheck's) when the code calls a
# vulnerable symbol of a module or of the Go standard library in use.
#
# Environment: GOVULNCHECK_VERSION, VULNDB_VERSION (a pseudo-version of golang.org/x/vulndb: the
# database is as fresh as it; bump it to refresh), VULNCHECK_DB (an existing database directory or
# URL, such as https://vuln.go.dev where it is reachable: then nothing is built).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
harness="$repo/.harness"
govulncheck_version="${GOVULNCHECK_VERSION:-v1.10.0}"
vulndb_version="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
bin="$harness/bin/govulncheck"
[ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -q "govulncheck@$govulncheck_version" ||
  GOBIN="$harness/bin" go install "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version"

db="${VULNCHECK_DB:-}"
if [ -z "$db" ]; then
  out="$harness/vulndb/$vulndb_version"
  if [ ! -f "$out/index/db.json" ]; then
    echo "vulncheck: building the vulnerability database from golang.org/x/vulndb@$vulndb_version" >&2
    src=$(go mod download -json "golang.org/x/vulndb@$vulndb_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$vulndb_version has no data/osv" >&2; exit 1; }
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$src" && go build -o "$work/gendb" ./cmd/gendb)
    # gendb reads the reports from a git repository: a one-commit copy of the module's data/.
    mkdir "$work/repo" && cp -r "$src/data" "$work/repo/" && chmod -R u+w "$work/repo"
    git -C "$work/repo" init -q
    git -C "$work/repo" add -A
    git -C "$work/repo" -c user.email=vulncheck@localhost -c user.name=vulncheck commit -qm "golang.org/x/vulndb@$vulndb_version"
    rm -rf "$out.tmp" && mkdir -p "$(dirname "$out")"
    "$work/gendb" -repo "$work/repo" -out "$out.tmp" >/dev/null 2>&1
    mv "$out.tmp" "$out"
  fi
  db="file://$out"
fi
echo "vulncheck: govulncheck@$govulncheck_version, database $db" >&2
exec "$bin" -db "$db" ./...
