package dev.portcullis.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.policies.SonarQubePolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * What a decision-cache hit costs, before and after the cache was keyed by the input fields the
 * policy reads instead of the serialized input.
 *
 * <p>Every invocation hands over a fresh copy of the input (new strings, new collections), as a
 * gateway does for every request, so no string hash is remembered from the previous call; {@link
 * #freshInputOnly} is that copy alone, to subtract. {@link #jsonKeyHit} is the former hit path:
 * write the input's JSON and look it up in a Caffeine cache keyed by that string. {@link
 * #engineHit} is {@code OpaWasmPolicyEngine.evaluate} answering from its cache, keyed by the
 * bundled policy's declared fields ({@code key=declared}) or by every field ({@code key=all}, a
 * policy without a declaration).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DecisionCacheBenchmark -f 1 -wi 3 -w 1s
 * -i 5 -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DecisionCacheBenchmark {

  @Param({"allowed", "denied"})
  public String request;

  @Param({"declared", "all"})
  public String key;

  private OpaWasmPolicyEngine engine;
  private Cache<String, Decision> byJson;
  private PolicyInput input;

  @Setup(Level.Trial)
  public void setUp() {
    input = ScannerRequests.byName(request).input();
    PolicySource source =
        key.equals("declared")
            ? SonarQubePolicy.source()
            : PolicySource.classpath(
                SonarQubePolicy.class.getClassLoader(), SonarQubePolicy.WASM_RESOURCE);
    engine =
        SonarQubePolicy.engine(null).policy(source).instances(1).decisionCache(16L << 20).build();
    Decision decision = engine.evaluate(fresh(input));
    if (!engine.evaluate(fresh(input)).equals(decision)) {
      throw new IllegalStateException("the cache answered another decision");
    }
    byJson =
        Caffeine.newBuilder()
            .maximumWeight(16L << 20)
            .<String, Decision>weigher((json, d) -> 2 * json.length() + 256)
            .build();
    byJson.put(input.toJson(), decision);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
  }

  @Benchmark
  public PolicyInput freshInputOnly() {
    return fresh(input);
  }

  @Benchmark
  public Decision jsonKeyHit() {
    Decision decision = byJson.getIfPresent(fresh(input).toJson());
    if (decision == null) {
      throw new IllegalStateException("miss");
    }
    return decision;
  }

  @Benchmark
  public Decision engineHit() {
    return engine.evaluate(fresh(input));
  }

  /**
   * The same three measures as thread CPU time per call over batches of a million calls, for a
   * machine too loaded for JMH's wall-clock times to mean much (time spent waiting for a core is
   * not counted): {@code java -cp benchmarks/target/benchmarks.jar
   * dev.portcullis.benchmarks.DecisionCacheBenchmark [calls-per-batch]}.
   */
  private static volatile Object sink;

  public static void main(String[] args) {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (String request : new String[] {"allowed", "denied"}) {
      for (String key : new String[] {"declared", "all"}) {
        DecisionCacheBenchmark state = new DecisionCacheBenchmark();
        state.request = request;
        state.key = key;
        state.setUp();
        Map<String, Supplier<Object>> measures = new LinkedHashMap<>();
        measures.put("freshInputOnly", state::freshInputOnly);
        measures.put("jsonKeyHit", state::jsonKeyHit);
        measures.put("engineHit", state::engineHit);
        for (Map.Entry<String, Supplier<Object>> measure : measures.entrySet()) {
          long[] nanosPerCall = new long[7];
          for (int round = -2; round < nanosPerCall.length; round++) { // two warm-up rounds
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < calls; i++) {
              sink = measure.getValue().get(); // a volatile write: the result must be made
            }
            long perCall = (threads.getCurrentThreadCpuTime() - start) / calls;
            if (round >= 0) {
              nanosPerCall[round] = perCall;
            }
          }
          java.util.Arrays.sort(nanosPerCall);
          System.out.printf(
              "request=%s key=%s %s cpu_ns_per_call median=%d min=%d max=%d%n",
              request,
              key,
              measure.getKey(),
              nanosPerCall[nanosPerCall.length / 2],
              nanosPerCall[0],
              nanosPerCall[nanosPerCall.length - 1]);
        }
        state.tearDown();
      }
    }
  }

  /** A deep copy: equal, but with its own strings and collections. */
  static PolicyInput fresh(PolicyInput input) {
    PolicyInput.Request r = input.request();
    Map<String, List<String>> query = new LinkedHashMap<>();
    r.query().forEach((name, values) -> query.put(copy(name), copy(values)));
    Map<String, String> headers = new TreeMap<>();
    r.headers().forEach((name, value) -> headers.put(copy(name), copy(value)));
    PolicyInput.CredentialSummary c = input.credential();
    return new PolicyInput(
        new PolicyInput.Request(
            copy(r.method()),
            copy(r.path()),
            copy(r.pathSegments()),
            query,
            headers,
            copy(r.headerNames()),
            r.contentLength(),
            new PolicyInput.Body(
                r.body().present(), r.body().chunked(), copy(r.body().mediaType()))),
        new PolicyInput.Client(copy(input.client().ip())),
        new PolicyInput.CredentialSummary(
            c.present(),
            c.scheme(),
            new CredentialKind(copy(c.kind().wireName())),
            c.validity(),
            copy(c.verifier())));
  }

  private static String copy(String text) {
    return new String(text.toCharArray());
  }

  private static List<String> copy(List<String> texts) {
    List<String> copies = new ArrayList<>(texts.size());
    texts.forEach(text -> copies.add(copy(text)));
    return copies;
  }
}
