package dev.portcullis.plan;

import dev.portcullis.PolicyEvaluationException;
import java.util.TreeSet;

/**
 * The state of one evaluation: its result set, the memo of rules already evaluated, and its
 * deadline. Confined to the evaluating thread.
 */
final class Evaluation {

  /** A memoized undefined result. */
  static final Object UNDEFINED = new Object();

  /** How many steps (calls, iterations) run between two looks at the clock. */
  private static final int STEPS_PER_CLOCK_READ = 64;

  final TreeSet<Object> results = Values.newSet();
  private final int funcs;
  private final long deadlineNanos;
  private Object[] memo;
  private int steps;

  Evaluation(int funcs, long deadlineNanos) {
    this.funcs = funcs;
    this.deadlineNanos = deadlineNanos;
    this.memo = new Object[funcs];
  }

  Object memoGet(int func) {
    return memo[func];
  }

  void memoPut(int func, Object value) {
    memo[func] = value;
  }

  /** A fresh memo for a {@code with} block; returns the one to restore after it. */
  Object[] pushMemo() {
    Object[] saved = memo;
    memo = new Object[funcs];
    return saved;
  }

  void popMemo(Object[] saved) {
    memo = saved;
  }

  /** Counts one step and fails the evaluation once past its deadline. */
  void tick() {
    if (++steps % STEPS_PER_CLOCK_READ == 0) {
      checkDeadline();
    }
  }

  void checkDeadline() {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new PolicyEvaluationException(
          503, "engine_timeout", "policy evaluation exceeded its deadline");
    }
  }

  /** A conflict OPA reports as an evaluation error (such as a complete rule with two values). */
  PolicyEvaluationException conflict(String what) {
    return new PolicyEvaluationException(500, "engine_error", "policy evaluation failed: " + what);
  }
}
