package dev.portcullis.examples.gateway;

import dev.portcullis.Decision;
import dev.portcullis.DecisionRecord;
import dev.portcullis.DecisionRecorder;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.opa.SwappablePolicyEngine;
import dev.portcullis.spi.PolicyEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A candidate policy ({@code --shadow-policy}) judged beside the enforced one on live traffic: each
 * policy decision is handed to one background thread through a bounded queue, the candidate judges
 * the same input, and a different allow, status or reasons is logged on {@link #LOGGER} and
 * counted. The candidate never changes a decision and never delays one: when the queue is full the
 * decision is dropped and counted.
 */
final class ShadowPolicy implements DecisionRecorder, AutoCloseable {

  /** The logger of disagreements, one line each. */
  static final String LOGGER = "portcullis.shadow";

  /** Decisions waiting for the candidate; beyond this, dropped. */
  static final int DEFAULT_QUEUE = 1024;

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /**
   * Refusals the enforcer makes itself, not its policy, on an input a policy never judged so: a
   * candidate cannot agree or disagree with them.
   */
  private static final Set<String> ENFORCER_REASONS =
      Set.of("too_many_failed_credentials", "body_too_large");

  /** How a candidate's judgement of one decision ended. */
  enum Outcome {
    AGREE,
    DISAGREE,
    ERROR,
    DROPPED;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How long a replaced candidate stays open for the judgement that began on it. */
  private static final Duration RETIRE_AFTER = Duration.ofSeconds(30);

  private final SwappablePolicyEngine candidate;
  private final Function<String, PolicyEngine> loader;
  private final String name;
  private final ThreadPoolExecutor executor;
  private final Map<Outcome, LongAdder> counts = new EnumMap<>(Outcome.class);
  private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
  private final AtomicBoolean warnedError = new AtomicBoolean();
  private final Counter reloadSuccesses;
  private final Counter reloadFailures;

  ShadowPolicy(PolicyEngine candidate, String name, int queue, MeterRegistry registry) {
    this(candidate, null, name, queue, registry);
  }

  /**
   * @param loader builds the candidate again with a new data document, or {@code null} when it
   *     cannot be rebuilt
   */
  ShadowPolicy(
      PolicyEngine candidate,
      Function<String, PolicyEngine> loader,
      String name,
      int queue,
      MeterRegistry registry) {
    this.candidate = new SwappablePolicyEngine(candidate, RETIRE_AFTER);
    this.loader = loader;
    this.name = name;
    this.reloadSuccesses = registry == null ? null : reloads(registry, "success");
    this.reloadFailures = registry == null ? null : reloads(registry, "failure");
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            task -> {
              Thread thread = new Thread(task, "portcullis-shadow");
              thread.setDaemon(true);
              return thread;
            },
            new ThreadPoolExecutor.AbortPolicy());
    for (Outcome outcome : Outcome.values()) {
      counts.put(outcome, new LongAdder());
      if (registry != null) {
        counters.put(
            outcome,
            Counter.builder("portcullis.shadow.decisions")
                .description("Decisions the shadow policy judged, by how its judgement compared")
                .tag("outcome", outcome.tag())
                .register(registry));
      }
    }
  }

  private static Counter reloads(MeterRegistry registry, String outcome) {
    return Counter.builder("portcullis.shadow.reloads")
        .description(
            "Rebuilds of the shadow policy with reloaded --data by outcome; a failure keeps the old candidate")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Loads {@code file} with the enforced policy's data as {@link PolicyFile} says, checks its
   * entrypoint and warms it up.
   *
   * @param policyData the user's data document as the enforced policy gets it, or {@code null}
   * @throws PolicyLoadException naming {@code file} when it cannot be loaded
   */
  static ShadowPolicy load(PolicyFile file, String policyData, MeterRegistry registry) {
    Function<String, PolicyEngine> loader =
        data ->
            file.load(
                data,
                builder -> builder.instances(1).warmUp(50)); // one background thread evaluates it
    return new ShadowPolicy(
        loader.apply(policyData), loader, file.file().toString(), DEFAULT_QUEUE, registry);
  }

  /**
   * Builds the candidate again with {@code policyData}, the enforced policy's new data, and swaps
   * it in; when that fails the old candidate stays, and the failure is logged and counted.
   */
  void reload(String policyData) {
    if (loader == null) {
      return;
    }
    try {
      PolicyEngine next = loader.apply(policyData);
      candidate.swap(next);
      LOG.info("shadow policy reloaded with new data policy={} revision={}", name, next.revision());
      count(reloadSuccesses);
    } catch (RuntimeException e) {
      LOG.warn(
          "shadow policy reload failed, keeping the old candidate policy={} cause={}",
          name,
          e.getMessage());
      count(reloadFailures);
    }
  }

  private static void count(Counter counter) {
    if (counter != null) {
      counter.increment();
    }
  }

  /** The candidate's revision now. */
  String revision() {
    return candidate.revision();
  }

  /** Hands a policy decision to the candidate; never blocks, never throws. */
  @Override
  public void record(DecisionRecord record) {
    PolicyInput input = record.input();
    if (input == null || ENFORCER_REASONS.contains(record.decision().primaryReason())) {
      return; // refused before or beside the policy: nothing a candidate judges
    }
    try {
      executor.execute(() -> judge(record.method(), input, record.decision()));
    } catch (RejectedExecutionException full) {
      count(Outcome.DROPPED);
    }
  }

  private void judge(String method, PolicyInput input, Decision enforced) {
    Decision candidateDecision;
    try {
      candidateDecision = candidate.evaluate(input);
    } catch (RuntimeException e) {
      count(Outcome.ERROR);
      // Once at WARN so a broken candidate is seen; the rest only counted, never a flood.
      if (warnedError.compareAndSet(false, true)) {
        LOG.warn(
            "shadow policy failed policy={} cause={} (further failures only counted)",
            name,
            e.toString());
      }
      return;
    }
    if (agree(enforced, candidateDecision)) {
      count(Outcome.AGREE);
      return;
    }
    count(Outcome.DISAGREE);
    // The input holds no credential by construction; the path is logged without its query.
    LOG.info(
        "shadow disagreement method={} path={} enforced_allow={} enforced_status={} "
            + "enforced_reasons={} candidate_allow={} candidate_status={} candidate_reasons={}",
        AccessLog.methodOf(method),
        input.request().path(),
        enforced.allow(),
        enforced.status(),
        AccessLog.reasonsOf(enforced.reasons()),
        candidateDecision.allow(),
        candidateDecision.status(),
        AccessLog.reasonsOf(candidateDecision.reasons()));
  }

  /** Whether two decisions say the same: allow, status and reasons (not targets or messages). */
  static boolean agree(Decision enforced, Decision candidate) {
    return enforced.allow() == candidate.allow()
        && enforced.status() == candidate.status()
        && enforced.reasons().equals(candidate.reasons());
  }

  private void count(Outcome outcome) {
    counts.get(outcome).increment();
    Counter counter = counters.get(outcome);
    if (counter != null) {
      counter.increment();
    }
  }

  /** How many decisions ended with {@code outcome} so far. */
  long counted(Outcome outcome) {
    return counts.get(outcome).sum();
  }

  /** For the start-up line. */
  String describe() {
    return "shadow policy " + name;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    candidate.close();
  }
}
