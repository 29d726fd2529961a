package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PolicyEnforcerProperties {

  /**
   * Whatever an engine throws, the enforcer answers with a deny and never lets the throwable
   * escape.
   */
  @Property(tries = 200)
  void anyEngineFailureIsADeny(
      @ForAll("failures") RuntimeException failure, @ForAll("targets") String target) {
    PolicyEnforcer enforcer =
        PolicyEnforcerTest.enforcer(
            input -> {
              throw failure;
            });

    Decision decision =
        enforcer.decide(RawRequest.of("GET", target, "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(decision.allow()).isFalse();
    assertThat(decision.status()).isBetween(400, 599);
    assertThat(decision.forwardTarget()).isEmpty();
  }

  /** A request is allowed only when the engine allowed it. */
  @Property(tries = 500)
  void onlyAnEngineAllowAllows(@ForAll boolean engineAllows, @ForAll("targets") String target) {
    PolicyEnforcer enforcer =
        PolicyEnforcerTest.enforcer(
            input ->
                engineAllows
                    ? Decision.allow(List.of("ok"), "Ok.")
                    : Decision.deny(403, "no", "No."));

    Decision decision =
        enforcer.decide(RawRequest.of("GET", target, "203.0.113.7"), RawRequest.ACCESSOR);

    if (decision.allow()) {
      assertThat(engineAllows).isTrue();
      assertThat(CanonicalTarget.parse(decision.forwardTarget()).forwardTarget())
          .isEqualTo(decision.forwardTarget());
    }
  }

  @Provide
  Arbitrary<RuntimeException> failures() {
    return Arbitraries.of(
        new IllegalStateException("x"),
        new NullPointerException(),
        new PolicyEvaluationException(503, "engine_timeout", "t"),
        new PolicyEvaluationException(500, "engine_error", "e"),
        new ArrayIndexOutOfBoundsException(),
        new PortcullisException("p"));
  }

  @Provide
  Arbitrary<String> targets() {
    return Arbitraries.oneOf(
        Arbitraries.of("/api/server/version", "/api/users/search?q=a", "/batch/index"),
        Arbitraries.strings().withChars("/a%2F.;?=&+").ofMaxLength(20).map(s -> "/" + s));
  }
}
