package dev.portcullis.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Rego values as Java objects, and OPA's total order over them.
 *
 * <p>{@code null} (the Java reference) is <em>undefined</em>; {@link #NULL} is JSON null; booleans
 * are {@link Boolean}; numbers are {@link Long} when integral and in range, otherwise a {@link
 * BigDecimal} without trailing zeros (so that equal numbers are equal objects); strings are {@link
 * String}; arrays are {@link List}; objects are {@link TreeMap}s and sets {@link TreeSet}s ordered
 * by {@link #ORDER}, which is OPA's order, so iteration is in OPA's (sorted) order.
 *
 * <p>Values an evaluation makes are mutable while the plan builds them (as in OPA's own wasm
 * runtime); the input and data documents are never mutated. Thread-safe: stateless.
 */
final class Values {

  /** JSON null. */
  static final Object NULL = Null.NULL;

  /** OPA's total order: null < boolean < number < string < array < object < set. */
  static final Comparator<Object> ORDER = Values::compare;

  private static final JsonFactory JSON = new JsonFactory();

  private enum Null {
    NULL;

    @Override
    public String toString() {
      return "null";
    }
  }

  private Values() {}

  static TreeMap<Object, Object> newObject() {
    return new TreeMap<>(ORDER);
  }

  static TreeSet<Object> newSet() {
    return new TreeSet<>(ORDER);
  }

  /** The canonical number for {@code value}. */
  static Object number(BigDecimal value) {
    BigDecimal stripped = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    if (stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 18) {
      return stripped.longValueExact();
    }
    if (stripped.scale() <= 0) {
      BigInteger integer = stripped.toBigIntegerExact();
      if (integer.bitLength() < 64) {
        return integer.longValue();
      }
    }
    return stripped;
  }

  /** The number a JSON/Rego number literal denotes; null when it is not one. */
  static Object parseNumber(String text) {
    try {
      return number(new BigDecimal(text));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static boolean isNumber(Object value) {
    return value instanceof Long || value instanceof BigDecimal;
  }

  static BigDecimal decimal(Object number) {
    return number instanceof Long ? BigDecimal.valueOf((Long) number) : (BigDecimal) number;
  }

  static boolean equal(Object a, Object b) {
    return compare(a, b) == 0;
  }

  private static int rank(Object value) {
    if (value == NULL) {
      return 0;
    } else if (value instanceof Boolean) {
      return 1;
    } else if (value instanceof Long || value instanceof BigDecimal) {
      return 2;
    } else if (value instanceof String) {
      return 3;
    } else if (value instanceof List) {
      return 4;
    } else if (value instanceof Map) {
      return 5;
    } else if (value instanceof Set) {
      return 6;
    }
    throw new IllegalArgumentException("not a Rego value: " + value.getClass().getName());
  }

  @SuppressWarnings("unchecked")
  static int compare(Object a, Object b) {
    if (a == b) {
      return 0;
    }
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb) {
      return Integer.compare(ra, rb);
    }
    switch (ra) {
      case 0:
        return 0;
      case 1:
        return Boolean.compare((Boolean) a, (Boolean) b);
      case 2:
        if (a instanceof Long && b instanceof Long) {
          return Long.compare((Long) a, (Long) b);
        }
        return decimal(a).compareTo(decimal(b));
      case 3:
        return compareStrings((String) a, (String) b);
      case 4:
        return compareSequences(((List<Object>) a).iterator(), ((List<Object>) b).iterator());
      case 5:
        return compareObjects((Map<Object, Object>) a, (Map<Object, Object>) b);
      default:
        return compareSequences(((Set<Object>) a).iterator(), ((Set<Object>) b).iterator());
    }
  }

  /** Go compares strings by their UTF-8 bytes, which is code point order (not UTF-16 order). */
  static int compareStrings(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (Character.isSurrogate(x) || Character.isSurrogate(y)) {
          return Integer.compare(a.codePointAt(i), b.codePointAt(i));
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static int compareSequences(Iterator<Object> a, Iterator<Object> b) {
    while (a.hasNext() && b.hasNext()) {
      int c = compare(a.next(), b.next());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(a.hasNext(), b.hasNext());
  }

  private static int compareObjects(Map<Object, Object> a, Map<Object, Object> b) {
    Iterator<Map.Entry<Object, Object>> x = sorted(a).entrySet().iterator();
    Iterator<Map.Entry<Object, Object>> y = sorted(b).entrySet().iterator();
    while (x.hasNext() && y.hasNext()) {
      Map.Entry<Object, Object> ex = x.next();
      Map.Entry<Object, Object> ey = y.next();
      int c = compare(ex.getKey(), ey.getKey());
      if (c != 0) {
        return c;
      }
      c = compare(ex.getValue(), ey.getValue());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  }

  private static Map<Object, Object> sorted(Map<Object, Object> map) {
    if (map instanceof TreeMap) {
      return map;
    }
    TreeMap<Object, Object> copy = newObject();
    copy.putAll(map);
    return copy;
  }

  /**
   * The member of an object, array or set under {@code key}, as OPA's {@code x[key]} reads it: the
   * object's value, the array's element at an in-range integer index, the set's element itself;
   * null (undefined) for anything else.
   */
  @SuppressWarnings("unchecked")
  static Object member(Object collection, Object key) {
    if (collection instanceof Map) {
      return ((Map<Object, Object>) collection).get(key);
    }
    if (collection instanceof List && key instanceof Long) {
      long i = (Long) key;
      List<Object> list = (List<Object>) collection;
      return i >= 0 && i < list.size() ? list.get((int) i) : null;
    }
    if (collection instanceof Set && ((Set<Object>) collection).contains(key)) {
      return key;
    }
    return null;
  }

  static String typeName(Object value) {
    switch (rank(value)) {
      case 0:
        return "null";
      case 1:
        return "boolean";
      case 2:
        return "number";
      case 3:
        return "string";
      case 4:
        return "array";
      case 5:
        return "object";
      default:
        return "set";
    }
  }

  /** Parses one JSON document into values. */
  static Object parseJson(String json) throws IOException {
    try (JsonParser parser = JSON.createParser(json)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new IOException("empty document");
      }
      Object value = read(parser, token);
      if (parser.nextToken() != null) {
        throw new IOException("trailing content");
      }
      return value;
    }
  }

  private static Object read(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        {
          TreeMap<Object, Object> object = newObject();
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            object.put(key, read(parser, parser.nextToken()));
          }
          return object;
        }
      case START_ARRAY:
        {
          List<Object> array = new ArrayList<>();
          JsonToken next;
          while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
            array.add(read(parser, next));
          }
          return array;
        }
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return number(new BigDecimal(parser.getText()));
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw new IOException("unexpected JSON token " + token);
    }
  }

  private static void appendString(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  /** The value as JSON text (sets as arrays), for messages and tests. */
  @SuppressWarnings("unchecked")
  static String toJson(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("<undefined>");
    } else if (value instanceof String) {
      appendString((String) value, out);
    } else if (value instanceof BigDecimal) {
      out.append(((BigDecimal) value).toPlainString());
    } else if (value instanceof List || value instanceof Set) {
      out.append('[');
      boolean first = true;
      for (Object element : (Iterable<Object>) value) {
        out.append(first ? "" : ",");
        first = false;
        write(element, out);
      }
      out.append(']');
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<Object, Object> e : ((Map<Object, Object>) value).entrySet()) {
        out.append(first ? "" : ",");
        first = false;
        if (e.getKey() instanceof String) {
          write(e.getKey(), out);
        } else {
          appendString(toJson(e.getKey()), out);
        }
        out.append(':');
        write(e.getValue(), out);
      }
      out.append('}');
    } else {
      out.append(value);
    }
  }
}
