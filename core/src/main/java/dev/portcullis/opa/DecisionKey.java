package dev.portcullis.opa;

import dev.portcullis.PolicyInput;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the decision cache looks a decision up by: the values of the input fields the policy reads,
 * compared by value, built from the {@link PolicyInput} record without writing any JSON.
 *
 * <p>Without a declaration the key is the whole input (records compare every component, so a field
 * added to {@link PolicyInput} later is in the key too). With one, it is the declared fields'
 * values in a fixed order; every key of one engine uses the same fields, so a value can only be
 * compared with the same field's value.
 *
 * <p>Immutable and thread-safe: it holds the input's own immutable values.
 */
final class DecisionKey {

  /** Fixed overhead of a cache entry besides its key: the decision, Caffeine's node. */
  private static final int ENTRY_OVERHEAD_BYTES = 256;

  private final Object[] values;
  private final int hash;

  private DecisionKey(Object[] values) {
    this.values = values;
    this.hash = Arrays.hashCode(values);
  }

  /** Makes the keys of one engine from its policy's declaration. */
  static Maker maker(Set<InputField> declared) {
    if (declared.containsAll(InputField.ALL)) {
      return input -> new DecisionKey(new Object[] {input});
    }
    InputField[] fields = declared.toArray(new InputField[0]);
    Arrays.sort(fields);
    return input -> {
      Object[] values = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) {
        values[i] = fields[i].valueIn(input);
      }
      return new DecisionKey(values);
    };
  }

  /** Builds the key of an input. */
  @FunctionalInterface
  interface Maker {
    DecisionKey of(PolicyInput input);
  }

  /**
   * About how many bytes this key and its cache entry keep alive: strings at two bytes a char (an
   * upper bound), collections with their nodes. An estimate for the cache's weight bound, not a
   * measurement.
   */
  int weight() {
    long bytes = ENTRY_OVERHEAD_BYTES + 16L + 16L + 4L * values.length;
    for (Object value : values) {
      bytes += estimate(value);
    }
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  private static long estimate(Object value) {
    if (value instanceof String text) {
      return 40L + 2L * text.length();
    }
    if (value instanceof List<?> list) {
      long bytes = 32L;
      for (Object element : list) {
        bytes += 4 + estimate(element);
      }
      return bytes;
    }
    if (value instanceof Map<?, ?> map) {
      long bytes = 48L;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        bytes += 40 + estimate(entry.getKey()) + estimate(entry.getValue());
      }
      return bytes;
    }
    if (value instanceof PolicyInput input) {
      long bytes = 5 * 24L; // the input, request, body, client and credential records
      for (InputField field : InputField.values()) {
        bytes += estimate(field.valueIn(input));
      }
      return bytes;
    }
    return 16L; // a boxed number, a boolean or an enum constant
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DecisionKey key
        && key.hash == hash
        && Arrays.equals(key.values, values);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    // No values: they come from a request and do not belong in a log line.
    return "DecisionKey[" + values.length + " fields]";
  }
}
