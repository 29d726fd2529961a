package dev.portcullis.policies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * How a data document given by the user goes over another (the defaults, a bundle's {@code
 * data.json}): objects merge key by key, anything else (a list, a string, a number) replaces. The
 * one rule for the bundled policy's data and for a user's {@code --policy} bundle.
 */
public final class DataMerge {

  private DataMerge() {}

  /** Merges {@code overlay} into {@code target}, which it changes. */
  public static void deepMerge(ObjectNode target, ObjectNode overlay) {
    for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode existing = target.get(field.getKey());
      if (existing instanceof ObjectNode && field.getValue() instanceof ObjectNode) {
        deepMerge((ObjectNode) existing, (ObjectNode) field.getValue());
      } else {
        target.set(field.getKey(), field.getValue());
      }
    }
  }
}
