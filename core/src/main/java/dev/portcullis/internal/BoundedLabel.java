package dev.portcullis.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a metric label's values few: a value is used as it is only when it is a snake_case code of
 * at most 64 characters and one of the first {@code limit} distinct ones seen; anything else is
 * {@value #OTHER}. Reason codes come from a fixed catalogue, but a policy is user code, so the
 * bound does not rely on it.
 *
 * <p>Not for public use. Thread-safe.
 */
public final class BoundedLabel {

  /** The value that stands for anything not kept. */
  public static final String OTHER = "other";

  private final int limit;
  private final Set<String> kept = ConcurrentHashMap.newKeySet();

  public BoundedLabel(int limit) {
    this.limit = limit;
  }

  /** {@code value}, or {@value #OTHER} when it is not a code or too many values came before it. */
  public String of(String value) {
    if (kept.contains(value)) {
      return value;
    }
    if (!isCode(value)) {
      return OTHER;
    }
    synchronized (kept) {
      if (kept.size() < limit) {
        kept.add(value);
        return value;
      }
    }
    return OTHER;
  }

  private static boolean isCode(String value) {
    if (value == null || value.isEmpty() || value.length() > 64) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }
}
