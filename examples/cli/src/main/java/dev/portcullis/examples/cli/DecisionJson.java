package dev.portcullis.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.Decision;
import java.util.TreeSet;

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
      if (decision.maxBodyBytes() != Decision.NO_BODY_LIMIT) {
        node.put("max_body_bytes", decision.maxBodyBytes());
      }
      if (!decision.bodyParts().isEmpty()) {
        new TreeSet<>(decision.bodyParts()).forEach(node.putArray("body_parts")::add);
      }
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
