#!/usr/bin/env bash
# Compiles the default SonarQube policy to OPA's plan (IR) for the plan engine.
#
# Usage: build-plan.sh <outdir>
#   Writes <outdir>/dev/portcullis/plan/sonarqube/plan.json from policies/src/main/rego with the
#   policies' capabilities (the same inputs as the policy's wasm build). Run by plan-engine/pom.xml.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 <outdir>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
readonly ENTRYPOINT="portcullis/sonarqube/decision"
mkdir -p "$1"
outdir="$(cd "$1" && pwd)/dev/portcullis/plan/sonarqube"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$repo/tools/opa" build -t plan -e "$ENTRYPOINT" \
  --capabilities "$repo/policies/src/main/opa/capabilities.json" \
  -o "$tmp/bundle.tar.gz" "$repo/policies/src/main/rego"
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /plan.json 2>/dev/null \
  || tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" plan.json
mkdir -p "$outdir"
install -m 0644 "$tmp/plan.json" "$outdir/"
echo "plan-engine: wrote $outdir/plan.json ($(wc -c <"$outdir/plan.json") bytes)"
