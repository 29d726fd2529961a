package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.OpaCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code opa test} of the default policy run through the plan engine: each {@code test_} rule
 * of {@code policies/src/test/rego} is an entrypoint of one plan built by the real {@code opa build
 * -t plan} with the policy, the tests and the golden input file (as {@code opa test} runs them),
 * evaluated with the bundle's data; a test passes when its rule is {@code true}. The tests set
 * their inputs and data with {@code with}, so this also exercises {@code WithStmt}.
 */
class OpaTestsThroughPlanTest {

  private static final Path MAIN = Path.of("../policies/src/main/rego");
  private static final Path TESTS = Path.of("../policies/src/test/rego");
  private static final Path GOLDEN =
      Path.of("../core/src/test/resources/dev/portcullis/policy-input-golden.json");
  private static final Pattern TEST_RULE = Pattern.compile("(?m)^(test_[A-Za-z0-9_]*)");

  @Test
  void everyOpaTestOfTheDefaultPolicyPassesOnThePlanEngine(@TempDir Path dir) throws IOException {
    List<String> entrypoints = new ArrayList<>();
    try (Stream<Path> files = Files.walk(TESTS)) {
      for (Path file : files.filter(f -> f.toString().endsWith("_test.rego")).sorted().toList()) {
        String rego = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(rego).contains("package portcullis.sonarqube_test");
        Matcher m = TEST_RULE.matcher(rego);
        TreeSet<String> names = new TreeSet<>();
        while (m.find()) {
          names.add(m.group(1));
        }
        names.forEach(n -> entrypoints.add("portcullis/sonarqube_test/" + n));
      }
    }
    assertThat(entrypoints).hasSizeGreaterThan(50);
    List<String> args = new ArrayList<>(List.of("build", "-t", "plan"));
    for (String entrypoint : entrypoints) {
      args.add("-e");
      args.add(entrypoint);
    }
    Path bundle = dir.resolve("tests.tar.gz");
    args.addAll(
        List.of("-o", bundle.toString(), MAIN.toString(), TESTS.toString(), GOLDEN.toString()));
    OpaCli.locate().run(args);
    byte[] plan = IrAgreesWithOpaEvalTest.member(bundle, "plan.json");
    String data =
        new String(IrAgreesWithOpaEvalTest.member(bundle, "data.json"), StandardCharsets.UTF_8);

    List<String> failed = new ArrayList<>();
    for (String entrypoint : entrypoints) {
      String result =
          PlanPolicyEngine.builder()
              .plan("tests", plan)
              .entrypoint(entrypoint)
              .data(data)
              .build()
              .evaluateJson("{}");
      if (!result.equals("[{\"result\":true}]")) {
        failed.add(entrypoint + " -> " + result);
      }
    }
    assertThat(failed).as("opa tests failing on the plan engine").isEmpty();
  }
}
