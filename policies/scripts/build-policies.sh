#!/usr/bin/env bash
# Checks, tests and compiles the Rego policies to WebAssembly.
#
# Usage: build-policies.sh <outdir>
#   Writes <outdir>/dev/portcullis/policies/sonarqube/{policy.wasm,data.json}.
#   SKIP_OPA_TESTS=true skips `opa test` and the coverage gate (Maven -DskipTests).
#   COMPILED_POLICY_CLASS=<class> also writes <outdir>/META-INF/portcullis/compiled-policies/<sha256>
#     naming the class Chicory's build-time compiler makes of policy.wasm, so that the engine finds
#     it by the policy's content hash (policies/pom.xml sets it).
# Run by policies/pom.xml in generate-resources; runnable by hand from any directory.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 <outdir>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
policies="$(cd "$here/.." && pwd)"
repo="$(cd "$policies/.." && pwd)"
opa="$repo/tools/opa"
mkdir -p "$1"
outdir="$(cd "$1" && pwd)/dev/portcullis/policies/sonarqube"

main_rego="$policies/src/main/rego"
test_rego="$policies/src/test/rego"
capabilities="$policies/src/main/opa/capabilities.json"
golden="$repo/core/src/test/resources/dev/portcullis/policy-input-golden.json"
readonly ENTRYPOINT="portcullis/sonarqube/decision"
# Lines of src/main/rego that the tests must reach.
readonly COVERAGE_THRESHOLD=100

# Tests live only under src/test/rego, so nothing of them can end up in the bundle.
if stray="$(find "$main_rego" -name '*_test.rego' -print)" && [[ -n "$stray" ]]; then
  echo "policies: test files belong in src/test/rego, not src/main/rego:" >&2
  echo "$stray" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "policies: opa check --strict (Rego v1, wasm-native built-ins only in src/main/rego)"
"$opa" check --strict --capabilities "$capabilities" "$main_rego"
"$opa" check --strict "$main_rego" "$test_rego"

echo "policies: opa fmt"
if ! unformatted="$("$opa" fmt --list --fail "$policies/src")"; then
  echo "policies: these files are not formatted:" >&2
  echo "$unformatted" >&2
  echo "policies: fix with: tools/opa fmt -w policies/src" >&2
  exit 1
fi

if [[ "${SKIP_OPA_TESTS:-false}" == "true" ]]; then
  echo "policies: opa test skipped (SKIP_OPA_TESTS=true)"
else
  echo "policies: opa test (with the golden input contract)"
  # --var-values prints, for each failing test, the failing expression with its values.
  if ! "$opa" test --var-values "$main_rego" "$test_rego" "$golden" >"$tmp/test.out" 2>&1; then
    cat "$tmp/test.out" >&2
    echo "policies: opa test failed" >&2
    exit 1
  fi
  tail -n 1 "$tmp/test.out"
  coverage_json="$("$opa" test --coverage "$main_rego" "$test_rego" "$golden")"
  coverage="$(sed -n 's/^  "coverage": \([0-9.]*\),\{0,1\}$/\1/p' <<<"$coverage_json" | tail -n 1)"
  echo "policies: coverage ${coverage:-unknown}% (threshold ${COVERAGE_THRESHOLD}%)"
  if ! "$opa" test --coverage --threshold "$COVERAGE_THRESHOLD" \
      "$main_rego" "$test_rego" "$golden" >/dev/null; then
    echo "policies: coverage is under ${COVERAGE_THRESHOLD}%; lines not covered:" >&2
    jq -r '.files | to_entries[] | .key as $f | (.value.not_covered // [])[]
           | "  \($f):\(.start.row)-\(.end.row)"' <<<"$coverage_json" >&2 || true
    exit 1
  fi
fi

echo "policies: opa build -t wasm -e $ENTRYPOINT"
"$opa" build -t wasm -e "$ENTRYPOINT" --capabilities "$capabilities" \
  -o "$tmp/bundle.tar.gz" "$main_rego"
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /policy.wasm /data.json 2>/dev/null \
  || tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" policy.wasm data.json
mkdir -p "$outdir"
install -m 0644 "$tmp/policy.wasm" "$tmp/data.json" "$outdir/"
echo "policies: wrote $outdir/policy.wasm ($(wc -c <"$outdir/policy.wasm") bytes) and data.json"
if [[ -n "${COMPILED_POLICY_CLASS:-}" ]]; then
  index="$1/META-INF/portcullis/compiled-policies"
  rm -rf "$index"
  mkdir -p "$index"
  sha="$(sha256sum "$outdir/policy.wasm" | cut -d' ' -f1)"
  printf '%s\n' "$COMPILED_POLICY_CLASS" >"$index/$sha"
  echo "policies: indexed build-time class $COMPILED_POLICY_CLASS for sha256 $sha"
fi
