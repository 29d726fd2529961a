package dev.portcullis.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.portcullis.Decision;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the result set an OPA wasm evaluation returns ({@code [{"result": {...}}]}) into a {@link
 * Decision}, strictly: only a single result whose {@code allow} is exactly {@code true} (and whose
 * other fields, if present, are well-formed) allows. An allow may carry {@code max_body_bytes}, a
 * non-negative integer that limits the body an adapter forwards, and {@code body_parts}, the names
 * of the file parts a multipart body may carry ({@link Decision#bodyParts()}). Everything else is a
 * deny with its own reason code: {@code policy_result_undefined} for an empty result set, {@code
 * policy_result_malformed} otherwise.
 *
 * <p>Not for public use: the OPA engine's part. Thread-safe: stateless apart from the shared,
 * thread-safe {@link JsonFactory}.
 */
public final class DecisionDocument {

  private static final String UNDEFINED = "policy_result_undefined";
  private static final String MALFORMED = "policy_result_malformed";

  // A duplicate key ({"allow":false,"allow":true}) is ambiguous, so it is malformed, not last-wins.
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private DecisionDocument() {}

  /** The decision in a wasm result set. Never throws for bad content; returns a deny instead. */
  public static Decision parse(String resultSet) {
    try (JsonParser parser = JSON.createParser(resultSet)) {
      expect(parser.nextToken() == JsonToken.START_ARRAY);
      JsonToken first = parser.nextToken();
      if (first == JsonToken.END_ARRAY) {
        return Decision.deny(500, UNDEFINED, "The policy produced no decision.");
      }
      expect(first == JsonToken.START_OBJECT);
      Decision decision = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if (field.equals("result")) {
          decision = readDecision(parser);
        } else {
          parser.skipChildren();
        }
      }
      expect(decision != null);
      expect(parser.nextToken() == JsonToken.END_ARRAY);
      expect(parser.nextToken() == null);
      return decision;
    } catch (IOException | MalformedResult e) {
      return malformed();
    }
  }

  /**
   * The decision in the body of an OPA Data API response ({@code {"result": {...}}}, other members
   * such as {@code decision_id} ignored), read as strictly as a wasm result set: no {@code result}
   * member (the policy is undefined for the input) is {@code policy_result_undefined}, a result
   * that is no well-formed decision is {@code policy_result_malformed}. Returns {@code null} when
   * the body itself is not one JSON object: that is a failure of the exchange, not a policy result.
   */
  public static Decision parseDataResponse(String body) {
    String result = null;
    try (JsonParser parser = JSON.createParser(body)) {
      expect(parser.nextToken() == JsonToken.START_OBJECT);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if (field.equals("result")) {
          StringWriter copy = new StringWriter();
          try (JsonGenerator generator = JSON.createGenerator(copy)) {
            generator.copyCurrentStructure(parser);
          }
          result = copy.toString();
        } else {
          parser.skipChildren();
        }
      }
      expect(parser.currentToken() == JsonToken.END_OBJECT);
      expect(parser.nextToken() == null);
    } catch (IOException | MalformedResult e) {
      return null;
    }
    if (result == null) {
      return Decision.deny(500, UNDEFINED, "The policy produced no decision.");
    }
    return parse("[{\"result\":" + result + "}]");
  }

  private static Decision readDecision(JsonParser parser) throws IOException {
    expect(parser.currentToken() == JsonToken.START_OBJECT);
    Boolean allow = null;
    Integer status = null;
    List<String> reasons = null;
    String message = null;
    long maxBodyBytes = Decision.NO_BODY_LIMIT;
    Set<String> bodyParts = Set.of();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "allow":
          expect(value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE);
          allow = value == JsonToken.VALUE_TRUE;
          break;
        case "status":
          expect(
              value == JsonToken.VALUE_NUMBER_INT
                  && parser.getNumberType() == JsonParser.NumberType.INT);
          status = parser.getIntValue();
          break;
        case "reasons":
          reasons = readReasons(parser);
          break;
        case "message":
          expect(value == JsonToken.VALUE_STRING);
          message = parser.getText();
          break;
        case "max_body_bytes":
          expect(
              value == JsonToken.VALUE_NUMBER_INT
                  && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
          maxBodyBytes = parser.getLongValue();
          expect(maxBodyBytes >= 0);
          break;
        case "body_parts":
          bodyParts = readBodyParts(parser);
          break;
        default:
          parser.skipChildren();
      }
    }
    expect(allow != null);
    if (allow) {
      expect(status == null || status == 200);
      return Decision.allow(
              reasons == null || reasons.isEmpty() ? List.of("allowed_by_policy") : reasons,
              message == null ? "Allowed." : message)
          .withMaxBodyBytes(maxBodyBytes)
          .withBodyParts(bodyParts);
    }
    expect(status != null && status >= 400 && status <= 599);
    return Decision.deny(
        status,
        reasons == null || reasons.isEmpty() ? List.of("denied_by_policy") : reasons,
        message == null ? "Denied by policy." : message);
  }

  private static List<String> readReasons(JsonParser parser) throws IOException {
    expect(parser.currentToken() == JsonToken.START_ARRAY);
    List<String> reasons = new ArrayList<>(2);
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      expect(token == JsonToken.VALUE_STRING && !parser.getText().isEmpty());
      reasons.add(parser.getText());
    }
    return reasons;
  }

  private static Set<String> readBodyParts(JsonParser parser) throws IOException {
    expect(parser.currentToken() == JsonToken.START_ARRAY);
    Set<String> parts = new HashSet<>(2);
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      expect(token == JsonToken.VALUE_STRING && Decision.isBodyPartName(parser.getText()));
      parts.add(parser.getText());
    }
    return parts;
  }

  private static Decision malformed() {
    return Decision.deny(500, MALFORMED, "The policy produced a malformed decision.");
  }

  private static void expect(boolean condition) {
    if (!condition) {
      throw new MalformedResult();
    }
  }

  /** Control flow for a malformed document; cheap because it has no stack trace. */
  private static final class MalformedResult extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedResult() {
      super(null, null, false, false);
    }
  }
}
