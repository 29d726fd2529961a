package dev.portcullis.opa;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine whose policy can be replaced while it serves, for hot reload: {@link #swap} puts a
 * loaded and warmed engine in place atomically, so every evaluation after it is made by the new
 * one, and closes the old one only after {@code retireAfter}, so evaluations that began on it
 * finish. An engine's decision cache belongs to it, so no decision of an old policy is served after
 * a swap. Build and check the replacement first; a replacement that fails to build never gets here,
 * and the last good engine keeps serving.
 *
 * <p>Thread-safe.
 */
public final class SwappablePolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(SwappablePolicyEngine.class);

  private final AtomicReference<PolicyEngine> current;
  private final Duration retireAfter;
  private final Set<PolicyEngine> retiring = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService retirer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "portcullis-engine-retirer");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * @param initial the engine that serves until the first swap
   * @param retireAfter how long a replaced engine stays open for evaluations that began on it;
   *     longer than the engine's borrow and evaluation timeouts together
   */
  public SwappablePolicyEngine(PolicyEngine initial, Duration retireAfter) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    this.retireAfter = Objects.requireNonNull(retireAfter, "retireAfter");
  }

  @Override
  public Decision evaluate(PolicyInput input) {
    return current.get().evaluate(input);
  }

  @Override
  public CompletionStage<Decision> evaluateAsync(PolicyInput input) {
    return current.get().evaluateAsync(input);
  }

  /** Puts {@code next} in place and returns the engine it replaced, which is closed later. */
  public PolicyEngine swap(PolicyEngine next) {
    PolicyEngine previous = current.getAndSet(Objects.requireNonNull(next, "next"));
    retiring.add(previous);
    retirer.schedule(() -> retire(previous), retireAfter.toMillis(), TimeUnit.MILLISECONDS);
    return previous;
  }

  private void retire(PolicyEngine engine) {
    if (!retiring.remove(engine)) {
      return; // already closed by close()
    }
    try {
      engine.close();
    } catch (Exception e) {
      LOG.warn("closing a replaced policy engine failed cause={}", e.toString());
    }
  }

  /** The engine serving now. */
  public PolicyEngine current() {
    return current.get();
  }

  @Override
  public String describe() {
    return current.get().describe();
  }

  @Override
  public String revision() {
    return current.get().revision();
  }

  /** Closes the serving engine and, at once, any replaced one not yet closed. */
  @Override
  public void close() {
    retirer.shutdownNow();
    for (PolicyEngine engine : retiring) {
      retire(engine);
    }
    try {
      current.get().close();
    } catch (Exception e) {
      LOG.warn("closing the policy engine failed cause={}", e.toString());
    }
  }
}
