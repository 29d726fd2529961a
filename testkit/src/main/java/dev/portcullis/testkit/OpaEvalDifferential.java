package dev.portcullis.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Evaluates the same inputs in a harness's embedded wasm engine and in OPA's own evaluator ({@code
 * opa eval} over the same Rego and data), and reports where they disagree: compiling to wasm must
 * change nothing.
 *
 * <p>Compared: {@code allow}, {@code status}, {@code reasons} and {@code message} of a well-formed
 * decision document. Where {@code opa eval} gives no decision document (undefined, or no boolean
 * {@code allow}), the engine must deny: that is how it fails closed.
 *
 * <p>One {@code opa eval} process per call, for all inputs at once. Thread-safe.
 */
public final class OpaEvalDifferential {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PolicyEngine engine;
  private final PolicyHarness harness;

  private OpaEvalDifferential(PolicyEngine engine, PolicyHarness harness) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.harness = Objects.requireNonNull(harness, "harness");
  }

  /** A differential check of {@code harness}'s policy: its engine against its sources. */
  public static OpaEvalDifferential of(PolicyHarness harness) {
    return new OpaEvalDifferential(harness.engine(), harness);
  }

  /**
   * A differential check of another {@code engine}, such as one loaded from a shipped {@code
   * policy.wasm}, against {@code reference}'s Rego sources, entrypoint and data evaluated by {@code
   * opa eval}.
   */
  public static OpaEvalDifferential of(PolicyEngine engine, PolicyHarness reference) {
    return new OpaEvalDifferential(engine, reference);
  }

  /** Where the engine and {@code opa eval} disagree on one input. */
  public record Disagreement(PolicyInput input, Decision embedded, String opaEval) {
    @Override
    public String toString() {
      return "input " + input.toJson() + "\n  embedded: " + embedded + "\n  opa eval: " + opaEval;
    }
  }

  /** The inputs on which the two disagree; empty when they agree on all. */
  public List<Disagreement> compare(List<PolicyInput> inputs) {
    List<Disagreement> disagreements = new ArrayList<>();
    if (inputs.isEmpty()) {
      return disagreements;
    }
    JsonNode reference = opaEval(inputs);
    for (int i = 0; i < inputs.size(); i++) {
      Decision embedded = engine.evaluate(inputs.get(i));
      JsonNode expected = reference.get(i);
      if (!agree(embedded, expected)) {
        disagreements.add(new Disagreement(inputs.get(i), embedded, String.valueOf(expected)));
      }
    }
    return disagreements;
  }

  /**
   * As {@link #compare}, for the inputs the enforcer builds from {@code requests} with their
   * credentials verified as {@code validity}; requests refused before any policy saw them (a 400)
   * are skipped.
   */
  public List<Disagreement> compareRequests(
      List<RawRequest> requests, CredentialValidity validity) {
    List<PolicyInput> inputs = new ArrayList<>();
    for (RawRequest request : requests) {
      PolicyInput input = harness.inputOf(request, validity);
      if (input != null) {
        inputs.add(input);
      }
    }
    return compare(inputs);
  }

  /** Fails with an {@link AssertionError} listing the first disagreements when there are any. */
  public void assertAgreement(List<PolicyInput> inputs) {
    List<Disagreement> disagreements = compare(inputs);
    if (!disagreements.isEmpty()) {
      StringBuilder message =
          new StringBuilder("The embedded engine and opa eval disagree on ")
              .append(disagreements.size())
              .append(" of ")
              .append(inputs.size())
              .append(" inputs for ")
              .append(harness)
              .append(":");
      disagreements.stream().limit(5).forEach(d -> message.append("\n").append(d));
      throw new AssertionError(message.toString());
    }
  }

  private static boolean agree(Decision embedded, JsonNode expected) {
    if (expected == null || !expected.isObject() || !expected.path("allow").isBoolean()) {
      return !embedded.allow();
    }
    if (embedded.allow() != expected.path("allow").asBoolean()) {
      return false;
    }
    if (expected.has("status") && embedded.status() != expected.path("status").asInt()) {
      return false;
    }
    if (expected.has("reasons")) {
      List<String> reasons = new ArrayList<>();
      expected.path("reasons").forEach(reason -> reasons.add(reason.asText()));
      if (!embedded.reasons().equals(reasons)) {
        return false;
      }
    }
    return !expected.has("message") || embedded.message().equals(expected.path("message").asText());
  }

  private JsonNode opaEval(List<PolicyInput> inputs) {
    try {
      Path dir = Files.createTempDirectory("portcullis-opa-eval");
      try {
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < inputs.size(); i++) {
          array.append(i == 0 ? "" : ",").append(inputs.get(i).toJson());
        }
        Path inputFile = Files.writeString(dir.resolve("inputs.json"), array.append(']'));
        String output =
            harness
                .opa()
                .run(
                    List.of(
                        "eval",
                        "--format",
                        "json",
                        "-d",
                        harness.regoDirectory().toString(),
                        "-d",
                        harness.dataFile().toString(),
                        "--input",
                        inputFile.toString(),
                        query()));
        JsonNode decisions = JSON.readTree(output).at("/result/0/expressions/0/value");
        if (decisions.size() != inputs.size()) {
          throw new IllegalStateException(
              "opa eval answered "
                  + decisions.size()
                  + " decisions for "
                  + inputs.size()
                  + " inputs");
        }
        return decisions;
      } finally {
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One decision per input, in order; an undefined decision is {@code null}, so that it keeps its
   * place instead of dropping out of the comprehension.
   */
  private String query() {
    StringBuilder ref = new StringBuilder("data");
    for (String segment : harness.entrypoint().split("/")) {
      ref.append("[\"").append(segment.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"]");
    }
    return "[d | some x in input; ds := [v | v := "
        + ref
        + "] with input as x; d := array.concat(ds, [null])[0]]";
  }
}
