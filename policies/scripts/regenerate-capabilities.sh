#!/usr/bin/env bash
# Regenerates policies/src/main/opa/capabilities.json: the built-ins of the pinned OPA that the OPA
# WebAssembly module implements natively. opa-java-wasm must supply every other built-in from Java,
# and a policy calling one it lacks fails at evaluation time, on the request path; with this file
# `opa build --capabilities` rejects such a policy at build time instead.
#
# WASM_NATIVE is the builtinsFunctions map of internal/compiler/wasm/wasm.go in OPA v1.22.3, plus the
# two operators the planner compiles inline (eq, assign). When bumping OPA, re-read that map, e.g.:
#   awk '/^var builtinsFunctions/,/^}/' $(go env GOMODCACHE)/github.com/open-policy-agent/opa@vX.Y.Z/internal/compiler/wasm/wasm.go
# Requires jq.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/policies/src/main/opa/capabilities.json"

readonly WASM_NATIVE="
  assign
  eq
  abs
  all
  and
  any
  array.concat
  array.flatten
  array.reverse
  array.slice
  base64.decode
  base64.encode
  base64.is_valid
  base64url.decode
  base64url.encode
  bits.and
  bits.lsh
  bits.negate
  bits.or
  bits.rsh
  bits.xor
  ceil
  concat
  contains
  count
  div
  endswith
  equal
  floor
  format_int
  glob.match
  graph.reachable
  gt
  gte
  indexof
  internal.member_2
  internal.member_3
  internal.template_string
  intersection
  is_array
  is_boolean
  is_null
  is_number
  is_object
  is_set
  is_string
  json.filter
  json.is_valid
  json.marshal
  json.remove
  json.unmarshal
  lower
  lt
  lte
  max
  min
  minus
  mul
  neq
  net.cidr_contains
  net.cidr_intersects
  net.cidr_overlap
  numbers.range
  object.filter
  object.get
  object.keys
  object.remove
  object.union
  object.union_n
  or
  plus
  product
  re_match
  regex.find_all_string_submatch_n
  regex.is_valid
  regex.match
  rem
  replace
  round
  set_diff
  sort
  split
  startswith
  strings.replace_n
  strings.reverse
  substring
  sum
  to_number
  trim
  trim_left
  trim_prefix
  trim_right
  trim_space
  trim_suffix
  type_name
  union
  upper
  walk
"

# shellcheck disable=SC2086  # WASM_NATIVE is a space-separated word list: splitting it is the point
names_json="$(printf '%s\n' $WASM_NATIVE | jq -R . | jq -s .)"
"$repo/tools/opa" capabilities --current \
  | jq --argjson names "$names_json" '.builtins |= map(select(.name as $n | $names | index($n)))' \
  > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(jq '.builtins | length' "$out") built-ins)"
