package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.testkit.OpaCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small rules exercising the IR statements (scans, comprehensions, partial sets and objects, {@code
 * not}, {@code with}, {@code else}/{@code default}, functions, dynamic calls, {@code every}) and
 * the built-ins ({@code src/test/resources/ir/ir.rego}), compiled by the real {@code opa build -t
 * plan} and each checked against {@code opa eval} of the same Rego on several inputs.
 */
class IrAgreesWithOpaEvalTest {

  private static final Path REGO = Path.of("src/test/resources/ir");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> RULES =
      rules(
          List.of(
              "arr",
              "set_c",
              "obj",
              "dot",
              "neg",
              "d",
              "inner",
              "with_r",
              "fcall",
              "multi",
              "po",
              "dyn",
              "cmp",
              "strs",
              "floor_f",
              "ceil_f",
              "round_f",
              "abs_f",
              "minus_n",
              "plus_n",
              "sum_xs",
              "max_xs",
              "min_xs",
              "rem_n",
              "big",
              "sets",
              "unions",
              "globs",
              "rx",
              "cidr",
              "objget",
              "members",
              "types",
              "every_positive",
              "sorted",
              "slices",
              "merged",
              "count_all",
              "first_even"));
  private static final List<String> INPUTS =
      List.of(
          "{\"xs\":[1,2,3],\"obj\":{\"a\":1,\"b\":{\"c\":2}},\"s\":\"a.bc\",\"n\":3,\"f\":2.5,"
              + "\"flag\":false,\"nul\":null,\"ip\":\"10.2.3.4\",\"key\":\"a\",\"big\":12345678901234567890}",
          "{\"xs\":[],\"obj\":{},\"s\":\"\",\"n\":0,\"f\":-2.5,\"flag\":true,\"ip\":\"2001:db8::1\",\"key\":\"zz\"}",
          "{\"xs\":[5,\"x\",[1]],\"obj\":{\"b\":[]},\"s\":\"\u00c4b\u03a3 ,\u00a0\",\"n\":2,\"f\":0.1,"
              + "\"ip\":\"::ffff:10.0.0.1\",\"key\":\"b\",\"big\":1e400}",
          "{\"s\":\"ab\",\"xs\":[2,2,3],\"n\":7,\"f\":3.5,\"ip\":\"010.0.0.1\",\"obj\":{\"a\":[1]},\"key\":\"a\"}",
          "{\"s\":\"ABx\",\"xs\":[0.5,1.5],\"n\":-3,\"f\":-0.5,\"ip\":\"10.0.0.0/12\",\"obj\":{\"1\":1}}",
          "{\"s\":\"eyJhIjpbMSwyLjVdfQ==\",\"n\":255,\"f\":-7.9,\"ip\":\"10.0.0.0/12\",\"key\":\"d\","
              + "\"obj\":{\"a\":{\"x\":1},\"c\":3},\"xs\":[[1],[[2]],3]}",
          "{\"s\":\"{\\\"a\\\":[1,2.50,{\\\"b\\\":null}]}\",\"n\":-1,\"key\":\"b\",\"f\":1e3}",
          "{\"s\":\"-12.5e1\",\"n\":64,\"key\":\"c\",\"ip\":\"2001:db8::/40\"}",
          "{\"s\":\"w7xTzqM=\",\"n\":1.5,\"ip\":\"::ffff:10.0.0.0/120\"}");

  /** The rules above plus every rule of {@code more.rego}, one built-in family each. */
  private static List<String> rules(List<String> base) {
    List<String> all = new ArrayList<>(base);
    try {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?m)^([a-z_0-9]+) :=")
              .matcher(Files.readString(REGO.resolve("more.rego")));
      while (m.find()) {
        all.add(m.group(1));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return List.copyOf(all);
  }

  /** Rules of {@code unsupported.rego} and an input OPA answers but this engine must refuse. */
  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "plus_number", "{\"s\":\"+1\"}",
          "invalid_utf8", "{\"s\":\"-_8\"}",
          "empty_pattern", "{\"s\":\"ab\"}");

  private static OpaCli opa;
  private static byte[] plan;

  @BeforeAll
  static void build(@TempDir Path dir) throws IOException {
    opa = OpaCli.locate();
    List<String> args = new ArrayList<>(List.of("build", "-t", "plan"));
    for (String rule : RULES) {
      args.add("-e");
      args.add("t/" + rule);
    }
    args.addAll(List.of("-e", "c/conflicting"));
    for (String rule : UNSUPPORTED.keySet()) {
      args.addAll(List.of("-e", "u/" + rule));
    }
    Path bundle = dir.resolve("bundle.tar.gz");
    args.addAll(List.of("-o", bundle.toString(), REGO.toString()));
    opa.run(args);
    plan = member(bundle, "plan.json");
  }

