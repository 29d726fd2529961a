package dev.portcullis.opa;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.styra.opa.wasm.OpaPolicy;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.internal.DecisionDocument;
import dev.portcullis.internal.PolicyInputJson;
import dev.portcullis.internal.WarnOnce;
import dev.portcullis.spi.PolicyEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates an OPA policy compiled to WebAssembly ({@code opa build -t wasm}) in-process with
 * opa-java-wasm on the Chicory runtime.
 *
 * <p>An {@code OpaPolicy} instance is not thread-safe, so the engine keeps a bounded pool of
 * instances, each with the data document loaded once and kept resident, all built and warmed up in
 * {@link Builder#build()} before the engine is returned. An evaluation borrows an instance, waiting
 * at most the borrow timeout ({@code engine_busy}, 503), and a watchdog interrupts one that runs
 * past the evaluation timeout ({@code engine_timeout}, 503). An instance that failed or was
 * interrupted is discarded and rebuilt in the background, never reused. Undefined or malformed
 * results are denies with their own reason codes ({@code policy_result_undefined}, {@code
 * policy_result_malformed}).
 *
 * <p>Thread-safe. Size the pool to at least the number of threads that evaluate at once (for Netty,
 * its event-loop threads) so that an evaluation never waits for an instance.
 */
public final class OpaWasmPolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(OpaWasmPolicyEngine.class);

  private final String description;
  private final String revision;
  private final InstancePool pool;
  private final WarnOnce resultLog = new WarnOnce(LOG);

  /** Decisions by input document, when enabled; null otherwise. */
  private final Cache<String, Decision> decisions;

  private OpaWasmPolicyEngine(Builder builder, String description, InstancePool pool) {
    this.description = description;
    this.revision = builder.source.sha256() + "+" + dataSha256(builder.data).substring(0, 16);
    this.pool = pool;
    this.decisions =
        builder.decisionCacheBytes == 0
            ? null
            : Caffeine.newBuilder()
                .maximumWeight(builder.decisionCacheBytes)
                .<String, Decision>weigher((json, decision) -> 2 * json.length() + 256)
                .recordStats()
                .build();
  }

  private static String dataSha256(String data) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(data.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision evaluate(PolicyInput input) {
    if (pool.closed()) {
      throw InstancePool.closedFailure();
    }
    String inputJson = PolicyInputJson.write(input);
    if (decisions == null) {
      return evaluateInWasm(inputJson);
    }
    Decision cached = decisions.getIfPresent(inputJson);
    if (cached != null) {
      return cached;
    }
    Decision decision = evaluateInWasm(inputJson);
    // Only what the policy itself answered is kept; a failure throws and is never cached.
    decisions.put(inputJson, decision);
    return decision;
  }

  private Decision evaluateInWasm(String inputJson) {
    Decision decision = DecisionDocument.parse(pool.evaluate(inputJson));
    if (!decision.allow() && decision.status() == 500) {
      warnAboutResult(decision.primaryReason());
    }
    return decision;
  }

  /** How many evaluations the decision cache answered; 0 when it is off. */
  long decisionCacheHits() {
    return decisions == null ? 0 : decisions.stats().hitCount();
  }

  private void warnAboutResult(String reason) {
    resultLog.log(
        reason,
        "further refusals",
        "policy result refused reason={} engine={}: the policy must always "
            + "define a decision object with a boolean 'allow'",
        reason,
        description);
  }

  @Override
  public String describe() {
    return description;
  }

  /**
   * The SHA-256 of the compiled policy, as logged when it was loaded, a {@code +} and the first 16
   * hex digits of the data document's SHA-256: a new policy or new data is a new revision.
   */
  @Override
  public String revision() {
    return revision;
  }

  /** The number of instances in the pool. */
  public int instances() {
    return pool.size();
  }

  @Override
  public void close() {
    pool.close();
  }

  /** Creates ready instances: policy loaded, entrypoint selected, data resident, warmed up. */
  private static final class PolicyFactory {
    private final Builder settings;
    private final byte[] wasm;
    private final int entrypoint;

    PolicyFactory(Builder settings, byte[] wasm, int entrypoint) {
      this.settings = settings;
      this.wasm = wasm;
      this.entrypoint = entrypoint;
    }

    OpaPolicy create() {
      return prepare(newPolicy(settings, wasm));
    }

    /** Selects the entrypoint of a loaded module, loads the data and warms it up. */
    OpaPolicy prepare(OpaPolicy loaded) {
      OpaPolicy policy = loaded.entrypoint(entrypoint);
      policy.data(settings.data);
      for (int i = 0; i < settings.warmUpEvaluations; i++) {
        policy.evaluate(settings.warmUpInput);
      }
      return policy;
    }
  }

  private static OpaPolicy newPolicy(Builder settings, byte[] wasm) {
    OpaPolicy.Builder builder =
        OpaPolicy.builder().withPolicy(wasm).withMaxMemory(settings.maxMemoryPages);
    if (!settings.compiled) {
      builder.disableCompiler();
    }
    return builder.build();
  }

  /**
   * Builds an {@link OpaWasmPolicyEngine}; everything is validated and loaded in {@link #build()}.
   */
  public static final class Builder {
    private PolicySource source;
    private String entrypoint;
    private String data = "{}";
    private int instances = 2 * Runtime.getRuntime().availableProcessors();
    private Duration borrowTimeout = Duration.ofMillis(500);
    private Duration evaluationTimeout = Duration.ofSeconds(1);
    private boolean compiled = true;
    private int maxMemoryPages = 1024;
    private int warmUpEvaluations = 200;
    private String warmUpInput = PolicyInputJson.write(defaultWarmUpInput());
    private long decisionCacheBytes;
    private PoolMetrics poolMetrics = PoolMetrics.NONE;

    private Builder() {}

    /**
     * Counts the pool's waits for a free instance ({@code portcullis.engine.pool.wait}) and its
     * borrow and evaluation timeouts ({@code portcullis.engine.pool.timeouts}) in {@code registry}.
     * Micrometer is an optional dependency: needed on the classpath only when this is called.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.poolMetrics = PoolMetrics.micrometer(Objects.requireNonNull(registry, "registry"));
      return this;
    }

    /** The compiled policy. Required. */
    public Builder policy(PolicySource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The entrypoint to evaluate, such as {@code portcullis/sonarqube/decision}. Required. */
    public Builder entrypoint(String entrypoint) {
      this.entrypoint = Objects.requireNonNull(entrypoint, "entrypoint");
      return this;
    }

    /** The data document (a JSON object), loaded once into every instance. Default {@code {}}. */
    public Builder data(String json) {
      this.data = Objects.requireNonNull(json, "json");
      return this;
    }

    /** How many instances to keep; default twice the available processors. */
    public Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    /**
     * Keeps decisions by their exact input document, up to about {@code maxBytes} of memory, so a
     * request identical to an earlier one (same method, target, selected headers, header names,
     * client IP and credential summary) skips the wasm evaluation. Off by default (0).
     *
     * <p>Only for a <em>pure</em> policy, whose decision depends on nothing but the input and the
     * data loaded at start: no time, randomness or HTTP built-ins. The bundled SonarQube policy is
     * pure (its build refuses built-ins the wasm target does not implement itself, which include
     * all of those). The input holds no secret (the credential appears only as its kind and
     * verified validity), so neither does the cache; a revoked token changes the validity and so
     * the key.
     */
    public Builder decisionCache(long maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("decision cache size must be 0 (off) or positive");
      }
      this.decisionCacheBytes = maxBytes;
      return this;
    }

    /** How long an evaluation may wait for a free instance before it is denied with 503. */
    public Builder borrowTimeout(Duration timeout) {
      this.borrowTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * How long one evaluation may run, in wall-clock time, before it is interrupted and denied with
     * 503. Default 1 s: far above a normal evaluation (microseconds) so that a busy machine never
     * trips it, but short enough to stop a runaway policy.
     */
    public Builder evaluationTimeout(Duration timeout) {
      this.evaluationTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Whether Chicory compiles the policy to JVM bytecode at load time (default, about 100 times
     * faster) or interprets it.
     */
    public Builder compiled(boolean compiled) {
      this.compiled = compiled;
      return this;
    }

    /** The most 64 KiB wasm memory pages one instance may use; default 1024 (64 MiB). */
    public Builder maxMemoryPages(int pages) {
      this.maxMemoryPages = pages;
      return this;
    }

    /**
     * How many evaluations of {@code input} each instance runs before the engine is ready, so that
     * the first requests do not pay for the JIT. Default 200 of a generic GET request.
     */
    public Builder warmUp(int evaluations, PolicyInput input) {
      this.warmUpInput = PolicyInputJson.write(Objects.requireNonNull(input, "input"));
      return warmUp(evaluations);
    }

    /** How many warm-up evaluations each instance runs before the engine is ready; 0 for none. */
    public Builder warmUp(int evaluations) {
      this.warmUpEvaluations = evaluations;
      return this;
    }

    /**
     * Loads the policy into every instance and warms them up.
     *
     * @throws PolicyLoadException when the policy, its entrypoint or the data cannot be loaded
     */
    public OpaWasmPolicyEngine build() {
      if (source == null) {
        throw new PolicyLoadException("No policy given: call policy(PolicySource) before build().");
      }
      if (entrypoint == null) {
        throw new PolicyLoadException(
            "No entrypoint given for policy '" + source.name() + "': call entrypoint(...).");
      }
      if (instances < 1
          || maxMemoryPages < 2
          || warmUpEvaluations < 0
          || borrowTimeout.isNegative()
          || evaluationTimeout.isNegative()
          || evaluationTimeout.isZero()) {
        throw new IllegalArgumentException(
            "instances must be >= 1, maxMemoryPages >= 2, warm-up evaluations >= 0, timeouts positive");
      }
      checkDataIsObject();
      byte[] wasm = source.wasm();
      OpaPolicy first;
      try {
        first = newPolicy(this, wasm);
      } catch (RuntimeException e) {
        throw new PolicyLoadException(
            "Policy '"
                + source.name()
                + "' is not a loadable OPA wasm module ("
                + e
                + "); "
                + "build it with 'opa build -t wasm -e "
                + entrypoint
                + " <dir>'.",
            e);
      }
      Map<String, Integer> entrypoints = first.entrypoints();
      Integer index = entrypoints.get(entrypoint);
      if (index == null) {
        throw new PolicyLoadException(
            "Entrypoint '"
                + entrypoint
                + "' not found in policy '"
                + source.name()
                + "'; available: "
                + entrypoints.keySet()
                + ". Build the policy with 'opa build -t wasm -e "
                + entrypoint
                + " ...'.");
      }
      PolicyFactory factory = new PolicyFactory(this, wasm, index);
      long started = System.nanoTime();
      List<OpaPolicy> ready;
      try {
        ready = createInstances(factory, first);
      } catch (RuntimeException e) {
        throw new PolicyLoadException(
            "Policy '"
                + source.name()
                + "' failed while loading its data or evaluating the warm-up input ("
                + e
                + "); check the data document and that the policy only uses built-ins the wasm target supports.",
            e);
      }
      checkWarmUpDecision(ready.get(0));
      String description =
          "opa-wasm policy="
              + source.name()
              + " entrypoint="
              + entrypoint
              + (compiled ? "" : " mode=interpreter")
              + (decisionCacheBytes == 0
                  ? ""
                  : " decision-cache=" + decisionCacheBytes / 1024 + "KiB");
      OpaWasmPolicyEngine engine =
          new OpaWasmPolicyEngine(
              this,
              description,
              new InstancePool(
                  ready,
                  factory::create,
                  borrowTimeout,
                  evaluationTimeout,
                  description,
                  poolMetrics));
      LOG.info(
          "policy loaded name={} sha256={} revision={} entrypoint={} instances={} mode={} ready_ms={}",
          source.name(),
          source.sha256(),
          engine.revision(),
          entrypoint,
          instances,
          compiled ? "compiled" : "interpreter",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return engine;
    }

    /**
     * The pool's instances: {@code first} (already loaded to read its entrypoints) and the others
     * loaded beside it, one thread per processor, since compiling the module dominates a load and a
     * hot reload waits for it.
     */
    private List<OpaPolicy> createInstances(PolicyFactory factory, OpaPolicy first) {
      int threads = Math.min(instances - 1, Runtime.getRuntime().availableProcessors());
      if (threads == 0) {
        return new ArrayList<>(List.of(factory.prepare(first)));
      }
      ExecutorService loaders =
          Executors.newFixedThreadPool(
              threads,
              runnable -> {
                Thread thread = new Thread(runnable, "portcullis-engine-loader");
                thread.setDaemon(true);
                return thread;
              });
      try {
        List<Future<OpaPolicy>> others = new ArrayList<>(instances - 1);
        for (int i = 1; i < instances; i++) {
          others.add(loaders.submit(factory::create));
        }
        List<OpaPolicy> ready = new ArrayList<>(instances);
        ready.add(factory.prepare(first));
        for (Future<OpaPolicy> other : others) {
          ready.add(other.get());
        }
        return ready;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException) {
          throw (RuntimeException) e.getCause();
        }
        if (e.getCause() instanceof Error) {
          throw (Error) e.getCause();
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while loading the policy", e);
      } finally {
        loaders.shutdownNow();
      }
    }

    private void checkDataIsObject() {
      try (JsonParser parser = new JsonFactory().createParser(data)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          throw new PolicyLoadException(
              "The data document for policy '" + source.name() + "' must be a JSON object.");
        }
        parser.skipChildren();
        if (parser.nextToken() != null) {
          throw new PolicyLoadException(
              "The data document for policy '" + source.name() + "' has trailing content.");
        }
      } catch (IOException e) {
        throw new PolicyLoadException(
            "The data document for policy '"
                + source.name()
                + "' is not valid JSON: "
                + e.getMessage(),
            e);
      }
    }

    private void checkWarmUpDecision(OpaPolicy policy) {
      Decision decision = DecisionDocument.parse(policy.evaluate(warmUpInput));
      if (!decision.allow()
          && decision.status() == 500
          && decision.primaryReason().startsWith("policy_result_")) {
        LOG.warn(
            "policy returned no well-formed decision for the warm-up input reason={} policy={} entrypoint={}: "
                + "every request it does that for will be denied",
            decision.primaryReason(),
            source.name(),
            entrypoint);
      }
    }

    private static PolicyInput defaultWarmUpInput() {
      CanonicalTarget target = CanonicalTarget.parse("/api/server/version");
      return new PolicyInput(
          PolicyInput.Request.of(
              "GET", target, Map.of(), List.of("host"), PolicyInput.NO_CONTENT_LENGTH),
          new PolicyInput.Client("127.0.0.1"),
          PolicyInput.CredentialSummary.NONE);
    }
  }
}
