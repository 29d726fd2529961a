#!/usr/bin/env bash
# Benchmarks the default SonarQube policy: JMH (wasm compiled, wasm interpreted, Java floor; full
# decision, enforcer path and a breakdown), then `opa bench` on the same policy and the same inputs as
# the reference evaluator, and prints one summary table.
#
# Usage: benchmarks/run-benchmarks.sh            (from any directory; a few minutes on 2 cores)
#   SKIP_BUILD=true      use the existing benchmarks/target/benchmarks.jar
#   JMH_ARGS="..."       replace the default JMH settings (-f 1 -wi 3 -w 2s -i 5 -r 1s)
#   JMH_INCLUDE="regex"  which benchmarks to run (default: DecisionBenchmark|BreakdownBenchmark);
#                        RemoteEngineBenchmark compares the embedded engine with the remote one asking
#                        a local `opa run --server` (started by the benchmark) on the same inputs
#   TWO_THREADS=true     also run evaluate() with 2 threads and 2 pooled instances
#   SKIP_JMH=true        only run opa bench and summarize the existing JMH results
#   OPA_BENCH_COUNT=n    repeat each opa bench n times (default 3) and report the median
# Writes benchmarks/target/jmh-*.json, benchmarks/target/opa-bench/*.json and summary.txt.
# Not part of the Maven test run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$here/target"
jar="$out/benchmarks.jar"
opa="$repo/tools/opa"
jmh_args="${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 1s}"
jmh_include="${JMH_INCLUDE:-DecisionBenchmark|BreakdownBenchmark}"
opa_count="${OPA_BENCH_COUNT:-3}"

if [[ "${SKIP_BUILD:-false}" != "true" ]]; then
  echo "benchmarks: building core, policies and the benchmarks jar"
  (cd "$repo" && ./mvnw -q install -DskipTests -pl benchmarks -am)
fi
[[ -f "$jar" ]] || { echo "benchmarks: $jar is missing; run without SKIP_BUILD" >&2; exit 1; }

machine() {
  echo "machine: nproc=$(nproc) cpu=\"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\" java=\"$(java -version 2>&1 | sed -n 1p)\""
}
machine | tee "$out/machine-before.txt"

echo "benchmarks: writing the policy inputs for opa bench"
java -cp "$jar" dev.portcullis.benchmarks.WriteInputs "$out/opa-bench" >/dev/null

if [[ "${SKIP_JMH:-false}" != "true" ]]; then
  echo "benchmarks: JMH $jmh_args"
  # shellcheck disable=SC2086
  java -jar "$jar" "$jmh_include" $jmh_args -rf json -rff "$out/jmh-results.json" | tee "$out/jmh.log"
fi
if [[ "${TWO_THREADS:-false}" == "true" ]]; then
  # shellcheck disable=SC2086
  java -jar "$jar" 'DecisionBenchmark.evaluate' -p engine=wasm-compiled,java -p instances=2 -t 2 \
    $jmh_args -rf json -rff "$out/jmh-results-2threads.json" | tee "$out/jmh-2threads.log"
fi

echo "benchmarks: opa bench (topdown, the reference evaluator) x $opa_count"
"$opa" version 2>/dev/null | sed -n 1p
for request in allowed denied; do
  for i in $(seq 1 "$opa_count"); do
    "$opa" bench --data "$repo/policies/src/main/rego" --input "$out/opa-bench/$request.json" \
      --format json 'data.portcullis.sonarqube.decision' >"$out/opa-bench/$request-$i.result.json"
  done
done
machine | tee "$out/machine-after.txt"

python3 - "$out" "$opa_count" <<'PY' | tee "$out/summary.txt"
import json, statistics, sys, os
out, count = sys.argv[1], int(sys.argv[2])

def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else []

def per_op_us(score, unit):
    return {"us/op": score, "ns/op": score / 1000, "ms/op": score * 1000}[unit]

def ops_per_s(score, unit):
    return {"ops/us": score * 1e6, "ops/ms": score * 1e3, "ops/s": score}[unit]

rows = {}
for run, threads in ((load("jmh-results.json"), 1), (load("jmh-results-2threads.json"), 2)):
    for r in run:
        name = r["benchmark"].rsplit(".", 2)
        key = (name[-2], name[-1], r["params"].get("engine", "wasm-compiled (bare)"), r["params"]["request"], threads)
        row = rows.setdefault(key, {})
        m = r["primaryMetric"]
        if r["mode"] == "sample":
            p = m["scorePercentiles"]
            row["p50"] = per_op_us(p["50.0"], m["scoreUnit"])
            row["p99"] = per_op_us(p["99.0"], m["scoreUnit"])
            row["mean"] = per_op_us(m["score"], m["scoreUnit"])
        elif r["mode"] == "thrpt":
            row["ops"] = ops_per_s(m["score"], m["scoreUnit"])

def fmt(v, spec):
    return format(v, spec) if v is not None else "-"

print()
print(f"{'benchmark':<30} {'engine':<22} {'request':<8} {'thr':>3} {'p50 us':>10} {'p99 us':>10} {'mean us':>10} {'ops/s':>12}")
for key in sorted(rows, key=lambda k: (k[0], k[1], k[2], k[3], k[4])):
    b, m, e, req, t = key
    row = rows[key]
    print(f"{b + '.' + m:<30} {e:<22} {req:<8} {t:>3} {fmt(row.get('p50'), '10.2f')} {fmt(row.get('p99'), '10.2f')} "
          f"{fmt(row.get('mean'), '10.2f')} {fmt(row.get('ops'), '12,.0f')}")

print()
print("opa bench (topdown, same policy and input): median of", count, "runs")
opa = {}
for req in ("allowed", "denied"):
    ns = []
    p50 = []
    p99 = []
    for i in range(1, count + 1):
        r = json.load(open(os.path.join(out, "opa-bench", f"{req}-{i}.result.json")))
        ns.append(r["T"] / r["N"])
        p50.append(r["Extra"].get("histogram_timer_rego_query_eval_ns_median", float("nan")))
        p99.append(r["Extra"].get("histogram_timer_rego_query_eval_ns_99%", float("nan")))
    opa[req] = statistics.median(ns)
    print(f"  {req:<8} ns/op {statistics.median(ns):12,.0f}   query_eval p50 {statistics.median(p50)/1000:8.1f} us"
          f"   p99 {statistics.median(p99)/1000:8.1f} us   (runs: {', '.join(f'{v:,.0f}' for v in ns)})")

print()
print("target: evaluate() in wasm-compiled at p50 <= 5 us, p99 <= 25 us, >= 10x faster than opa bench")
for req in ("allowed", "denied"):
    row = rows.get(("DecisionBenchmark", "evaluate", "wasm-compiled", req, 1), {})
    if "p50" in row:
        print(f"  {req:<8} p50 {row['p50']:8.2f} us ({row['p50'] / 5:5.1f}x the target)   "
              f"p99 {row['p99']:9.2f} us ({row['p99'] / 25:5.1f}x the target)   "
              f"opa bench / wasm mean = {opa[req] / 1000 / row['mean']:5.2f}x (target >= 10x)")
PY
