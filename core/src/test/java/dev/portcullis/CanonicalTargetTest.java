package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalTargetTest {

  @Test
  void parsesPathSegmentsAndQuery() {
    CanonicalTarget target =
        CanonicalTarget.parse(
            "/api/ce/submit?projectKey=demo&characteristic=branch%3Dmain&characteristic=a+b");

    assertThat(target.path()).isEqualTo("/api/ce/submit");
    assertThat(target.pathSegments()).containsExactly("api", "ce", "submit");
    assertThat(target.query())
        .containsExactly(
            Map.entry("projectKey", List.of("demo")),
            Map.entry("characteristic", List.of("branch=main", "a b")));
    assertThat(target.forwardTarget())
        .isEqualTo(
            "/api/ce/submit?projectKey=demo&characteristic=branch%3Dmain&characteristic=a%20b");
  }

  @Test
  void decodesHarmlessEscapesAndForwardsTheCanonicalForm() {
    CanonicalTarget target = CanonicalTarget.parse("/%61pi/server/versio%6E");

    assertThat(target.path()).isEqualTo("/api/server/version");
    assertThat(target.forwardTarget()).isEqualTo("/api/server/version");
  }

  @Test
  void keepsATrailingSlashAsAnEmptyLastSegment() {
    CanonicalTarget target = CanonicalTarget.parse("/api/server/version/");

    assertThat(target.path()).isEqualTo("/api/server/version/");
    assertThat(target.pathSegments()).containsExactly("api", "server", "version", "");
  }

  @Test
  void keepsQueryOrderAndEmptyValues() {
    CanonicalTarget target = CanonicalTarget.parse("/x?b=2&a&b=1&&c=");

    assertThat(target.query())
        .containsExactly(
            Map.entry("b", List.of("2", "1")),
            Map.entry("a", List.of("")),
            Map.entry("c", List.of("")));
    assertThat(target.forwardTarget()).isEqualTo("/x?b=2&b=1&a=&c=");
  }

  @Test
  void decodesUtf8InPathAndQuery() {
    CanonicalTarget target = CanonicalTarget.parse("/static/caf%C3%A9?name=%E2%9C%93");

    assertThat(target.pathSegments()).containsExactly("static", "café");
    assertThat(target.query()).containsEntry("name", List.of("✓"));
    assertThat(target.forwardTarget()).isEqualTo("/static/caf%C3%A9?name=%E2%9C%93");
  }

  @Test
  void rootPathHasOneEmptySegment() {
    assertThat(CanonicalTarget.parse("/").pathSegments()).containsExactly("");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/api%2Fusers/search            | encoded_separator",
        "/api%2fusers/search            | encoded_separator",
        "/api/users%5Csearch            | encoded_separator",
        "/api/%2E%2E/users/search       | encoded_dot",
        "/api/%2e/users                 | encoded_dot",
        "/api/./users                   | dot_segment",
        "/api/../users/search           | dot_segment",
        "/api/batch/..                  | dot_segment",
        "/api/users;jsessionid=1/search | semicolon",
        "/api/users%3B/search           | semicolon",
        "/api/users/search?q=a;b        | semicolon",
        "/api\\users                    | backslash",
        "/api//users                    | empty_segment",
        "//api/users                    | empty_segment",
        "/api/%252F                     | double_encoding",
        "/api/%zz                       | bad_percent_encoding",
        "/api/%2                        | bad_percent_encoding",
        "/api/x?q=%                     | bad_percent_encoding",
        "/api/%C3%28                    | invalid_utf8",
        "/api/%FF                       | invalid_utf8",
        "/api/x?q=%ED%A0%80             | invalid_utf8",
        "/api/%00                       | encoded_control_character",
        "/api/x?q=%0A                   | encoded_control_character",
        "/api/x?q=%C2%85                | encoded_control_character",
        "/api/x#frag                    | fragment_in_target",
        "/api/x?a=1?b=2                 | question_mark_in_query",
        "/api/x?=1                      | empty_parameter_name",
        "/api/<script>                  | invalid_character",
        "/api/x\"y                      | invalid_character",
        "api/users                      | target_not_origin_form",
        "http://sonar/api/users         | target_not_origin_form",
        "*                              | target_not_origin_form",
      })
  void rejectsAmbiguousTargets(String target, String reason) {
    assertThatThrownBy(() -> CanonicalTarget.parse(target))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.status()).isEqualTo(400);
            });
  }

  @Test
  void rejectsControlAndNonAsciiCharacters() {
    assertReason("/api/x\ty", "control_character");
    assertReason("/api/x y", "invalid_character");
    assertReason("/api/x\u007f", "control_character");
    assertReason("/api/caf\u00e9", "non_ascii_target");
    assertReason("", "empty_target");
  }

  @Test
  void rejectsOverlongTargetsWith414() {
    String target = "/" + "a".repeat(100);

    assertThatThrownBy(() -> CanonicalTarget.parse(target, 50))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(414);
              assertThat(e.reason()).isEqualTo("target_too_long");
            });
  }

  @Test
  void rejectionMessagesNeverQuoteTheTarget() {
    assertThatThrownBy(() -> CanonicalTarget.parse("/api/%2Fsecret-token-value"))
        .hasMessageNotContaining("secret-token-value");
  }

  private static void assertReason(String target, String reason) {
    assertThatThrownBy(() -> CanonicalTarget.parse(target))
        .isInstanceOfSatisfying(
            RequestRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
