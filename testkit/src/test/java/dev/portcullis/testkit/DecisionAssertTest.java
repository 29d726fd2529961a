package dev.portcullis.testkit;

import static dev.portcullis.testkit.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Assertions on decisions, and failure messages that replay the request. */
class DecisionAssertTest {

  private static final Decision ALLOW =
      new Decision(true, 200, List.of("allowed"), "Allowed.", "/api/server/version");
  private static final Decision DENY =
      new Decision(false, 403, List.of("user_directory", "other"), "No users.", "");
  private static final RawRequest REQUEST =
      RawRequest.of("GET", "/api/users/search?q=100%", "203.0.113.9")
          .withHeader("Authorization", "Bearer sqp_fake_token_for_tests");

  @Test
  void passingAssertions() {
    assertThat(ALLOW).isAllowed().hasStatus(200).isForwardedAs("/api/server/version");
    assertThat(DENY)
        .isDenied()
        .isDeniedWith(403, "user_directory")
        .isDeniedWith(403, "other")
        .hasReason("other")
        .hasReasons("user_directory", "other")
        .hasFirstReason("user_directory")
        .hasMessageContaining("users");
  }

  @Test
  void failuresSayWhatWasExpectedAndWhatCame() {
    assertThatThrownBy(() -> assertThat(DENY).isAllowed())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("DENY 403 [user_directory, other]")
        .hasMessageContaining("to be allowed");
    assertThatThrownBy(() -> assertThat(DENY).isDeniedWith(401, "user_directory"))
        .hasMessageContaining("to be denied with 401 user_directory");
    assertThatThrownBy(() -> assertThat(DENY).isDeniedWith(403, "endpoint_not_allowed"))
        .hasMessageContaining("to be denied with 403 endpoint_not_allowed");
    assertThatThrownBy(() -> assertThat(ALLOW).isDenied()).hasMessageContaining("ALLOW");
    assertThatThrownBy(() -> assertThat(ALLOW).isForwardedAs("/other"))
        .hasMessageContaining("to be forwarded as /other");
    assertThatThrownBy(() -> assertThat(ALLOW).hasReasons("x")).hasMessageContaining("[x]");
  }

  @Test
  void aFailureAboutARequestPrintsItAndTheCommandThatReplaysIt() {
    assertThatThrownBy(() -> assertThat(DENY, REQUEST).isAllowed())
        .hasMessageContaining("RawRequest[GET /api/users/search?q=100%")
        .hasMessageContaining(
            "java -jar portcullis-cli.jar decide --method 'GET' --target '/api/users/search?q=100%'"
                + " --header 'Authorization: Bearer sqp_fake_token_for_tests' --client-ip '203.0.113.9'");
  }
}
