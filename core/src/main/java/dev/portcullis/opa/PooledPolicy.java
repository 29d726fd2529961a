package dev.portcullis.opa;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One policy instance in the engine's pool, with the bookkeeping the watchdog needs to interrupt an
 * evaluation that runs too long without ever leaving a stray interrupt on a thread that has moved
 * on.
 */
final class PooledPolicy {

  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int INTERRUPTING = 2;
  private static final int INTERRUPTED = 3;

  private final PolicyInstance policy;
  private final AtomicInteger state = new AtomicInteger(IDLE);
  private volatile Thread runner;
  private volatile long deadlineNanos;

  PooledPolicy(PolicyInstance policy) {
    this.policy = policy;
  }

  PolicyInstance policy() {
    return policy;
  }

  /** Marks the start of an evaluation on the current thread. */
  void start(long timeoutNanos) {
    runner = Thread.currentThread();
    deadlineNanos = System.nanoTime() + timeoutNanos;
    state.set(RUNNING);
  }

  /**
   * Marks the end of an evaluation. Returns false when the watchdog interrupted it; the thread's
   * interrupt flag is then cleared, because the interrupt was meant for the evaluation only.
   */
  boolean finish() {
    if (state.compareAndSet(RUNNING, IDLE)) {
      return true;
    }
    while (state.get() != INTERRUPTED) {
      Thread.onSpinWait();
    }
    Thread.interrupted();
    state.set(IDLE);
    return false;
  }

  /** Called by the watchdog: interrupts the evaluation if it is past its deadline. */
  void interruptIfOverdue(long nowNanos) {
    if (state.get() == RUNNING
        && nowNanos - deadlineNanos > 0
        && state.compareAndSet(RUNNING, INTERRUPTING)) {
      runner.interrupt();
      state.set(INTERRUPTED);
    }
  }
}
