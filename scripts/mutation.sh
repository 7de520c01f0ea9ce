#!/usr/bin/env bash
# Mutation testing with gremlins over the packages whose tests decide what AWS and the database are
# told. Slow (each mutant reruns a package's tests): not part of make test or CI.
#
#   scripts/mutation.sh [package ...]      default: bundle rotator awsclient/awsrpc awsclient/cloudtrail
#                                          awsclient/rds awsclient/redshift awsclient/cloudwatchlogs accessevents secretvalue validators
# (a package is a directory under internal/; gremlins runs each mutant against its own package's tests)
#
# Env: MUTATION_TIMEOUT (per package, default 40m), MUTATION_WORKERS (default 1),
# MUTATION_TIMEOUT_COEFFICIENT (gremlins' per-mutant timeout factor, default 20: each mutant recompiles),
# MUTATION_EXCLUDE (a regexp of files to leave out, e.g. to run one file).
# Per package it writes .harness/mutation/<package>.{txt,json} and prints a table row:
# mutants, killed, lived, not covered, timed out, not viable, efficacy (killed ÷ killed + lived), time.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
gremlins="$repo/.harness/bin/gremlins"
out="$repo/.harness/mutation"
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(bundle rotator awsclient/awsrpc awsclient/cloudtrail awsclient/rds awsclient/redshift awsclient/cloudwatchlogs accessevents secretvalue validators)
[ -x "$gremlins" ] || { echo "mutation.sh: $gremlins missing: make mutation installs it" >&2; exit 1; }
mkdir -p "$out"

printf '| package | mutants | killed | lived | not covered | timed out | not viable | efficacy | time |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
status=0
for pkg in "${packages[@]}"; do
  dir="$repo/internal/$pkg"
  [ -d "$dir" ] || { echo "mutation.sh: no package internal/$pkg" >&2; status=1; continue; }
  name=${pkg//\//_} # awsclient/awsrpc -> awsclient_awsrpc
  args=(unleash --workers "${MUTATION_WORKERS:-1}" --test-cpu 1 --timeout-coefficient "${MUTATION_TIMEOUT_COEFFICIENT:-20}" -o "$out/$name.json")
  [ -n "${MUTATION_EXCLUDE:-}" ] && args+=(-E "$MUTATION_EXCLUDE")
  started=$(date +%s)
  (cd "$dir" && timeout "${MUTATION_TIMEOUT:-40m}" "$gremlins" "${args[@]}") >"$out/$name.txt" 2>&1
  rc=$?
  took=$(( $(date +%s) - started ))
  summary=$(python3 - "$out/$name.txt" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
def count(label):
    m = re.findall(r"^\s*(KILLED|LIVED|NOT COVERED|TIMED OUT|NOT VIABLE)\b", text, re.M)
    return sum(1 for s in m if s == label)
k, l, n, t, v = (count(s) for s in ("KILLED", "LIVED", "NOT COVERED", "TIMED OUT", "NOT VIABLE"))
eff = f"{100 * k / (k + l):.1f}%" if k + l else "n/a"
print(k + l + n + t + v, k, l, n, t, v, eff)
PY
)
  read -r total killed lived notcov timedout notviable efficacy <<<"$summary"
  note=""
  [ $rc -eq 124 ] && note=" (stopped at the timeout: partial)" && status=1
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %dm%02ds%s |\n' "$pkg" "$total" "$killed" "$lived" "$notcov" "$timedout" "$notviable" "$efficacy" $((took / 60)) $((took % 60)) "$note"
done
echo
echo "Lived mutants: grep LIVED $out/<package>.txt (a nested package's / becomes _)"
exit $status
