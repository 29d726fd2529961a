package dev.portcullis.examples.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.opa.OpaBundle;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.policies.DataMerge;
import dev.portcullis.policies.SonarQubePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A compiled policy a user gives instead of the bundled one ({@code --policy}, {@code
 * --shadow-policy}, the CLI's {@code decide --policy}): one grammar and one way to load it for all
 * of them.
 *
 * <p>The file is a {@code policy.wasm} or an {@code opa build -t wasm} bundle ({@code .tar.gz} or
 * {@code .tgz}). Its data document is the bundle's {@code /data.json} ({@code {}} for a plain wasm)
 * with the user's {@code --data} deep-merged over it. When the policy answers at the bundled
 * policy's entrypoint and the bundle carries no SonarQube configuration ({@code
 * portcullis.sonarqube.config}), it is taken for a variant of the bundled policy (a plain wasm
 * built from its Rego, say): the bundled defaults are filled in and the configuration keys checked
 * as for the bundled policy. A bundle that carries its configuration is its own authority (a newer
 * release's policy may have new keys), and a policy at another entrypoint reads what it likes. In
 * every case a SonarQube configuration in the user's data is checked against the keys the bundle
 * and the bundled defaults know, since a policy building on the bundled one reads it.
 *
 * @param option the option that named the file, such as {@code --policy}, for messages
 * @param file the compiled policy
 * @param entrypoint the entrypoint to evaluate, such as {@code portcullis/sonarqube/decision}
 */
public record PolicyFile(String option, Path file, String entrypoint) {

  /** The entrypoint when none is given: the bundled SonarQube policy's. */
  public static final String DEFAULT_ENTRYPOINT = SonarQubePolicy.ENTRYPOINT;

  /** The help text of a {@code --policy} option. */
  public static final String HELP =
      "A compiled policy instead of the bundled SonarQube one: policy.wasm or an "
          + "'opa build -t wasm' bundle .tar.gz/.tgz. Its data is the bundle's data.json (none for a plain "
          + "wasm) with --data merged over it, over the bundled defaults when it answers at "
          + DEFAULT_ENTRYPOINT
          + " and carries no portcullis.sonarqube.config. Default: the bundled policy.";

  /** The help text of an {@code --entrypoint} option. */
  public static final String ENTRYPOINT_HELP =
      "The entrypoint of --policy, or the decision path a remote engine (--engine remote=URL) is "
          + "asked at (default: ${DEFAULT-VALUE}).";

  /** Refuses a key given twice: which of the two applied would depend on the reader. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  public PolicyFile {
    Objects.requireNonNull(option, "option");
    Objects.requireNonNull(file, "file");
    if (entrypoint == null || entrypoint.isBlank()) {
      entrypoint = DEFAULT_ENTRYPOINT;
    }
  }

  /** Whether {@code file} is read as a bundle (by its name) rather than as a plain wasm module. */
  static boolean isBundle(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".tar.gz") || name.endsWith(".tgz");
  }

  /**
   * Reads the file now and builds its engine with {@code userData} merged over the bundle's data:
   * compiled, its entrypoint checked and warmed up as {@code tune} sets.
   *
   * @param userData the user's data document (a JSON object), or {@code null}
   * @param tune sets pool size, warm-up, metrics and the like on the builder
   * @throws PolicyLoadException naming the option and the file when anything fails
   */
  public OpaWasmPolicyEngine load(
      String userData, UnaryOperator<OpaWasmPolicyEngine.Builder> tune) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new PolicyLoadException("not a readable file");
      }
      PolicySource source;
      String bundleData = "{}";
      if (isBundle(file)) {
        OpaBundle bundle = OpaBundle.read(file);
        source = bundle.policy();
        bundleData = bundle.data();
      } else {
        source = PolicySource.file(file);
      }
      OpaWasmPolicyEngine.Builder builder =
          OpaWasmPolicyEngine.builder()
              .policy(source)
              .entrypoint(entrypoint)
              .data(data(bundleData, userData));
      return tune.apply(builder).build();
    } catch (RuntimeException e) {
      throw new PolicyLoadException(
          option + " " + file + ": cannot be loaded (" + e.getMessage() + ")", e);
    }
  }

  /**
   * {@code userData} deep-merged over {@code bundleData} (objects merge, anything else replaces),
   * over the bundled policy's defaults when the policy is a variant of it (see the class comment).
   */
  String data(String bundleData, String userData) {
    ObjectNode merged = object(bundleData, "the bundle's data.json");
    boolean variant =
        entrypoint.equals(SonarQubePolicy.ENTRYPOINT)
            && merged.path("portcullis").path("sonarqube").path("config").isMissingNode();
    if (userData != null) {
      ObjectNode user = object(userData, "--data");
      if (!variant) {
        // A policy building on the bundled one (a team's bundle) reads the same configuration: a
        // key neither the bundle nor the defaults know is a typo, not a new setting.
        SonarQubePolicy.checkConfiguration(merged.toString(), user.toString());
      }
      DataMerge.deepMerge(merged, user);
    }
    return variant ? SonarQubePolicy.data(merged.toString()) : merged.toString();
  }

  private static ObjectNode object(String json, String what) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new PolicyLoadException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode)) {
      throw new PolicyLoadException(what + " must be a JSON object");
    }
    return (ObjectNode) node;
  }

  @Override
  public String toString() {
    return file + " (entrypoint " + entrypoint + ")";
  }
}