  @Test
  void everyRuleAgreesWithOpaEval(@TempDir Path dir) throws IOException {
    int compared = 0;
    SoftAssertions softly = new SoftAssertions();
    for (String input : INPUTS) {
      Path inputFile = dir.resolve("input.json");
      Files.writeString(inputFile, input);
      JsonNode eval =
          JSON.readTree(
              opa.run(
                  List.of(
                      "eval",
                      "-f",
                      "json",
                      "-d",
                      REGO.toString(),
                      "-i",
                      inputFile.toString(),
                      "data.t")));
      JsonNode values = eval.path("result").path(0).path("expressions").path(0).path("value");
      assertThat(values.isObject()).as("opa eval output %s", eval).isTrue();
      for (String rule : RULES) {
        String expected =
            values.has(rule) ? Values.toJson(parse(values.get(rule).toString())) : "undefined";
        softly
            .assertThat(planResult(rule, input))
            .as("rule %s input %s", rule, input)
            .isEqualTo(expected);
        compared++;
      }
    }
    softly.assertAll();
    assertThat(compared).isEqualTo(RULES.size() * INPUTS.size());
  }

  @Test
  void whatThisEngineCannotRepresentIsAnEngineErrorNotAnotherAnswer() {
    UNSUPPORTED.forEach(
        (rule, input) ->
            assertThatThrownBy(() -> engine("u/" + rule).evaluateJson(input))
                .as(rule)
                .isInstanceOf(PolicyEvaluationException.class)
                .hasFieldOrPropertyWithValue("reason", "engine_error")
                .hasMessageContaining("not supported"));
    assertThat(engine("u/plus_number").evaluateJson("{\"s\":\"1\"}")).isEqualTo("[{\"result\":1}]");
  }

  @Test
  void aConflictIsAnEvaluationErrorNotAValue(@TempDir Path dir) throws IOException {
    PlanPolicyEngine engine = engine("c/conflicting");
    assertThat(engine.evaluateJson("{\"n\":1}")).isEqualTo("[{\"result\":1}]");
    assertThatThrownBy(() -> engine.evaluateJson("{\"n\":5}"))
        .isInstanceOf(PolicyEvaluationException.class)
        .hasFieldOrPropertyWithValue("reason", "engine_error");
    Path inputFile = dir.resolve("input.json");
    Files.writeString(inputFile, "{\"n\":5}");
    String eval;
    try {
      eval =
          opa.run(
              List.of(
                  "eval",
                  "-f",
                  "json",
                  "-d",
                  REGO.toString(),
                  "-i",
                  inputFile.toString(),
                  "data.c.conflicting"));
    } catch (IllegalStateException e) {
      eval = e.getMessage();
    }
    assertThat(eval).as("opa eval refuses it too").contains("eval_conflict_error");
  }

  private static String planResult(String rule, String input) {
    String results;
    try {
      results = engine("t/" + rule).evaluateJson(input);
    } catch (PolicyEvaluationException e) {
      return "error: " + e.getMessage();
    }
    Object set = parse(results);
    List<?> list = (List<?>) set;
    if (list.isEmpty()) {
      return "undefined";
    }
    assertThat(list).hasSize(1);
    return Values.toJson(((Map<?, ?>) list.get(0)).get("result"));
  }

  private static PlanPolicyEngine engine(String entrypoint) {
    try {
      return PlanPolicyEngine.builder().plan("ir.rego", plan).entrypoint(entrypoint).build();
    } catch (RuntimeException e) {
      throw e;
    }
  }

  private static Object parse(String json) {
    try {
      return Values.parseJson(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The member {@code name} of a gzipped tar bundle written by {@code opa build}. */
  static byte[] member(Path bundle, String member) throws IOException {
    byte[] tar;
    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(bundle))) {
      tar = in.readAllBytes();
    }
    int offset = 0;
    while (offset + 512 <= tar.length) {
      String name = new String(tar, offset, 100, java.nio.charset.StandardCharsets.US_ASCII).trim();
      name = name.indexOf('\0') >= 0 ? name.substring(0, name.indexOf('\0')) : name;
      String sizeField =
          new String(tar, offset + 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
              .replace("\0", "")
              .trim();
      if (name.isEmpty()) {
        break;
      }
      int size = sizeField.isEmpty() ? 0 : Integer.parseInt(sizeField, 8);
      if (name.equals("/" + member) || name.equals(member)) {
        return java.util.Arrays.copyOfRange(tar, offset + 512, offset + 512 + size);
      }
      offset += 512 + ((size + 511) / 512) * 512;
    }
    throw new AssertionError("no " + member + " in " + bundle);
  }
}
