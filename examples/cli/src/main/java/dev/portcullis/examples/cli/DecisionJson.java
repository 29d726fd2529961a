package dev.portcullis.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.Decision;

/** Writes a decision as the CLI's one-line JSON object. */
final class DecisionJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private DecisionJson() {}

  static String write(Decision decision) {
    ObjectNode node = JSON.createObjectNode();
    node.put("allow", decision.allow());
    node.put("status", decision.status());
    decision.reasons().forEach(node.putArray("reasons")::add);
    node.put("message", decision.message());
    if (decision.allow()) {
      node.put("forward_target", decision.forwardTarget());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
