#!/usr/bin/env bash
# The embedded engine's targets (issue 14), measured side by side in one run:
#   1. JMH, sample mode: DecisionBenchmark.evaluate (PolicyEngine.evaluate: input serialization,
#      evaluation, result parsing; no decision cache) of the bundled policy, wasm compiled to JVM
#      bytecode, 2 pooled instances, at 1 and at 2 threads, for an allowed and a denied request;
#   2. `tools/opa bench` (topdown, OPA's own evaluator) on the same Rego, the same data document
#      (SonarQubePolicy.data(null), what the engine is given) and the same input documents
#      (written by WriteInputs, byte for byte what the engine serializes);
# then prints one table with the ratios and PASS/MISS against each target:
#   - opa bench ns/op / evaluate mean at 1 thread >= 10  (both are means over many calls)
#   - evaluate p99 / p50 at 2 threads with 2 instances <= 2
#
# Usage: benchmarks/run-benchmarks.sh            (from any directory)
#   QUICK=true           short JMH runs and one opa bench per request (about 1 minute after the
#                        build; proves the setup, the figures are rougher)
#   SKIP_BUILD=true      use the existing benchmarks/target/benchmarks.jar
#   JMH_ARGS="..."       replace the JMH run settings (default: -f 1 -wi 4 -w 2s -i 5 -r 3s, about
#                        30 s per benchmark; QUICK: -f 1 -wi 2 -w 1s -i 3 -r 1s)
#   OPA_BENCH_COUNT=n    repeat each opa bench n times and take the median (default 3; QUICK: 1)
#   BENCH_JAVA=path      the java binary JMH runs on (default: java on the PATH). The wasm engine
#                        is about a fifth faster on JDK 21 and later than on 17, where Chicory
#                        routes one instruction through a slow call to dodge a JIT bug (README)
#   EXTRA_JMH="regex"    also run these benchmarks with their own settings afterwards and list them
#                        (e.g. 'DecisionBenchmark|BreakdownBenchmark' for every engine, or
#                        RemoteEngineBenchmark); not part of the targets
# The default run takes about 3 minutes after the build on 2 cores. It builds with
# `./mvnw -pl benchmarks -am package` (nothing is installed into ~/.m2; extra Maven options such as
# -o go in MAVEN_ARGS, which Maven reads).
# Writes benchmarks/target/jmh-*.json, benchmarks/target/opa-bench/ and benchmarks/target/summary.txt.
# Exit status: 0 when every target was measured (PASS or MISS), 1 when a figure is missing.
# Not part of the Maven test run. Timing on a loaded machine is indicative only: compare ratios of
# one run on a quiet machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$here/target"
bench_java="${BENCH_JAVA:-java}"
jar="$out/benchmarks.jar"
opa="$repo/tools/opa"
if [[ "${QUICK:-false}" == "true" ]]; then
  jmh_args="${JMH_ARGS:--f 1 -wi 2 -w 1s -i 3 -r 1s}"
  opa_count="${OPA_BENCH_COUNT:-1}"
else
  jmh_args="${JMH_ARGS:--f 1 -wi 4 -w 2s -i 5 -r 3s}"
  opa_count="${OPA_BENCH_COUNT:-3}"
fi
bench_dir="$out/opa-bench"

if [[ "${SKIP_BUILD:-false}" != "true" ]]; then
  echo "benchmarks: building core, policies and the benchmarks jar (package, no install)"
  (cd "$repo" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests -Dportcullis.skipPublishing=true)
fi
[[ -f "$jar" ]] || { echo "benchmarks: $jar is missing; run without SKIP_BUILD" >&2; exit 1; }

machine() {
  echo "machine: nproc=$(nproc) cpu=\"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\"" \
    "memory=\"$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)\"" \
    "load=\"$(cut -d' ' -f1-3 /proc/loadavg)\" java=\"$("$bench_java" -version 2>&1 | sed -n 1p)\""
}
mkdir -p "$out"
machine | tee "$out/machine-before.txt"

# The same inputs and data for both sides; the Rego is the policies module's source (the *.rego
# files the bundled wasm is built from; their own data.json is replaced by the engine's document).
echo "benchmarks: writing the policy inputs and data document for opa bench"
rm -rf "$bench_dir" && mkdir -p "$bench_dir/policy"
"$bench_java" -cp "$jar" dev.portcullis.benchmarks.WriteInputs "$bench_dir" >/dev/null
(cd "$repo/policies/src/main/rego" && find . -name '*.rego' ! -name '*_test.rego' -print0 |
  xargs -0 -I{} cp --parents {} "$bench_dir/policy/")
"$opa" eval --fail --data "$bench_dir/policy" --data "$bench_dir/data" \
  --input "$bench_dir/allowed.json" --format raw 'data.portcullis.sonarqube.decision.allow == true' >/dev/null ||
  { echo "benchmarks: opa eval does not allow the allowed request with this policy and data" >&2; exit 1; }

rm -f "$out"/jmh-threads-*.json
for threads in 1 2; do
  echo "benchmarks: JMH evaluate, sample mode, $threads thread(s), 2 instances: $jmh_args"
  # shellcheck disable=SC2086  # JMH_ARGS is a list of options
  if ! "$bench_java" -jar "$jar" 'DecisionBenchmark\.evaluate$' -bm sample -tu us -t "$threads" \
    -p engine=wasm-compiled -p request=allowed,denied -p instances=2 $jmh_args \
    -rf json -rff "$out/jmh-threads-$threads.json" >"$out/jmh-threads-$threads.log" 2>&1; then
    echo "benchmarks: JMH failed at $threads thread(s); last lines of $out/jmh-threads-$threads.log:" >&2
    tail -n 20 "$out/jmh-threads-$threads.log" >&2
  fi
  grep -E '^DecisionBenchmark\.evaluate(:p0\.50|:p0\.99) ' "$out/jmh-threads-$threads.log" || true
