#!/usr/bin/env bash
# Start-up time and footprint of the default engine per runtime and instance count, one fresh JVM
# each (dev.portcullis.benchmarks.EngineStartup): ready_ms is the wall-clock time of build() with
# the given warm-up, cpu_ms the process CPU time meanwhile; heap (after full GCs), metaspace and loaded classes are what the engine adds.
#
# Usage: benchmarks/run-startup.sh [warm-up evaluations per instance, default 200]
#   Needs benchmarks/target/benchmarks.jar: ./mvnw -B -ntp -o -pl benchmarks -am package -DskipTests
# ready_ms depends on the machine's load (printed first), cpu_ms much less; heap, metaspace and
# classes not at all.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/benchmarks.jar"
warm_up="${1:-200}"
[[ -f "$jar" ]] || { echo "run-startup: $jar is missing" >&2; exit 1; }
echo "machine: nproc=$(nproc) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
for instances in 1 2 4; do
  for runtime in opa-java-wasm shared-fresh shared; do
    case "$runtime" in
      shared-fresh) property=shared; fresh=fresh ;;
      *) property="$runtime"; fresh="" ;;
    esac
    java -Xmx1g -Dportcullis.opa.runtime="$property" -cp "$jar" \
      dev.portcullis.benchmarks.EngineStartup "$instances" "$warm_up" $fresh 2>/dev/null
  done
done
