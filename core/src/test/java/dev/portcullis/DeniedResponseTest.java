package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.DeniedResponse.Header;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeniedResponseTest {

  @Test
  void aForbiddenRequestGetsNoStoreOnly() {
    Decision forbidden = Decision.deny(403, "user_directory", "No.");

    assertThat(DeniedResponse.headers(forbidden))
        .containsExactly(new Header("Cache-Control", "no-store"));
    assertThat(DeniedResponse.json(forbidden))
        .isEqualTo(
            "{\"status\":403,\"reasons\":[\"user_directory\"],\"message\":\"No.\","
                + "\"errors\":[{\"msg\":\"Portcullis gateway: No. (user_directory)\"}]}");
  }

  @Test
  void anUnauthorizedRequestGetsBothChallenges() {
    assertThat(
            DeniedResponse.headers(
                Decision.deny(401, "credential_missing", "A credential is needed.")))
        .extracting(Header::name)
        .containsExactly("Cache-Control", "WWW-Authenticate", "WWW-Authenticate");
  }

  @Test
  void theChallengesNameTheDecisionsRealm() {
    Decision unauthorized = Decision.deny(401, "credential_missing", "A credential is needed.");

    assertThat(DeniedResponse.challenges(unauthorized))
        .containsExactly(
            "Basic realm=\"Portcullis\", charset=\"UTF-8\"", "Bearer realm=\"Portcullis\"");
    assertThat(DeniedResponse.challenges(unauthorized.withRealm("SonarQube")))
        .containsExactly(
            "Basic realm=\"SonarQube\", charset=\"UTF-8\"", "Bearer realm=\"SonarQube\"");
    assertThat(DeniedResponse.challenges(Decision.deny(403, "x", "y").withRealm("SonarQube")))
        .isEmpty();
    assertThatThrownBy(() -> unauthorized.withRealm(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> unauthorized.withRealm("a\\b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryAfterIsInWholeSecondsRoundedUp() {
    Decision throttled = Decision.deny(429, "too_many_failed_credentials", "Later.");

    assertThat(DeniedResponse.headers(throttled.withRetryAfter(Duration.ofSeconds(30))))
        .contains(new Header("Retry-After", "30"));
    assertThat(DeniedResponse.headers(throttled.withRetryAfter(Duration.ofMillis(29_001))))
        .contains(new Header("Retry-After", "30"));
    assertThat(DeniedResponse.headers(throttled.withRetryAfter(Duration.ofNanos(1))))
        .contains(new Header("Retry-After", "1"));
  }

  @Test
  void onlyADenyCarriesARetryAfter() {
    Decision allow = Decision.allow(List.of("ok"), "Ok.");

    assertThatThrownBy(() -> allow.withRetryAfter(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Decision.deny(429, "x", "y").withRetryAfter(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
