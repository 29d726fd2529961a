package dev.portcullis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecisionDocumentTest {

  @Test
  void wellFormedAllow() {
    Decision decision =
        DecisionDocument.parse(
            "[{\"result\":{\"allow\":true,\"status\":200,\"reasons\":[\"scanner_endpoint\"],\"message\":\"Ok.\"}}]");

    assertThat(decision).isEqualTo(Decision.allow(List.of("scanner_endpoint"), "Ok."));
  }

  @Test
  void wellFormedDeny() {
    Decision decision =
        DecisionDocument.parse(
            "[{\"result\":{\"allow\":false,\"status\":403,\"reasons\":[\"user_directory\"],\"message\":\"No.\",\"extra\":{\"a\":[1]}}}]");

    assertThat(decision).isEqualTo(Decision.deny(403, "user_directory", "No."));
  }

  @Test
  void allowCarriesItsBodyLimit() {
    Decision decision =
        DecisionDocument.parse(
            "[{\"result\":{\"allow\":true,\"status\":200,\"reasons\":[\"scanner_endpoint\"],\"message\":\"Ok.\","
                + "\"max_body_bytes\":1073741824}}]");

    assertThat(decision.maxBodyBytes()).isEqualTo(1073741824L);
    assertThat(decision.bodyLimitExceededBy(1073741825L)).isTrue();
    assertThat(decision.bodyLimitExceededBy(1073741824L)).isFalse();
  }

  @Test
  void allowCarriesTheBodyPartsItAllows() {
    Decision decision =
        DecisionDocument.parse(
            "[{\"result\":{\"allow\":true,\"body_parts\":[\"report\",\"log\",\"report\"]}}]");

    assertThat(decision.bodyParts()).containsExactlyInAnyOrder("report", "log");
    assertThat(DecisionDocument.parse("[{\"result\":{\"allow\":true}}]").bodyParts()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"report\"", "[1]", "[\"\"]", "[\"a b\"]", "[\"a\\\"b\"]", "null"})
  void malformedBodyPartsAreADeny(String parts) {
    Decision decision =
        DecisionDocument.parse("[{\"result\":{\"allow\":true,\"body_parts\":" + parts + "}}]");

    assertThat(decision.allow()).isFalse();
    assertThat(decision.reasons()).containsExactly("policy_result_malformed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "1.5", "\"10\"", "null", "99999999999999999999999"})
  void malformedBodyLimitIsADeny(String limit) {
    Decision decision =
        DecisionDocument.parse("[{\"result\":{\"allow\":true,\"max_body_bytes\":" + limit + "}}]");

    assertThat(decision.allow()).isFalse();
    assertThat(decision.reasons()).containsExactly("policy_result_malformed");
  }

  @Test
  void emptyResultSetIsUndefined() {
    assertThat(DecisionDocument.parse("[]").reasons()).containsExactly("policy_result_undefined");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{}",
        "[{}]",
        "[{\"result\":true}]",
        "[{\"result\":{}}]",
        "[{\"result\":{\"allow\":\"true\"}}]",
        "[{\"result\":{\"allow\":1}}]",
        "[{\"result\":{\"allow\":true,\"status\":403}}]",
        "[{\"result\":{\"allow\":true,\"status\":200.0}}]",
        "[{\"result\":{\"allow\":true,\"reasons\":\"x\"}}]",
        "[{\"result\":{\"allow\":true,\"reasons\":[1]}}]",
        "[{\"result\":{\"allow\":true,\"reasons\":[\"\"]}}]",
        "[{\"result\":{\"allow\":true,\"message\":7}}]",
        "[{\"result\":{\"allow\":false,\"status\":200}}]",
        "[{\"result\":{\"allow\":false}}]",
        "[{\"result\":{\"allow\":false,\"status\":\"403\"}}]",
        "[{\"result\":{\"allow\":true}},{\"result\":{\"allow\":true}}]",
        "[{\"result\":{\"allow\":true}}] trailing",
        "[{\"result\":{\"allow\":true}}",
        "[{\"result\":{\"allow\":false,\"allow\":true}}]",
        "[{\"result\":{\"allow\":true},\"result\":{\"allow\":true}}]",
      })
  void malformedResultsAreDenies(String resultSet) {
    Decision decision = DecisionDocument.parse(resultSet);

    assertThat(decision.allow()).isFalse();
    assertThat(decision.status()).isEqualTo(500);
    assertThat(decision.reasons()).containsExactly("policy_result_malformed");
  }

  /** No document allows unless it is a single result whose allow is exactly true. */
  @Property(tries = 3000)
  void onlyAWellFormedAllowAllows(@ForAll("documents") String document) {
    Decision decision = DecisionDocument.parse(document);

    if (decision.allow()) {
      assertThat(document).contains("\"allow\":true");
      assertThat(document).doesNotContain("\"allow\":false");
    }
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> values =
        Arbitraries.of(
            "true",
            "false",
            "\"true\"",
            "1",
            "0",
            "null",
            "200",
            "403",
            "[]",
            "{}",
            "[\"r\"]",
            "\"m\"",
            "200.0");
    Arbitrary<String> keys = Arbitraries.of("allow", "status", "reasons", "message", "Allow", "x");
    Arbitrary<String> members =
        net.jqwik.api.Combinators.combine(keys, values).as((k, v) -> "\"" + k + "\":" + v);
    Arbitrary<String> objects =
        members.list().ofMaxSize(5).map(list -> "{" + String.join(",", list) + "}");
    return objects
        .list()
        .ofMaxSize(2)
        .map(
            list -> {
              StringBuilder out = new StringBuilder("[");
              for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : ",")
                    .append("{\"result\":")
                    .append(list.get(i))
                    .append('}');
              }
              return out.append(']').toString();
            });
  }

  @Test
  void aDataApiResponseIsReadAsStrictlyAsAResultSet() {
    assertThat(
            DecisionDocument.parseDataResponse(
                "{\"decision_id\":\"d1\",\"result\":{\"allow\":false,\"status\":403,"
                    + "\"reasons\":[\"user_directory\"],\"message\":\"No.\"},\"metrics\":{\"a\":1}}"))
        .isEqualTo(Decision.deny(403, "user_directory", "No."));
    assertThat(DecisionDocument.parseDataResponse("{\"decision_id\":\"d1\"}").reasons())
        .containsExactly("policy_result_undefined");
    assertThat(DecisionDocument.parseDataResponse("{\"result\":{\"allow\":1}}").reasons())
        .containsExactly("policy_result_malformed");
    assertThat(DecisionDocument.parseDataResponse("{\"result\":[{\"allow\":true}]}").reasons())
        .containsExactly("policy_result_malformed");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[]",
        "null",
        "{\"result\":{\"allow\":true}} {}",
        "{\"result\":{\"allow\":false,\"status\":403},\"result\":{\"allow\":true}}",
        "{\"result\":{\"allow\":true}",
        "<html>"
      })
  void aBodyThatIsNoSingleJsonObjectIsNoDecisionAtAll(String body) {
    assertThat(DecisionDocument.parseDataResponse(body)).isNull();
  }
}
