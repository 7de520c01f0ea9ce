#!/usr/bin/env bash
# Installs the AWS Lambda Runtime Interface Emulator into .harness/bin (once) and prints its path.
# Built from source with `go install` because the machines this runs on reach only package registries.
# A lock keeps parallel callers (localstack.sh, several test binaries) from building it at once.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/.harness/bin"
rie="$bin/aws-lambda-rie"
version=v0.0.0-20261030222936-bef5c4ba774d
if [ ! -x "$rie" ]; then
  mkdir -p "$bin" "$repo/.harness/run"
  exec 8>"$repo/.harness/run/rie.lock"
  flock 8
  if [ ! -x "$rie" ]; then
    GOBIN="$bin" CGO_ENABLED=0 go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$version" >&2
  fi
fi
echo "$rie"
