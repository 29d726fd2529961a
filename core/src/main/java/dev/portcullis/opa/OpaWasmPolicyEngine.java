package dev.portcullis.opa;

import com.fasterxml.jackson.core.JsonFactory;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.styra.opa.wasm.OpaPolicy;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.internal.DecisionDocument;
import dev.portcullis.internal.PolicyInputJson;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates an OPA policy compiled to WebAssembly ({@code opa build -t wasm}) in-process with
 * opa-java-wasm on the Chicory runtime.
 *
 * <p>An {@code OpaPolicy} instance is not thread-safe, so the engine keeps a bounded pool of instances,
 * each with the data document loaded once and kept resident, all built and warmed up in {@link
 * Builder#build()} before the engine is returned. An evaluation borrows an instance, waiting at most the
 * borrow timeout ({@code engine_busy}, 503), and a watchdog interrupts one that runs past the evaluation
 * timeout ({@code engine_timeout}, 503). An instance that failed or was interrupted is discarded and
 * rebuilt in the background, never reused. Undefined or malformed results are denies (see {@link
 * DecisionDocument}).
 *
 * <p>Thread-safe. Size the pool to at least the number of threads that evaluate at once (for Netty, its
 * event-loop threads) so that an evaluation never waits for an instance.
 */
public final class OpaWasmPolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(OpaWasmPolicyEngine.class);

  private final String description;
  private final PolicyFactory factory;
  private final AtomicReferenceArray<PooledPolicy> slots;
  /**
   * Idle instances, used last-in first-out: each instance runs its own JVM bytecode, which the JIT warms
   * separately, so reusing the most recently used (hot) instances is several times faster than rotating
   * through all of them; the others wait for bursts.
   */
  private final LinkedBlockingDeque<PooledPolicy> idle;
  private final long borrowTimeoutNanos;
  private final long evaluationTimeoutNanos;
  private final Thread watchdog;
  private final ExecutorService rebuilder;
  private final Set<String> warnedResults = ConcurrentHashMap.newKeySet();
  /** Decisions by input document, when enabled; null otherwise. */
  private final Cache<String, Decision> decisions;
  private volatile boolean closed;

  private OpaWasmPolicyEngine(Builder builder, PolicyFactory factory, List<PooledPolicy> instances) {
    this.description =
        "opa-wasm policy=" + builder.source.name() + " entrypoint=" + builder.entrypoint
            + (builder.compiled ? "" : " mode=interpreter")
            + (builder.decisionCacheBytes == 0 ? "" : " decision-cache=" + builder.decisionCacheBytes / 1024 + "KiB");
    this.factory = factory;
    this.slots = new AtomicReferenceArray<>(instances.size());
    this.idle = new LinkedBlockingDeque<>(instances.size());
    this.decisions = builder.decisionCacheBytes == 0 ? null : Caffeine.newBuilder()
        .maximumWeight(builder.decisionCacheBytes)
        .<String, Decision>weigher((json, decision) -> 2 * json.length() + 256)
        .recordStats()
        .build();
    for (int i = 0; i < instances.size(); i++) {
      slots.set(i, instances.get(i));
      idle.add(instances.get(i));
    }
    this.borrowTimeoutNanos = builder.borrowTimeout.toNanos();
    this.evaluationTimeoutNanos = builder.evaluationTimeout.toNanos();
    this.rebuilder =
        Executors.newSingleThreadExecutor(runnable -> daemon(runnable, "portcullis-opa-rebuilder"));
    long periodMillis = Math.max(1, Math.min(50, builder.evaluationTimeout.toMillis() / 4));
    this.watchdog = daemon(() -> watch(periodMillis), "portcullis-opa-watchdog");
    this.watchdog.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision evaluate(PolicyInput input) {
    if (closed) {
      throw new PolicyEvaluationException(503, "engine_closed", "the policy engine is closed");
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
    PooledPolicy instance = borrow();
    String resultSet = null;
    RuntimeException failure = null;
    instance.start(evaluationTimeoutNanos);
    try {
      resultSet = instance.policy().evaluate(inputJson);
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      boolean inTime = instance.finish();
      if (inTime && failure == null) {
        idle.offerFirst(instance);
      } else {
        replace(instance);
        if (!inTime) {
          failure = new PolicyEvaluationException(
              503, "engine_timeout",
              "policy evaluation exceeded " + Duration.ofNanos(evaluationTimeoutNanos).toMillis() + " ms");
        }
      }
    }
    if (failure instanceof PolicyEvaluationException) {
      throw failure;
    }
    if (failure != null) {
      throw new PolicyEvaluationException(500, "engine_error", "policy evaluation failed", failure);
    }
    Decision decision = DecisionDocument.parse(resultSet);
    if (!decision.allow() && decision.status() == 500) {
      warnAboutResult(decision.primaryReason());
    }
    return decision;
  }

  /** How many evaluations the decision cache answered; 0 when it is off. */
  long decisionCacheHits() {
    return decisions == null ? 0 : decisions.stats().hitCount();
  }

  private PooledPolicy borrow() {
    if (closed) {
      throw new PolicyEvaluationException(503, "engine_closed", "the policy engine is closed");
    }
    PooledPolicy instance = idle.pollFirst();
    if (instance != null) {
      return instance;
    }
    try {
      instance = idle.pollFirst(borrowTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PolicyEvaluationException(503, "engine_interrupted", "interrupted while waiting for a policy instance");
    }
    if (instance == null) {
      throw new PolicyEvaluationException(
          503, "engine_busy",
          "no policy instance became free within " + Duration.ofNanos(borrowTimeoutNanos).toMillis() + " ms");
    }
    return instance;
  }

  private void warnAboutResult(String reason) {
    if (warnedResults.add(reason)) {
      LOG.warn("policy result refused reason={} engine={}: the policy must always define a decision object "
          + "with a boolean 'allow' (further refusals are logged at DEBUG)", reason, description);
    } else {
      LOG.debug("policy result refused reason={} engine={}", reason, description);
    }
  }

  /** Swaps a failed instance for a fresh one, built off the calling thread. */
  private void replace(PooledPolicy failed) {
    if (closed) {
      return;
    }
    rebuilder.execute(() -> {
      try {
        PooledPolicy fresh = new PooledPolicy(factory.create());
        for (int i = 0; i < slots.length(); i++) {
          if (slots.compareAndSet(i, failed, fresh)) {
            idle.offerLast(fresh);
            return;
          }
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.error("could not rebuild a policy instance; the pool shrinks by one engine={} cause={}",
            description, e.toString());
      }
    });
  }

  private void watch(long periodMillis) {
    while (!closed) {
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (int i = 0; i < slots.length(); i++) {
        slots.get(i).interruptIfOverdue(now);
      }
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /** The number of instances in the pool. */
  public int instances() {
    return slots.length();
  }

  @Override
  public void close() {
    closed = true;
    watchdog.interrupt();
    rebuilder.shutdownNow();
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
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
      OpaPolicy policy = newPolicy(settings, wasm).entrypoint(entrypoint);
      policy.data(settings.data);
      for (int i = 0; i < settings.warmUpEvaluations; i++) {
        policy.evaluate(settings.warmUpInput);
      }
      return policy;
    }
  }

  private static OpaPolicy newPolicy(Builder settings, byte[] wasm) {
    OpaPolicy.Builder builder = OpaPolicy.builder().withPolicy(wasm).withMaxMemory(settings.maxMemoryPages);
    if (!settings.compiled) {
      builder.disableCompiler();
    }
    return builder.build();
  }

  /** Builds an {@link OpaWasmPolicyEngine}; everything is validated and loaded in {@link #build()}. */
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

    private Builder() {}

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
     * Keeps decisions by their exact input document, up to about {@code maxBytes} of memory, so a request
     * identical to an earlier one (same method, target, selected headers, header names, client IP and
     * credential summary) skips the wasm evaluation. Off by default (0).
     *
     * <p>Only for a <em>pure</em> policy, whose decision depends on nothing but the input and the data
     * loaded at start: no time, randomness or HTTP built-ins. The bundled SonarQube policy is pure (its
     * build refuses built-ins the wasm target does not implement itself, which include all of those). The
     * input holds no secret (the credential appears only as its kind and verified validity), so neither
     * does the cache; a revoked token changes the validity and so the key.
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
     * How long one evaluation may run, in wall-clock time, before it is interrupted and denied with 503.
     * Default 1 s: far above a normal evaluation (microseconds) so that a busy machine never trips it, but
     * short enough to stop a runaway policy.
     */
    public Builder evaluationTimeout(Duration timeout) {
      this.evaluationTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Whether Chicory compiles the policy to JVM bytecode at load time (default, about 100 times faster)
     * or interprets it.
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
     * How many evaluations of {@code input} each instance runs before the engine is ready, so that the
     * first requests do not pay for the JIT. Default 200 of a generic GET request.
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
        throw new PolicyLoadException("No entrypoint given for policy '" + source.name() + "': call entrypoint(...).");
      }
      if (instances < 1 || maxMemoryPages < 2 || warmUpEvaluations < 0
          || borrowTimeout.isNegative() || evaluationTimeout.isNegative() || evaluationTimeout.isZero()) {
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
            "Policy '" + source.name() + "' is not a loadable OPA wasm module (" + e + "); "
                + "build it with 'opa build -t wasm -e " + entrypoint + " <dir>'.", e);
      }
      Map<String, Integer> entrypoints = first.entrypoints();
      Integer index = entrypoints.get(entrypoint);
      if (index == null) {
        throw new PolicyLoadException(
            "Entrypoint '" + entrypoint + "' not found in policy '" + source.name() + "'; available: "
                + entrypoints.keySet() + ". Build the policy with 'opa build -t wasm -e " + entrypoint + " ...'.");
      }
      PolicyFactory factory = new PolicyFactory(this, wasm, index);
      long started = System.nanoTime();
      List<PooledPolicy> pool = new ArrayList<>(instances);
      try {
        for (int i = 0; i < instances; i++) {
          pool.add(new PooledPolicy(factory.create()));
        }
      } catch (RuntimeException e) {
        throw new PolicyLoadException(
            "Policy '" + source.name() + "' failed while loading its data or evaluating the warm-up input ("
                + e + "); check the data document and that the policy only uses built-ins the wasm target supports.", e);
      }
      checkWarmUpDecision(pool.get(0).policy());
      OpaWasmPolicyEngine engine = new OpaWasmPolicyEngine(this, factory, pool);
      LOG.info("policy loaded name={} sha256={} entrypoint={} instances={} mode={} ready_ms={}",
          source.name(), source.sha256(), entrypoint, instances, compiled ? "compiled" : "interpreter",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return engine;
    }

    private void checkDataIsObject() {
      try (JsonParser parser = new JsonFactory().createParser(data)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          throw new PolicyLoadException("The data document for policy '" + source.name() + "' must be a JSON object.");
        }
        parser.skipChildren();
        if (parser.nextToken() != null) {
          throw new PolicyLoadException("The data document for policy '" + source.name() + "' has trailing content.");
        }
      } catch (IOException e) {
        throw new PolicyLoadException(
            "The data document for policy '" + source.name() + "' is not valid JSON: " + e.getMessage(), e);
      }
    }

    private void checkWarmUpDecision(OpaPolicy policy) {
      Decision decision = DecisionDocument.parse(policy.evaluate(warmUpInput));
      if (!decision.allow() && decision.status() == 500
          && decision.primaryReason().startsWith("policy_result_")) {
        LOG.warn("policy returned no well-formed decision for the warm-up input reason={} policy={} entrypoint={}: "
            + "every request it does that for will be denied", decision.primaryReason(), source.name(), entrypoint);
      }
    }

    private static PolicyInput defaultWarmUpInput() {
      CanonicalTarget target = CanonicalTarget.parse("/api/server/version");
      return new PolicyInput(
          PolicyInput.Request.of("GET", target, Map.of(), List.of("host"), PolicyInput.NO_CONTENT_LENGTH),
          new PolicyInput.Client("127.0.0.1"),
          PolicyInput.CredentialSummary.NONE);
    }
  }
}
