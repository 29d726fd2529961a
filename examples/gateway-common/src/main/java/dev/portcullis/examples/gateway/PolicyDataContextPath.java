package dev.portcullis.examples.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * SonarQube's context path, said once: in the upstream URL ({@code --upstream
 * http://host:9000/sonarqube}) or in the policy data's {@code context_path}. The policy judges
 * paths relative to it and the verifier asks SonarQube's validate endpoint under it, so both must
 * agree.
 */
final class PolicyDataContextPath {

  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyDataContextPath() {}

  /**
   * The policy data with the upstream's context path written in when the data names none; unchanged
   * when the upstream has none.
   *
   * @throws IllegalArgumentException when the data names another context path than the upstream URL
   */
  static String reconcile(String policyData, String upstreamContextPath) {
    if (upstreamContextPath.isEmpty()) {
      return policyData;
    }
    String inData = of(policyData);
    if (!inData.isEmpty() && !inData.equals(upstreamContextPath)) {
      throw new IllegalArgumentException(
          "--upstream names the context path "
              + upstreamContextPath
              + " but the policy data's context_path is "
              + inData
              + "; say it once, or make them equal");
    }
    ObjectNode data = parse(policyData == null ? "{}" : policyData);
    ObjectNode config = child(child(child(data, "portcullis"), "sonarqube"), "config");
    config.put("context_path", upstreamContextPath);
    return data.toString();
  }

  /** The normalized context path the policy data names ("" or "/a/b"), "" when it names none. */
  static String of(String policyData) {
    if (policyData == null) {
      return "";
    }
    JsonNode setting =
        parse(policyData).path("portcullis").path("sonarqube").path("config").path("context_path");
    if (!setting.isTextual()) {
      return ""; // absent, or of the wrong type: the policy's own validation says so at load
    }
    String trimmed = setting.asText().replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? "" : "/" + trimmed;
  }

  private static ObjectNode parse(String policyData) {
    try {
      JsonNode node = JSON.readTree(policyData);
      if (node instanceof ObjectNode) {
        return (ObjectNode) node;
      }
    } catch (JsonProcessingException e) {
      // the policy's loader reports the exact problem
    }
    throw new IllegalArgumentException("--data is not a JSON object");
  }

  private static ObjectNode child(ObjectNode parent, String name) {
    JsonNode child = parent.get(name);
    if (child instanceof ObjectNode) {
      return (ObjectNode) child;
    }
    if (child != null) {
      throw new IllegalArgumentException("--data: \"" + name + "\" is not an object");
    }
    return parent.putObject(name);
  }
}
