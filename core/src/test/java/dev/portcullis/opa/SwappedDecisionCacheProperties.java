package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Hot reload never serves a decision of old data: through random evaluations and reloads, the
 * swappable engine with decision caches answers what an engine without a cache, built on the
 * current data, answers. The policy ({@code enginetest/by_data}) allows exactly the paths its data
 * lists, so a stale cache entry would show.
 */
class SwappedDecisionCacheProperties {

  private static final List<String> PATHS = List.of("/a", "/b", "/c");

  /** Reference engines without a cache, one per data, built once for the whole run. */
  private static final Map<Set<String>, OpaWasmPolicyEngine> UNCACHED = new HashMap<>();

  private static final List<OpaWasmPolicyEngine> BUILT = new ArrayList<>();

  /** One step: evaluate a path, or (when {@code reload} is set) swap in an engine on new data. */
  record Step(String path, Set<String> reload) {}

  @Property(tries = 15)
  void aCachedDecisionIsTheUncachedDecisionOfTheCurrentData(
      @ForAll("steps") List<Step> steps, @ForAll("allowedPaths") Set<String> initial) {
    Set<String> current = initial;
    SwappablePolicyEngine engine =
        new SwappablePolicyEngine(cachedEngine(current), Duration.ofMillis(1));
    try {
      for (Step step : steps) {
        if (step.reload() != null) {
          current = step.reload();
          engine.swap(cachedEngine(current));
          continue;
        }
        Decision served = engine.evaluate(OpaWasmPolicyEngineIT.input(step.path()));
        Decision fresh = uncached(current).evaluate(OpaWasmPolicyEngineIT.input(step.path()));
        assertThat(served).as("%s with %s allowed", step.path(), current).isEqualTo(fresh);
        assertThat(served.allow()).isEqualTo(current.contains(step.path()));
      }
    } finally {
      engine.close();
    }
  }

  @Provide
  Arbitrary<Set<String>> allowedPaths() {
    return Arbitraries.of(PATHS).set().ofMaxSize(PATHS.size()).map(TreeSet::new);
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> evaluate = Arbitraries.of(PATHS).map(path -> new Step(path, null));
    Arbitrary<Step> reload = allowedPaths().map(paths -> new Step(null, paths));
    // Mostly evaluations, repeated paths (so the cache answers), and a few reloads.
    return Arbitraries.frequencyOf(Tuple.of(8, evaluate), Tuple.of(1, reload))
        .list()
        .ofMinSize(5)
        .ofMaxSize(30);
  }

  private static OpaWasmPolicyEngine cachedEngine(Set<String> allowed) {
    return build(builder(allowed).decisionCache(64 * 1024));
  }

  private static synchronized OpaWasmPolicyEngine uncached(Set<String> allowed) {
    return UNCACHED.computeIfAbsent(allowed, paths -> build(builder(paths)));
  }

  private static synchronized OpaWasmPolicyEngine build(OpaWasmPolicyEngine.Builder builder) {
    OpaWasmPolicyEngine engine = builder.build();
    BUILT.add(engine);
    return engine;
  }

  private static OpaWasmPolicyEngine.Builder builder(Set<String> allowed) {
    String data =
        "{\"config\":{\"allowed_paths\":["
            + String.join(",", allowed.stream().map(path -> "\"" + path + "\"").toList())
            + "]}}";
    return OpaWasmPolicyEngine.builder()
        .policy(PolicySource.classpath("enginetest/policy.wasm"))
        .entrypoint("enginetest/by_data")
        .data(data)
        .instances(1)
        .compiled(false);
  }

  @AfterContainer
  static synchronized void closeEngines() {
    BUILT.forEach(OpaWasmPolicyEngine::close);
    BUILT.clear();
    UNCACHED.clear();
  }
}
