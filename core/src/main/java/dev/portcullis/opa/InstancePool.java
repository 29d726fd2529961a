package dev.portcullis.opa;

import dev.portcullis.PolicyEvaluationException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's bounded pool of ready policy instances, since a policy instance is not thread-safe.
 * An evaluation borrows an instance, waiting at most the borrow timeout ({@code engine_busy}, 503),
 * and a watchdog interrupts one that runs past the evaluation timeout ({@code engine_timeout},
 * 503). An instance that failed or was interrupted is discarded and rebuilt in the background,
 * never reused.
 *
 * <p>Thread-safe.
 */
final class InstancePool implements AutoCloseable {

  // The engine's logger: its log lines keep the name they had before the pool was a class of its
  // own.
  private static final Logger LOG = LoggerFactory.getLogger(OpaWasmPolicyEngine.class);

  private final Supplier<PolicyInstance> factory;
  private final String description;
  private final AtomicReferenceArray<PooledPolicy> slots;

  /**
   * Idle instances, used last-in first-out: the most recently used instance has its wasm memory in
   * the CPU caches (and, on the opa-java-wasm fallback, its own JIT-warmed bytecode), so reusing it
   * is faster than rotating through all of them; the others wait for bursts.
   */
  private final LinkedBlockingDeque<PooledPolicy> idle;

  private final long borrowTimeoutNanos;
  private final long evaluationTimeoutNanos;
  private final Thread watchdog;
  private final ExecutorService rebuilder;
  private final PoolMetrics metrics;
  private volatile boolean closed;

  /**
   * A pool of {@code instances}, all ready; {@code factory} makes a ready one to replace a failed
   * one.
   *
   * @param description the engine's description, for log lines
   */
  InstancePool(
      List<PolicyInstance> instances,
      Supplier<PolicyInstance> factory,
      Duration borrowTimeout,
      Duration evaluationTimeout,
      String description,
      PoolMetrics metrics) {
    this.factory = factory;
    this.metrics = metrics;
    this.description = description;
    this.slots = new AtomicReferenceArray<>(instances.size());
    this.idle = new LinkedBlockingDeque<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      PooledPolicy instance = new PooledPolicy(instances.get(i));
      slots.set(i, instance);
      idle.add(instance);
    }
    this.borrowTimeoutNanos = borrowTimeout.toNanos();
    this.evaluationTimeoutNanos = evaluationTimeout.toNanos();
    this.rebuilder =
        Executors.newSingleThreadExecutor(runnable -> daemon(runnable, "portcullis-opa-rebuilder"));
    long periodMillis = Math.max(1, Math.min(50, evaluationTimeout.toMillis() / 4));
    this.watchdog = daemon(() -> watch(periodMillis), "portcullis-opa-watchdog");
    this.watchdog.start();
  }

  /**
   * The result set of one evaluation of {@code inputJson} on a borrowed instance.
   *
   * @throws PolicyEvaluationException when the pool is closed, no instance became free in time, the
   *     evaluation ran out of time, or it failed
   */
  String evaluate(String inputJson) {
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
          metrics.evaluationTimedOut();
          failure =
              new PolicyEvaluationException(
                  503,
                  "engine_timeout",
                  "policy evaluation exceeded "
                      + Duration.ofNanos(evaluationTimeoutNanos).toMillis()
                      + " ms");
        }
      }
    }
    if (failure instanceof PolicyEvaluationException) {
      throw failure;
    }
    if (failure != null) {
      throw new PolicyEvaluationException(500, "engine_error", "policy evaluation failed", failure);
    }
    return resultSet;
  }

  private PooledPolicy borrow() {
    if (closed) {
      throw closedFailure();
    }
    PooledPolicy instance = idle.pollFirst();
    if (instance != null) {
      return instance;
    }
    long waitStarted = System.nanoTime();
    try {
      instance = idle.pollFirst(borrowTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PolicyEvaluationException(
          503, "engine_interrupted", "interrupted while waiting for a policy instance");
    }
    if (instance == null) {
      metrics.borrowTimedOut();
      throw new PolicyEvaluationException(
          503,
          "engine_busy",
          "no policy instance became free within "
              + Duration.ofNanos(borrowTimeoutNanos).toMillis()
              + " ms");
    }
    metrics.waited(System.nanoTime() - waitStarted);
    return instance;
  }

  /** The failure of an evaluation after {@link #close()}. */
  static PolicyEvaluationException closedFailure() {
    return new PolicyEvaluationException(503, "engine_closed", "the policy engine is closed");
  }

  /** Swaps a failed instance for a fresh one, built off the calling thread. */
  private void replace(PooledPolicy failed) {
    if (closed) {
      return;
    }
    rebuilder.execute(
        () -> {
          try {
            PooledPolicy fresh = new PooledPolicy(factory.get());
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
            LOG.error(
                "could not rebuild a policy instance; the pool shrinks by one engine={} cause={}",
                description,
                e.toString());
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

  /** The number of instances. */
  int size() {
    return slots.length();
  }

  boolean closed() {
    return closed;
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
}
