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

    DeniedResponse response = DeniedResponse.of(forbidden);

    String json =
        "{\"status\":403,\"reasons\":[\"user_directory\"],\"message\":\"No.\","
            + "\"errors\":[{\"msg\":\"Portcullis gateway: No. (user_directory)\"}]}";
    assertThat(response.status()).isEqualTo(403);
    assertThat(response.headers())
        .containsExactly(
            new Header("Content-Type", "application/json"),
            new Header("Content-Length", Integer.toString(json.length())),
            new Header("Cache-Control", "no-store"));
    assertThat(response.bodyText()).isEqualTo(json).isEqualTo(DeniedResponse.json(forbidden));
    assertThat(response.body()).hasSize(json.length());
  }

  @Test
  void theBodyLengthCountsBytesNotCharacters() {
    DeniedResponse response = DeniedResponse.of(Decision.deny(403, "x", "Nein, ändern."));

    assertThat(response.headers())
        .contains(new Header("Content-Length", Integer.toString(response.body().length)));
    assertThat(response.body().length).isGreaterThan(response.bodyText().length());
  }

  @Test
  void anAdapterMayAddOnlyAConnectionHeader() {
    DeniedResponse response = DeniedResponse.of(Decision.deny(400, "x", "y"));

    assertThat(response.withConnection("close").headers())
        .endsWith(new Header("Connection", "close"));
    assertThat(response.withConnection("keep-alive").headers())
        .endsWith(new Header("Connection", "keep-alive"));
    assertThat(response.headers()).extracting(Header::name).doesNotContain("Connection");
    assertThatThrownBy(() -> response.withConnection("upgrade"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DeniedResponse.of(Decision.allow(List.of("ok"), "Ok.")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnauthorizedRequestGetsBothChallenges() {
    assertThat(
            DeniedResponse.of(Decision.deny(401, "credential_missing", "A credential is needed."))
                .headers())
        .extracting(Header::name)
        .containsExactly(
            "Content-Type",
            "Content-Length",
            "Cache-Control",
            "WWW-Authenticate",
            "WWW-Authenticate");
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

    assertThat(DeniedResponse.of(throttled.withRetryAfter(Duration.ofSeconds(30))).headers())
        .contains(new Header("Retry-After", "30"));
    assertThat(DeniedResponse.of(throttled.withRetryAfter(Duration.ofMillis(29_001))).headers())
        .contains(new Header("Retry-After", "30"));
    assertThat(DeniedResponse.of(throttled.withRetryAfter(Duration.ofNanos(1))).headers())
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
