package dev.portcullis.plan;

import dev.portcullis.Decision;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a plan's result set into a {@link Decision} exactly as the wasm engine reads its JSON
 * result set: only a single result whose {@code allow} is exactly {@code true} (and whose other
 * fields, if present, are well-formed) allows; an empty result set is {@code
 * policy_result_undefined}, anything else malformed {@code policy_result_malformed}. Thread-safe:
 * stateless.
 */
final class DecisionValues {

  private static final String UNDEFINED = "policy_result_undefined";
  private static final String MALFORMED = "policy_result_malformed";

  private DecisionValues() {}

  static Decision read(Set<Object> results) {
    if (results.isEmpty()) {
      return Decision.deny(500, UNDEFINED, "The policy produced no decision.");
    }
    if (results.size() != 1) {
      return malformed();
    }
    Object first = results.iterator().next();
    if (!(first instanceof Map)) {
      return malformed();
    }
    Object result = ((Map<?, ?>) first).get("result");
    if (!(result instanceof Map)) {
      return malformed();
    }
    Map<?, ?> decision = (Map<?, ?>) result;
    Object allow = decision.get("allow");
    if (!(allow instanceof Boolean)) {
      return malformed();
    }
    Integer status = null;
    if (decision.containsKey("status")) {
      Object s = decision.get("status");
      if (!(s instanceof Long) || (Long) s < Integer.MIN_VALUE || (Long) s > Integer.MAX_VALUE) {
        return malformed();
      }
      status = (int) (long) (Long) s;
    }
    List<String> reasons = null;
    if (decision.containsKey("reasons")) {
      Object r = decision.get("reasons");
      if (!(r instanceof List)) {
        return malformed();
      }
      reasons = new ArrayList<>(2);
      for (Object reason : (List<?>) r) {
        if (!(reason instanceof String) || ((String) reason).isEmpty()) {
          return malformed();
        }
        reasons.add((String) reason);
      }
    }
    String message = null;
    if (decision.containsKey("message")) {
      Object m = decision.get("message");
      if (!(m instanceof String)) {
        return malformed();
      }
      message = (String) m;
    }
    long maxBodyBytes = Decision.NO_BODY_LIMIT;
    if (decision.containsKey("max_body_bytes")) {
      Object m = decision.get("max_body_bytes");
      if (!(m instanceof Long) || (Long) m < 0) {
        return malformed();
      }
      maxBodyBytes = (Long) m;
    }
    Set<String> bodyParts = new HashSet<>(2);
    if (decision.containsKey("body_parts")) {
      Object parts = decision.get("body_parts");
      if (!(parts instanceof Collection)) {
        return malformed();
      }
      for (Object part : (Collection<?>) parts) {
        if (!(part instanceof String) || !Decision.isBodyPartName((String) part)) {
          return malformed();
        }
        bodyParts.add((String) part);
      }
    }
    if ((Boolean) allow) {
      if (status != null && status != 200) {
        return malformed();
      }
      return Decision.allow(
              reasons == null || reasons.isEmpty() ? List.of("allowed_by_policy") : reasons,
              message == null ? "Allowed." : message)
          .withMaxBodyBytes(maxBodyBytes)
          .withBodyParts(bodyParts);
    }
    if (status == null || status < 400 || status > 599) {
      return malformed();
    }
    return Decision.deny(
        status,
        reasons == null || reasons.isEmpty() ? List.of("denied_by_policy") : reasons,
        message == null ? "Denied by policy." : message);
  }

  private static Decision malformed() {
    return Decision.deny(500, MALFORMED, "The policy produced a malformed decision.");
  }
}
