package dev.portcullis.testkit;

import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on a {@link Decision}: {@code assertThat(decision).isAllowed()}, {@code
 * .isDeniedWith(403, "endpoint_not_allowed")} and so on.
 *
 * <p>When the assertion knows the request ({@link #assertThat(Decision, RawRequest)}, {@link
 * PolicyHarness#assertThat(RawRequest)}), a failure prints it and the {@code decide} command line
 * that replays it, so the shrunk sample of a failing property can be pasted into a shell. That
 * command prints header values as given, tokens included: tests use made-up tokens.
 */
public final class DecisionAssert extends AbstractAssert<DecisionAssert, Decision> {

  private final RawRequest request;
  private final String replay;

  DecisionAssert(Decision actual, RawRequest request, String replay) {
    super(actual, DecisionAssert.class);
    this.request = request;
    this.replay = replay;
  }

  /** Assertions on {@code decision}. */
  public static DecisionAssert assertThat(Decision decision) {
    return new DecisionAssert(decision, null, null);
  }

  /**
   * Assertions on {@code decision} about {@code request}; a failure prints the request and a {@code
   * decide} command for the bundled SonarQube policy (for another policy, use {@link
   * PolicyHarness#assertThat(RawRequest)}, which names its bundle).
   */
  public static DecisionAssert assertThat(Decision decision, RawRequest request) {
    return new DecisionAssert(decision, request, RawRequests.toDecideCommand(request));
  }

  /** The request was allowed. */
  public DecisionAssert isAllowed() {
    isNotNull();
    if (!actual.allow()) {
      fail("to be allowed");
    }
    return this;
  }

  /** The request was denied, with any status and reason. */
  public DecisionAssert isDenied() {
    isNotNull();
    if (actual.allow()) {
      fail("to be denied");
    }
    return this;
  }

  /** The request was denied with {@code status}, and {@code reason} among the reasons. */
  public DecisionAssert isDeniedWith(int status, String reason) {
    isNotNull();
    if (actual.allow() || actual.status() != status || !actual.reasons().contains(reason)) {
      fail("to be denied with " + status + " " + reason);
    }
    return this;
  }

  /** The decision's status is {@code status} (200 for an allow). */
  public DecisionAssert hasStatus(int status) {
    isNotNull();
    if (actual.status() != status) {
      fail("to have status " + status);
    }
    return this;
  }

  /** {@code reason} is among the decision's reasons. */
  public DecisionAssert hasReason(String reason) {
    isNotNull();
    if (!actual.reasons().contains(reason)) {
      fail("to have reason " + reason);
    }
    return this;
  }

  /** The decision's reasons are exactly {@code reasons}, in order. */
  public DecisionAssert hasReasons(String... reasons) {
    isNotNull();
    if (!actual.reasons().equals(List.of(reasons))) {
      fail("to have reasons " + Arrays.toString(reasons));
    }
    return this;
  }

  /** The decision's first (most important) reason is {@code reason}. */
  public DecisionAssert hasFirstReason(String reason) {
    isNotNull();
    if (!actual.reasons().get(0).equals(reason)) {
      fail("to have first reason " + reason);
    }
    return this;
  }

  /** The message contains {@code text}. */
  public DecisionAssert hasMessageContaining(String text) {
    isNotNull();
    if (!actual.message().contains(text)) {
      fail("to have a message containing \"" + text + "\"");
    }
    return this;
  }

  /** The request was allowed and is forwarded as {@code target} (canonical path and query). */
  public DecisionAssert isForwardedAs(String target) {
    isAllowed();
    if (!actual.forwardTarget().equals(target)) {
      fail("to be forwarded as " + target);
    }
    return this;
  }

  private void fail(String expectation) {
    StringBuilder message =
        new StringBuilder("%nExpecting the decision%n  ")
            .append(escape(summary(actual)))
            .append("%n")
            .append(escape(expectation));
    if (request != null) {
      message.append("%nfor the request%n  ").append(escape(request.toString()));
    }
    if (replay != null) {
      message.append("%nreplay it with%n  ").append(escape(replay));
    }
    failWithMessage(message.toString());
  }

  private static String summary(Decision decision) {
    return (decision.allow() ? "ALLOW" : "DENY " + decision.status())
        + " "
        + decision.reasons()
        + " \""
        + decision.message()
        + "\"";
  }

  /** failWithMessage formats with String.format; request text may hold a '%'. */
  private static String escape(String text) {
    return text.replace("%", "%%");
  }
}