done

echo "benchmarks: opa bench (topdown, the reference evaluator) x $opa_count per request"
"$opa" version 2>/dev/null | sed -n 1p
for request in allowed denied; do
  for i in $(seq 1 "$opa_count"); do
    "$opa" bench --data "$bench_dir/policy" --data "$bench_dir/data" --input "$bench_dir/$request.json" \
      --format json 'data.portcullis.sonarqube.decision' >"$bench_dir/$request-$i.result.json"
  done
done

if [[ -n "${EXTRA_JMH:-}" ]]; then
  echo "benchmarks: extra JMH run: $EXTRA_JMH"
  "$bench_java" -jar "$jar" "$EXTRA_JMH" -rf json -rff "$out/jmh-extra.json" | tee "$out/jmh-extra.log"
fi
machine | tee "$out/machine-after.txt"

python3 - "$out" "$opa_count" "$jmh_args" <<'PY' | tee "$out/summary.txt"
import json, os, statistics, sys

out, count, jmh_args = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TO_US = {"ns/op": 1e-3, "us/op": 1.0, "ms/op": 1e3, "s/op": 1e6}

def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else []

jmh = {}  # (threads, request) -> {p50, p99, mean, n} in us
for threads in (1, 2):
    for r in load(f"jmh-threads-{threads}.json"):
        m = r["primaryMetric"]
        unit = TO_US[m["scoreUnit"]]
        p = m["scorePercentiles"]
        jmh[(threads, r["params"]["request"])] = {
            "p50": p["50.0"] * unit, "p99": p["99.0"] * unit, "mean": m["score"] * unit,
            "threads": r["threads"], "instances": r["params"]["instances"]}

opa = {}  # request -> ns/op median, runs
for req in ("allowed", "denied"):
    runs = []
    for i in range(1, count + 1):
        path = os.path.join(out, "opa-bench", f"{req}-{i}.result.json")
        if os.path.exists(path):
            r = json.load(open(path))
            runs.append(r["T"] / r["N"])
    if runs:
        opa[req] = (statistics.median(runs), runs)

def f(v, spec=".1f"):
    return "-" if v is None else format(v, spec)

for name in ("machine-before.txt", "machine-after.txt"):
    when = name.split(".")[0].replace("machine-", "")
    print(open(os.path.join(out, name)).read().strip().replace("machine:", f"machine ({when}):", 1))
print()
print(f"JMH ({jmh_args}, sample mode), DecisionBenchmark.evaluate, wasm-compiled, 2 instances; "
      f"opa bench: median of {count} run(s), ns/op")
print(f"| request | threads | p50 us | p99 us | mean us |")
print(f"|---|---:|---:|---:|---:|")
for (threads, req) in sorted(jmh):
    row = jmh[(threads, req)]
    print(f"| {req} | {threads} | {row['p50']:.2f} | {row['p99']:.2f} | {row['mean']:.2f} |")
for req, (ns, runs) in sorted(opa.items()):
    print(f"| {req}, opa bench | 1 | - | - | {ns / 1000:.2f} (runs: {', '.join(format(v / 1000, '.1f') for v in runs)}) |")

print()
print("| target | request | measured | ratio | wanted | result |")
print("|---|---|---|---:|---:|---|")
missing = 0
for req in ("allowed", "denied"):
    one = jmh.get((1, req))
    if one and req in opa:
        ratio = opa[req][0] / 1000 / one["mean"]
        verdict = "PASS" if ratio >= 10 else "MISS"
        print(f"| embedded evaluate vs opa bench (mean, 1 thread) | {req} | opa {opa[req][0] / 1000:.2f} us / "
              f"evaluate {one['mean']:.2f} us (p50 {one['p50']:.2f} us) | {ratio:.1f}x | >= 10x | {verdict} |")
    else:
        missing += 1
        print(f"| embedded evaluate vs opa bench (mean, 1 thread) | {req} | not measured | - | >= 10x | n/a |")
for req in ("allowed", "denied"):
    two = jmh.get((2, req))
    if two:
        ratio = two["p99"] / two["p50"]
        verdict = "PASS" if ratio <= 2 else "MISS"
        print(f"| p99 / p50, 2 threads, 2 instances | {req} | p99 {two['p99']:.2f} us / "
              f"p50 {two['p50']:.2f} us | {ratio:.2f}x | <= 2x | {verdict} |")
    else:
        missing += 1
        print(f"| p99 / p50, 2 threads, 2 instances | {req} | not measured | - | <= 2x | n/a |")

extra = load("jmh-extra.json")
if extra:
    print()
    print("extra JMH run (not a target):")
    print("| benchmark | params | mode | score | unit | p50 | p99 |")
    print("|---|---|---|---:|---|---:|---:|")
    for r in extra:
        m = r["primaryMetric"]
        p = m.get("scorePercentiles", {})
        params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
        pct = (f"{p['50.0']:.2f} | {p['99.0']:.2f}" if r["mode"] == "sample" else "- | -")
        print(f"| {r['benchmark'].rsplit('.', 2)[-2]}.{r['benchmark'].rsplit('.', 1)[-1]} | {params} | {r['mode']} | "
              f"{m['score']:.3f} | {m['scoreUnit']} | {pct} |")
sys.exit(1 if missing else 0)
PY
