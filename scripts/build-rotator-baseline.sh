#!/usr/bin/env bash
# Builds the rotator's bootstrap as it was at a git ref (for make bench-rotator
# ROTATOR_BASELINE_REF=<ref>: the benchmark then runs it as a third contender, before and after in
# one run) into .harness/baseline/<commit>/bootstrap, and prints its path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:?usage: build-rotator-baseline.sh <git ref>}
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
out="$repo/.harness/baseline/$commit"
if [ ! -x "$out/bootstrap" ]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git -C "$repo" archive "$commit" | tar -x -C "$src"
  (cd "$src" && go generate ./internal/rotator/artifact >&2)
  arch=$(go env GOARCH)
  mkdir -p "$out"
  unzip -o -q "$src/internal/rotator/artifact/bootstrap-linux-$arch.zip" bootstrap -d "$out"
fi
echo "$out/bootstrap"
