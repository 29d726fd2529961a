package dev.portcullis.opa;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates an OPA policy compiled to WebAssembly ({@code opa build -t wasm}) in-process on the
 * Chicory runtime.
 *
 * <p>The module is parsed and compiled to JVM bytecode once per content hash and shared by every
 * instance (the bundled policy ships bytecode compiled at build time); each instance is a cheap
 * Chicory instance driven through the OPA wasm ABI. A policy that needs built-ins the host must
 * implement (such as {@code sprintf}) runs on opa-java-wasm instead, which compiles per instance;
 * so does every policy when the system property {@value #RUNTIME_PROPERTY} is {@code
 * opa-java-wasm}.
 *
 * <p>A policy instance is not thread-safe, so the engine keeps a bounded pool of instances, each
 * with the data document loaded once and kept resident, all built and warmed up in {@link
 * Builder#build()} before the engine is returned. An evaluation borrows an instance, waiting at
 * most the borrow timeout ({@code engine_busy}, 503), and a watchdog interrupts one that runs past
 * the evaluation timeout ({@code engine_timeout}, 503). An instance that failed or was interrupted
 * is discarded and rebuilt in the background, never reused. Undefined or malformed results are
 * denies with their own reason codes ({@code policy_result_undefined}, {@code
 * policy_result_malformed}).
 *
 * <p>Thread-safe. Size the pool to at least the number of threads that evaluate at once (for Netty,
 * its event-loop threads) so that an evaluation never waits for an instance.
 */
public final class OpaWasmPolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(OpaWasmPolicyEngine.class);

  /**
   * The system property that selects the wasm runtime: {@code shared} (default) or {@code
   * opa-java-wasm}, the former runtime, kept as a fallback and for comparison.
   */
  static final String RUNTIME_PROPERTY = "portcullis.opa.runtime";

  private final String description;
  private final String revision;
  private final InstancePool pool;
  private final WarnOnce resultLog = new WarnOnce(LOG);

  /**
   * Decisions by the values of the input fields the policy reads, when enabled; null otherwise. The
   * cache belongs to this engine: a reload builds a new engine, so a new, empty cache.
   */
  private final Cache<DecisionKey, Decision> decisions;

  private final DecisionKey.Maker keys;

  private OpaWasmPolicyEngine(Builder builder, String description, InstancePool pool) {
    this.description = description;
    this.revision = builder.source.sha256() + "+" + dataSha256(builder.data).substring(0, 16);
    this.pool = pool;
    this.keys = DecisionKey.maker(builder.source.inputFields());
    this.decisions =
        builder.decisionCacheBytes == 0
            ? null
            : Caffeine.newBuilder()
                // Upkeep on the calling thread: short, never blocking, and no wake-up of the common
                // pool's thread every few requests.
                .executor(Runnable::run)
                .maximumWeight(builder.decisionCacheBytes)
                .<DecisionKey, Decision>weigher((key, decision) -> key.weight())
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
    if (decisions == null) {
      return evaluateInWasm(PolicyInputJson.write(input));
    }
    // A hit costs building and hashing the key from the record: no JSON is written.
    DecisionKey key = keys.of(input);
    Decision cached = decisions.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    Decision decision = evaluateInWasm(PolicyInputJson.write(input));
    // Only a well-formed decision of the policy is kept: a failure throws, and a refused result
    // (status 500, policy_result_*) is evaluated again next time rather than remembered.
    if (decision.allow() || decision.status() != 500) {
      decisions.put(key, decision);
    }
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
    private final PolicyModule module;
    private final int entrypoint;

    PolicyFactory(Builder settings, PolicyModule module, int entrypoint) {
      this.settings = settings;
      this.module = module;
      this.entrypoint = entrypoint;
    }

    PolicyInstance create() {
      PolicyInstance policy = module.instantiate(entrypoint, settings.data);
      for (int i = 0; i < settings.warmUpEvaluations; i++) {
        policy.evaluate(settings.warmUpInput);
      }
      return policy;
    }
  }

  /**
   * The shared runtime unless the property asks for opa-java-wasm or the module needs what only
   * opa-java-wasm implements.
   */
  private static PolicyModule loadModule(Builder settings, byte[] wasm) {
    String runtime = System.getProperty(RUNTIME_PROPERTY, "shared");
    if (!runtime.equals("opa-java-wasm")) {
      try {
        return new SharedWasmModule(
            CompiledWasm.load(wasm, settings.source.sha256(), settings.compiled),
            settings.maxMemoryPages);
      } catch (CompiledWasm.UnsupportedPolicyException e) {
        LOG.info(
            "policy runs on opa-java-wasm, one compilation per instance, because {} policy={}",
            e.getMessage(),
            settings.source.name());
      }
    }
    return new OpaJavaWasmModule(wasm, settings.compiled, settings.maxMemoryPages);
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
     * Keeps decisions, up to about {@code maxBytes} of memory (keys, decisions and entry overhead,
     * estimated), so that a request equal to an earlier one in every input field the policy reads
     * skips the wasm evaluation. Off by default (0).
     *
     * <p>The key is built from the {@link PolicyInput} record, not from its JSON, so a hit writes
     * no JSON. By default it holds every field (method, target, selected headers, header names,
     * body description, client IP and credential summary), which is right for any policy. A policy
     * that declares the fields it reads ({@link PolicySource#readsOnly}; the bundled SonarQube
     * policy does, proven against its Rego by a test) is keyed by those alone, so for instance the
     * same call from two clients shares a decision when the policy never reads the client's
     * address. A decision is cached only when it is well-formed: an evaluation that fails, and a
     * result the engine refused ({@code policy_result_*}, 500), are not. The cache belongs to this
     * engine: a reload ({@link SwappablePolicyEngine#swap}) brings a new engine with an empty
     * cache, so no decision of the old policy or data is served.
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
     * Whether the policy runs as JVM bytecode (default, about 100 times faster) or is interpreted.
     * The bytecode is made once per policy and shared by all instances: compiled at build time when
     * the policy's jar ships it (the bundled policy does), otherwise by Chicory at load time.
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
      long started = System.nanoTime();
      PolicyModule module;
      try {
        module = loadModule(this, wasm);
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
      Map<String, Integer> entrypoints = module.entrypoints();
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
      PolicyFactory factory = new PolicyFactory(this, module, index);
      List<PolicyInstance> ready = new ArrayList<>(instances);
      try {
        for (int i = 0; i < instances; i++) {
          ready.add(factory.create());
        }
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
                  : " decision-cache="
                      + decisionCacheBytes / 1024
                      + "KiB"
                      + (source.inputFields().equals(InputField.ALL)
                          ? ""
                          : " decision-key-fields=" + source.inputFields().size()));
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
          "policy loaded name={} sha256={} revision={} entrypoint={} instances={} mode={} runtime={} ready_ms={}",
          source.name(),
          source.sha256(),
          engine.revision(),
          entrypoint,
          instances,
          compiled ? "compiled" : "interpreter",
          module.runtime(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return engine;
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

    private void checkWarmUpDecision(PolicyInstance policy) {
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
