package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.opa.InputField;
import dev.portcullis.testkit.OpaCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled policy's declaration of the input fields it reads ({@link
 * SonarQubePolicy#INPUT_FIELDS}, which its decision cache keys by) is proven from its Rego with the
 * real {@code opa parse}: every module the build compiles reads input only by constant paths under
 * declared fields. A field read but not declared would let the cache answer a request with another
 * one's decision, so this test fails first. Then {@link InputReads} itself is shown to refuse each
 * way of reading input that the syntax cannot pin down.
 */
class BundledPolicyInputFieldsTest {

  /** The modules the build compiles into the bundled policy (scripts/build-policies.sh). */
  private static final Path MAIN_REGO = Path.of("src/main/rego");

  private static OpaCli opa;

  @BeforeAll
  static void locateOpa() {
    opa = OpaCli.locate();
  }

  @Test
  void thePolicyReadsExactlyTheDeclaredFields() {
    InputReads.Result reads = InputReads.ofDirectory(opa, MAIN_REGO);

    assertThat(reads.unprovable()).as("reads of input no declaration can cover").isEmpty();
    assertThat(reads.fields())
        .as("fields the Rego reads (SonarQubePolicy.INPUT_FIELDS must list exactly these)")
        .isEqualTo(SonarQubePolicy.INPUT_FIELDS);
  }

  @Test
  void theShippedPolicyCarriesTheDeclaration() {
    assertThat(SonarQubePolicy.source().inputFields()).isEqualTo(SonarQubePolicy.INPUT_FIELDS);
    assertThat(SonarQubePolicy.engine(null).instances(1).warmUp(0).decisionCache(1024).build())
        .satisfies(
            engine -> {
              try (engine) {
                assertThat(engine.describe()).contains("decision-key-fields=12");
              }
            });
  }

  /** Each way of reading input that names no field by a constant path is refused. */
  @Test
  void readsThatNameNoFieldAreRefused(@TempDir Path dir) throws IOException {
    Map<String, String> refused =
        Map.ofEntries(
            Map.entry("whole", "x := input"),
            Map.entry("argument", "f(v) := v\nx := f(input)"),
            Map.entry("walk", "x contains p if walk(input, [p, _])"),
            Map.entry("iteration", "x contains v if some v in input"),
            Map.entry("variable_key", "x if input[_] == 1"),
            Map.entry("variable_key_below", "x if input.request[k] == \"GET\""),
            Map.entry("object_above_fields", "x := input.request.body"),
            Map.entry("unknown_field", "x := input.request.cookies"),
            Map.entry("with_whole", "y := 1\nx if {\n\ty with input as {}\n}"),
            Map.entry("import_object", "import input.request\n\nx := request.method"),
            Map.entry("import_whole", "import input\n\nx := input.request.method"));
    for (Map.Entry<String, String> module : refused.entrySet()) {
      Path folder = Files.createDirectories(dir.resolve(module.getKey()));
      Files.writeString(folder.resolve("p.rego"), "package p\n\n" + module.getValue() + "\n");
      InputReads.Result reads = InputReads.ofDirectory(opa, folder);
      assertThat(reads.unprovable()).as(module.getKey()).isNotEmpty();
    }
  }

  @Test
  void constantPathsUnderFieldsAreTheirFields(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("p.rego"),
        """
        package p

        import input.credential.kind as kind

        a if input.request.method == "GET"

        b contains name if some name, _ in input.request.query

        c := object.get(input.request.headers, "content-type", "")

        d := input.request.query.projectKey[0]

        e if {
        \ta with input.request.method as "GET"
        }

        f := kind

        g := input.request.query[input.client.ip]
        """);

    InputReads.Result reads = InputReads.ofDirectory(opa, dir);

    assertThat(reads.unprovable()).isEmpty();
    assertThat(reads.fields())
        .isEqualTo(
            EnumSet.of(
                InputField.REQUEST_METHOD,
                InputField.REQUEST_QUERY,
                InputField.REQUEST_HEADERS,
                InputField.CLIENT_IP,
                InputField.CREDENTIAL_KIND));
  }
}
