package dev.portcullis.policies;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.client.Cidr;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.InputField;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The default policy for SonarQube scanners: allows exactly the scanner API surface, denies the
 * rest; and the enforcer settings that go with it ({@link #enforcer}).
 *
 * <p>The policy ships compiled in this jar ({@link #WASM_RESOURCE}) with its default data document
 * ({@link #DATA_RESOURCE}). Its configuration lives at {@code data.portcullis.sonarqube.config}; a
 * data document given by the user is deep-merged over the defaults (objects merge, everything else
 * replaces), and every configuration key is checked against the defaults so that a typo fails at
 * start instead of silently keeping a default. The entries of {@code extra_endpoints} are checked
 * field by field, and one in a denied endpoint family fails the start.
 *
 * <p>Besides the configuration, {@code data.portcullis.sonarqube} holds the policy's constant
 * tables ({@code tables}: endpoints, denial catalog, parameter formats; shipped with the Rego) and
 * {@code normalized}, configuration values the policy would otherwise derive on every request
 * (lower-cased side-door headers, the context path), which {@link #data} writes; a user's document
 * sets neither.
 *
 * <p>Thread-safe: stateless.
 */
public final class SonarQubePolicy {

  /** The decision entrypoint, {@code data.portcullis.sonarqube.decision}. */
  public static final String ENTRYPOINT = "portcullis/sonarqube/decision";

  /** The compiled policy on the class path. */
  public static final String WASM_RESOURCE = "dev/portcullis/policies/sonarqube/policy.wasm";

  /** The default data document on the class path. */
  public static final String DATA_RESOURCE = "dev/portcullis/policies/sonarqube/data.json";

  /**
   * The class-path directory of the policy's Rego sources and default data ({@code
   * portcullis/sonarqube/*.rego}, {@code portcullis/sonarqube/config/data.json}), so that a policy
   * building on this one can be compiled with them, for instance by the testkit's {@code
   * PolicyHarness}.
   */
  public static final String REGO_RESOURCES = "dev/portcullis/policies/sonarqube/rego";

  /** The protection space a 401 names in its {@code WWW-Authenticate} challenges. */
  public static final String REALM = "SonarQube";

  /**
   * SonarQube's own secret headers besides the standard ones: {@code X-Sonar-Passcode}
   * authenticates monitoring calls. The policy sees that it is there, never its value.
   */
  public static final Set<String> SECRET_HEADERS = Set.of("x-sonar-passcode");

  /**
   * The input fields the policy reads, which its decision cache keys decisions by ({@link
   * PolicySource#readsOnly}): every field but {@code request.path_segments}, {@code
   * request.body.chunked}, {@code credential.scheme} and {@code credential.verifier}. Proven, not
   * trusted: a test parses every module of the policy with the real {@code opa} and fails if any
   * reference to {@code input} is not a constant path under one of these fields.
   */
  public static final Set<InputField> INPUT_FIELDS =
      Collections.unmodifiableSet(
          EnumSet.of(
              InputField.REQUEST_METHOD,
              InputField.REQUEST_PATH,
              InputField.REQUEST_QUERY,
              InputField.REQUEST_HEADERS,
              InputField.REQUEST_HEADER_NAMES,
              InputField.REQUEST_CONTENT_LENGTH,
              InputField.REQUEST_BODY_PRESENT,
              InputField.REQUEST_BODY_MEDIA_TYPE,
              InputField.CLIENT_IP,
              InputField.CREDENTIAL_PRESENT,
              InputField.CREDENTIAL_KIND,
              InputField.CREDENTIAL_VALID));

  /** Refuses a key given twice: which of the two applied would depend on the reader. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private static final List<String> CONFIG_PATH = List.of("portcullis", "sonarqube", "config");

  /**
   * The documents under {@code data.portcullis.sonarqube} besides the configuration: the policy's
   * tables (tables/data.json) and the normalized configuration, written at load time.
   */
  private static final List<String> POLICY_DOCUMENTS = List.of("tables", NormalizedConfig.KEY);

  private SonarQubePolicy() {}

  /**
   * The compiled policy, with the declaration of the input fields it reads ({@link #INPUT_FIELDS}).
   */
  public static PolicySource source() {
    return PolicySource.classpath(SonarQubePolicy.class.getClassLoader(), WASM_RESOURCE)
        .readsOnly(INPUT_FIELDS);
  }

  /** The shipped data document with every default (as {@code data(null)}). */
  public static String defaultData() {
    return data(null);
  }

  /**
   * The data document for the policy: the user's document deep-merged over the defaults.
   *
   * @param userData a JSON object such as {@code
   *     {"portcullis":{"sonarqube":{"config":{"strict_mode":true}}}}}, or {@code null} for the
   *     defaults
   * @throws PolicyLoadException when the document is not a JSON object, sets the policy's tables or
   *     normalized configuration, names an unknown configuration key, gives a key a value of the
   *     wrong type, or has a malformed {@code extra_endpoints} entry
   */
  public static String data(String userData) {
    ObjectNode merged = defaults();
    if (userData == null) {
      return normalized(merged).toString();
    }
    JsonNode user;
    try {
      user = JSON.readTree(userData);
    } catch (JsonProcessingException e) {
      throw new PolicyLoadException(
          "The policy data document is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (user == null || !user.isObject()) {
      throw new PolicyLoadException(
          "The policy data document must be a JSON object, such as "
              + "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true}}}}.");
    }
    checkPolicyDocuments(user);
    checkConfig(configOf(merged), configOf(user));
    DataMerge.deepMerge(merged, (ObjectNode) user);
    return normalized(merged).toString();
  }

  /**
   * Checks the SonarQube configuration a user's data document sets ({@code
   * portcullis.sonarqube.config}, if any) against {@code baseData}'s, for a policy that builds on
   * this one and ships its own data (a team's bundle): the same key and type checks as {@link
   * #data}, with the keys the bundle or the defaults know. A typo then fails the start instead of
   * silently keeping a default.
   *
   * @throws PolicyLoadException when {@code userData} names an unknown configuration key, gives a
   *     key a value of the wrong type, or has a malformed {@code extra_endpoints} entry
   */
  public static void checkConfiguration(String baseData, String userData) {
    JsonNode user;
    JsonNode base;
    try {
      user = JSON.readTree(userData);
      base = JSON.readTree(baseData);
    } catch (JsonProcessingException e) {
      throw new PolicyLoadException(
          "The policy data document is not valid JSON: " + e.getOriginalMessage(), e);
    }
    ObjectNode known = (ObjectNode) configOf(defaults()).deepCopy();
    if (configOf(base) instanceof ObjectNode bundled) {
      known.setAll(bundled);
    }
    checkConfig(known, configOf(user));
  }

  /**
   * An engine builder with the default policy, its entrypoint, the merged data and a realistic
   * scanner request for warm-up; set pool size or timeouts on it, then {@code build()}.
   */
  public static OpaWasmPolicyEngine.Builder engine(String userData) {
    return OpaWasmPolicyEngine.builder()
        .policy(source())
        .entrypoint(ENTRYPOINT)
        .data(data(userData))
        .warmUp(200, warmUpInput());
  }

  /**
   * An enforcer builder for {@code engine} with what the SonarQube profile needs: SonarQube's token
   * kinds ({@link SonarQubeCredentialClassifier}), the {@link #REALM} and the {@link
   * #SECRET_HEADERS}. Add a verifier (a {@link SonarQubeCredentialVerifier} behind a cache, say)
   * and the rest, then {@code build()}.
   */
  public static PolicyEnforcer.Builder enforcer(PolicyEngine engine) {
    return PolicyEnforcer.builder(engine)
        .credentialClassifier(SonarQubeCredentialClassifier.INSTANCE)
        .realm(REALM)
        .secretHeaders(SECRET_HEADERS);
  }

  /** A typical authenticated scanner request, so warm-up exercises the policy's main path. */
  static PolicyInput warmUpInput() {
    CanonicalTarget target =
        CanonicalTarget.parse("/api/settings/values.protobuf?component=warm-up");
    return new PolicyInput(
        PolicyInput.Request.of(
            "GET",
            target,
            Map.of("accept", "application/x-protobuf"),
            List.of("accept", "authorization", "host"),
            PolicyInput.NO_CONTENT_LENGTH),
        new PolicyInput.Client("127.0.0.1"),
        new PolicyInput.CredentialSummary(
            true,
            CredentialScheme.BASIC,
            SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN,
            CredentialValidity.VALID,
            "warm-up"));
  }

  private static ObjectNode defaults() {
    try (InputStream in =
        SonarQubePolicy.class.getClassLoader().getResourceAsStream(DATA_RESOURCE)) {
      if (in == null) {
        throw new PolicyLoadException(
            "Default data '"
                + DATA_RESOURCE
                + "' is not on the class path; "
                + "the portcullis-policies jar is incomplete (rebuild it with './mvnw -pl policies package').");
      }
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code document} with {@code portcullis.sonarqube.normalized} written from its configuration
   * ({@link NormalizedConfig}), replacing any there was.
   */
  private static ObjectNode normalized(ObjectNode document) {
    if (document.path("portcullis").path("sonarqube") instanceof ObjectNode policy) {
      policy.set(NormalizedConfig.KEY, NormalizedConfig.of(policy.path("config")));
    }
    return document;
  }

  /**
   * The user's document sets only the configuration of {@code data.portcullis.sonarqube}: the
   * policy's tables and the normalized configuration come with the policy and from this class.
   */
  private static void checkPolicyDocuments(JsonNode user) {
    JsonNode portcullis = user.path("portcullis");
    JsonNode policy = portcullis.path("sonarqube");
    if ((!portcullis.isMissingNode() && !portcullis.isObject())
        || (!policy.isMissingNode() && !policy.isObject())) {
      throw new PolicyLoadException(
          "data.portcullis.sonarqube must be a JSON object, such as "
              + "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true}}}}.");
    }
    for (String key : POLICY_DOCUMENTS) {
      if (policy.has(key)) {
        throw new PolicyLoadException(
            "data.portcullis.sonarqube."
                + key
                + " belongs to the policy and cannot be set; set the configuration in"
                + " data.portcullis.sonarqube.config.");
      }
    }
  }

  private static JsonNode configOf(JsonNode document) {
    JsonNode node = document;
    for (String key : CONFIG_PATH) {
      node = node.path(key);
    }
    return node;
  }

  private static void checkConfig(JsonNode defaults, JsonNode user) {
    if (user.isMissingNode()) {
      return;
    }
    if (!user.isObject()) {
      throw new PolicyLoadException("data.portcullis.sonarqube.config must be a JSON object.");
    }
    List<String> known = new ArrayList<>();
    defaults.fieldNames().forEachRemaining(known::add);
    for (Iterator<Map.Entry<String, JsonNode>> it = user.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode expected = defaults.get(entry.getKey());
      if (expected == null) {
        throw new PolicyLoadException(
            "Unknown policy configuration key '"
                + entry.getKey()
                + "' in data.portcullis.sonarqube.config; known keys: "
                + known
                + ".");
      }
      if (expected.getNodeType() != entry.getValue().getNodeType()) {
        throw new PolicyLoadException(
            "Policy configuration key '"
                + entry.getKey()
                + "' must be a "
                + expected.getNodeType().name().toLowerCase()
                + ", not a "
                + entry.getValue().getNodeType().name().toLowerCase()
                + ".");
      }
      if (entry.getKey().equals(ExtraEndpoints.KEY)) {
        ExtraEndpoints.check(entry.getValue());
      } else if (expected.isArray()) {
        for (JsonNode element : entry.getValue()) {
          if (!element.isTextual()) {
            throw new PolicyLoadException(
                "Policy configuration key '" + entry.getKey() + "' must be a list of strings.");
          }
        }
      }
      checkValue(entry.getKey(), entry.getValue());
    }
  }

  /**
   * Checks the values the policy cannot use as they are, which would otherwise deny every request
   * they apply to with a reason that hides the mistake.
   */
  private static void checkValue(String key, JsonNode value) {
    if (key.equals("allowed_client_cidrs")) {
      for (JsonNode element : value) {
        String cidr = element.asText().strip();
        try {
          Cidr.parse(cidr);
        } catch (IllegalArgumentException e) {
          throw new PolicyLoadException(
              "Policy configuration key 'allowed_client_cidrs': " + e.getMessage() + ".");
        }
        if (cidr.indexOf('/') < 0) {
          throw new PolicyLoadException(
              "Policy configuration key 'allowed_client_cidrs': '"
                  + cidr
                  + "' needs a prefix length, such as "
                  + cidr
                  + (cidr.indexOf(':') < 0 ? "/32" : "/128")
                  + ".");
        }
      }
    } else if (key.equals("max_report_bytes")
        && (!value.canConvertToExactIntegral() || value.asLong() < 1)) {
      throw new PolicyLoadException(
          "Policy configuration key 'max_report_bytes' must be a whole number of bytes above 0, not "
              + value
              + ".");
    }
  }
}
