#!/usr/bin/env bash
# Compiles core's engine-test policies with the real, pinned OPA CLI into
# <outdir>/enginetest/policy.wasm and <outdir>/hosttest/policy.wasm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
out="$1/enginetest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
entrypoints=()
for e in decision echo malformed partial deny_with_ok_status slow by_data; do entrypoints+=(-e "enginetest/$e"); done
"$repo/tools/opa" build -t wasm "${entrypoints[@]}" -o "$tmp/bundle.tar.gz" "$here/../rego"
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /policy.wasm
cp "$tmp/policy.wasm" "$out/policy.wasm"

# A second policy that needs a host built-in (sprintf), for the engine's opa-java-wasm fallback.
host_out="$1/hosttest"
mkdir -p "$host_out" "$tmp/host"
"$repo/tools/opa" build -t wasm -e hosttest/decision -o "$tmp/host/bundle.tar.gz" "$here/../rego-host"
tar -xzf "$tmp/host/bundle.tar.gz" -C "$tmp/host" /policy.wasm
cp "$tmp/host/policy.wasm" "$host_out/policy.wasm"
