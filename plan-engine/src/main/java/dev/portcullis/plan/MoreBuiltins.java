package dev.portcullis.plan;

import dev.portcullis.PolicyEvaluationException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Built-ins added after the first set ({@link Builtins}), with OPA's semantics as {@code opa eval}
 * shows them. Where OPA gives a value this engine cannot represent exactly (a string of invalid
 * UTF-8, a number that is not JSON), the call is an {@code engine_error}: a deny, never a different
 * answer.
 */
final class MoreBuiltins {

  private static final Builtins.BuiltinError ERROR = new Builtins.BuiltinError();

  /** A JSON number, which OPA keeps and this engine can hold exactly. */
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  /**
   * What Go's strconv.ParseFloat also accepts though it is no JSON number ({@code +1}, {@code .5},
   * {@code 007}, {@code 1_000}, hex floats): OPA then holds a number it cannot even print.
   */
  private static final Pattern GO_ONLY_NUMBER =
      Pattern.compile(
          "[+-]?(([0-9_]*\\.?[0-9_]*([eE][+-]?[0-9_]+)?)|(0[xX][0-9a-fA-F_]*\\.?[0-9a-fA-F_]*[pP][+-]?[0-9_]+))");

  private MoreBuiltins() {}

  static void register(Map<String, Builtins.Builtin> r) {
    r.put("to_number", (ev, a) -> toNumber(a[0]));
    r.put("format_int", (ev, a) -> formatInt(a[0], a[1]));
    r.put("base64.encode", (ev, a) -> Base64.getEncoder().encodeToString(utf8(a[0])));
    r.put("base64url.encode", (ev, a) -> Base64.getUrlEncoder().encodeToString(utf8(a[0])));
    r.put("base64.decode", (ev, a) -> text(base64Decode(str(a[0]))));
    r.put("base64url.decode", (ev, a) -> text(base64UrlDecode(str(a[0]))));
    r.put("base64.is_valid", (ev, a) -> isValidBase64(str(a[0])));
    r.put("json.is_valid", (ev, a) -> a[0] instanceof String && parsed((String) a[0]) != null);
    r.put("json.unmarshal", (ev, a) -> unmarshal(str(a[0])));
    r.put("object.union_n", (ev, a) -> unionN(a[0]));
    r.put("object.filter", (ev, a) -> objectFilter(a[0], a[1]));
    r.put("json.filter", (ev, a) -> jsonFilter(a[0], a[1]));
    r.put("array.flatten", (ev, a) -> flatten(a[0]));
    r.put("strings.replace_n", (ev, a) -> replaceN(a[0], a[1]));
    r.put("bits.and", (ev, a) -> Values.number(new BigDecimal(bigInt(a[0]).and(bigInt(a[1])))));
    r.put("bits.or", (ev, a) -> Values.number(new BigDecimal(bigInt(a[0]).or(bigInt(a[1])))));
    r.put("bits.xor", (ev, a) -> Values.number(new BigDecimal(bigInt(a[0]).xor(bigInt(a[1])))));
    r.put("bits.negate", (ev, a) -> Values.number(new BigDecimal(bigInt(a[0]).not())));
    r.put("bits.lsh", (ev, a) -> shift(a[0], a[1], true));
    r.put("bits.rsh", (ev, a) -> shift(a[0], a[1], false));
    r.put("net.cidr_intersects", (ev, a) -> cidrIntersects(a[0], a[1]));
    r.put("graph.reachable", (ev, a) -> reachable(a[0], a[1]));
  }

  // ---------------------------------------------------------------- operand checks

  private static String str(Object v) {
    if (!(v instanceof String)) {
      throw ERROR;
    }
    return (String) v;
  }

  private static byte[] utf8(Object v) {
    return str(v).getBytes(StandardCharsets.UTF_8);
  }

  private static PolicyEvaluationException unsupported(String what) {
    return new PolicyEvaluationException(
        500, "engine_error", "policy evaluation failed: " + what + " is not supported");
  }

  // ---------------------------------------------------------------- numbers

  private static Object toNumber(Object v) {
    if (v == Values.NULL) {
      return 0L;
    }
    if (v instanceof Boolean) {
      return (Boolean) v ? 1L : 0L;
    }
    if (Values.isNumber(v)) {
      return v;
    }
    String s = str(v);
    if (JSON_NUMBER.matcher(s).matches()) {
      return Values.number(new BigDecimal(s));
    }
    if (s.chars().anyMatch(c -> c >= '0' && c <= '9') && GO_ONLY_NUMBER.matcher(s).matches()) {
      throw unsupported("to_number of '" + s + "' (not a JSON number)");
    }
    throw ERROR;
  }

  private static Object formatInt(Object n, Object base) {
    if (!Values.isNumber(n) || !Values.isNumber(base)) {
      throw ERROR;
    }
    BigDecimal b = Values.decimal(base);
    int radix;
    if (b.compareTo(BigDecimal.valueOf(2)) == 0) {
      radix = 2;
    } else if (b.compareTo(BigDecimal.valueOf(8)) == 0) {
      radix = 8;
    } else if (b.compareTo(BigDecimal.TEN) == 0) {
      radix = 10;
    } else if (b.compareTo(BigDecimal.valueOf(16)) == 0) {
      radix = 16;
    } else {
      throw ERROR;
    }
    return Values.decimal(n).setScale(0, RoundingMode.DOWN).toBigInteger().toString(radix);
  }

  private static BigInteger bigInt(Object v) {
    if (!Values.isNumber(v)) {
      throw ERROR;
    }
    BigDecimal d = Values.decimal(v);
    if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
      throw ERROR;
    }
    return d.toBigInteger();
  }

  private static Object shift(Object value, Object by, boolean left) {
    BigInteger x = bigInt(value);
    BigInteger n = bigInt(by);
    if (n.signum() < 0) {
      throw ERROR;
    }
    if (n.bitLength() > 16) {
      throw unsupported("a shift by " + n);
    }
    int bits = n.intValueExact();
    return Values.number(new BigDecimal(left ? x.shiftLeft(bits) : x.shiftRight(bits)));
  }

  // ---------------------------------------------------------------- base64 and JSON

  /** Go's StdEncoding: padding required, CR and LF ignored. */
  private static byte[] base64Decode(String s) {
    String t = s.replace("\r", "").replace("\n", "");
    if (t.length() % 4 != 0) {
      throw ERROR;
    }
    try {
      return Base64.getDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw ERROR;
    }
  }

  /** OPA: URL alphabet, padded when the length is a multiple of 4, unpadded otherwise. */
  private static byte[] base64UrlDecode(String s) {
    String t = s.replace("\r", "").replace("\n", "");
    if (t.length() % 4 != 0 && t.indexOf('=') >= 0) {
      throw ERROR;
    }
    try {
      return Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw ERROR;
    }
  }

  private static boolean isValidBase64(String s) {
    try {
      base64Decode(s);
      return true;
    } catch (Builtins.BuiltinError e) {
      return false;
    }
  }

  /** Decoded bytes as a string; invalid UTF-8 (which OPA would keep as is) is not supported. */
  private static String text(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw unsupported("a base64 decoding to invalid UTF-8");
    }
  }

  /** The JSON document's value, or null when it is not valid JSON. */
  private static Object parsed(String json) {
    try {
      return Values.parseJson(json);
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw unsupported("JSON beyond the parser's limits (" + e.getMessage() + ")");
    } catch (IOException e) {
      return null;
    }
  }

  private static Object unmarshal(String json) {
    Object value = parsed(json);
    if (value == null) {
      throw ERROR;
    }
    return value;
  }

  // ---------------------------------------------------------------- objects and arrays

  private static Object unionN(Object objects) {
    if (!(objects instanceof List)) {
      throw ERROR;
    }
    Object out = Values.newObject();
    for (Object o : (List<?>) objects) {
      if (!(o instanceof Map)) {
        throw ERROR;
      }
      out = Builtins.mergeObjects(out, o);
    }
    return out;
  }

  private static Object objectFilter(Object object, Object keys) {
    if (!(object instanceof Map)) {
      throw ERROR;
    }
    Iterable<?> wanted;
    if (keys instanceof Map) {
      wanted = ((Map<?, ?>) keys).keySet();
    } else if (keys instanceof List || keys instanceof Set) {
      wanted = (Iterable<?>) keys;
    } else {
      throw ERROR;
    }
    Map<?, ?> source = (Map<?, ?>) object;
    TreeMap<Object, Object> out = Values.newObject();
    for (Object key : wanted) {
      Object value = source.get(key);
      if (value != null) {
        out.put(key, value);
      }
    }
    return out;
  }

  /** A leaf of a json.filter path tree: the whole value there is kept. */
  private static final Map<Object, Object> KEEP = Map.of();

  /**
   * OPA's json.filter on objects: the paths ("a/b" or ["a", "b"]) form a tree, a shorter path keeps
   * all below it, a path that runs past a scalar keeps the scalar, a missing key is dropped. Array
   * elements are kept by their index as a decimal string ("a/2"). Filtering through a set, and
   * escapes in paths, are not supported (engine_error).
   */
  private static Object jsonFilter(Object object, Object paths) {
    if (!(object instanceof Map) || !(paths instanceof List || paths instanceof Set)) {
      throw ERROR;
    }
    TreeMap<Object, Object> tree = Values.newObject();
    for (Object path : (Iterable<?>) paths) {
      List<Object> keys = new ArrayList<>();
      if (path instanceof String) {
        String p = (String) path;
        if (p.indexOf('~') >= 0 || p.indexOf('%') >= 0) {
          throw unsupported("json.filter with an escape in path '" + p + "'");
        }
        int from = 0;
        int to = p.length();
        while (from < to && p.charAt(from) == '/') {
          from++;
        }
        while (to > from && p.charAt(to - 1) == '/') {
          to--;
        }
        keys.addAll(List.of(p.substring(from, to).split("/", -1)));
      } else if (path instanceof List) {
        keys.addAll((List<?>) path);
      } else {
        throw ERROR;
      }
      insertPath(tree, keys);
    }
    return filter(object, tree);
  }

  @SuppressWarnings("unchecked")
  private static void insertPath(Map<Object, Object> tree, List<Object> keys) {
    Map<Object, Object> node = tree;
    for (int i = 0; i < keys.size(); i++) {
      Object key = keys.get(i);
      Object child = node.get(key);
      if (child == KEEP) {
        return;
      }
      if (i == keys.size() - 1) {
        node.put(key, KEEP);
        return;
      }
      if (child == null) {
        child = Values.newObject();
        node.put(key, child);
      }
      node = (Map<Object, Object>) child;
    }
  }

  @SuppressWarnings("unchecked")
  private static Object filter(Object value, Map<Object, Object> tree) {
    if (tree == KEEP) {
      return value;
    }
    if (value instanceof Set) {
      throw unsupported("json.filter through a set");
    }
    if (value instanceof List) {
      // Elements whose index, as a decimal string, is a key; compacted in index order.
      List<?> elements = (List<?>) value;
      List<Object> kept = new ArrayList<>();
      for (int i = 0; i < elements.size(); i++) {
        Object child = tree.get(String.valueOf(i));
        if (child != null) {
          kept.add(filter(elements.get(i), (Map<Object, Object>) child));
        }
      }
      return kept;
    }
    if (!(value instanceof Map)) {
      return value;
    }
    Map<Object, Object> source = (Map<Object, Object>) value;
    TreeMap<Object, Object> out = Values.newObject();
    for (Map.Entry<Object, Object> e : tree.entrySet()) {
      Object child = source.get(e.getKey());
      if (child != null) {
        out.put(e.getKey(), filter(child, (Map<Object, Object>) e.getValue()));
      }
    }
    return out;
  }

  /** One level: array elements that are arrays are spliced in. */
  private static Object flatten(Object array) {
    if (!(array instanceof List)) {
      throw ERROR;
    }
    List<Object> out = new ArrayList<>();
    for (Object element : (List<?>) array) {
      if (element instanceof List) {
        out.addAll((List<?>) element);
      } else {
        out.add(element);
      }
    }
    return out;
  }

  /**
   * Go's strings.NewReplacer with the pairs in key order: left to right, no overlaps, at each
   * position the first key (in order) that matches.
   */
  private static Object replaceN(Object patterns, Object value) {
    if (!(patterns instanceof Map)) {
      throw ERROR;
    }
    String s = str(value);
    List<String[]> pairs = new ArrayList<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) patterns).entrySet()) {
      String key = str(e.getKey());
      String replacement = str(e.getValue());
      if (key.isEmpty()) {
        throw unsupported("strings.replace_n with an empty pattern");
      }
      pairs.add(new String[] {key, replacement});
    }
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    outer:
    while (i < s.length()) {
      for (String[] pair : pairs) {
        if (s.startsWith(pair[0], i)) {
          out.append(pair[1]);
          i += pair[0].length();
          continue outer;
        }
      }
      out.append(s.charAt(i));
      i++;
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- patterns, networks, graphs

  /** OPA: either network contains the other's address. */
  private static Object cidrIntersects(Object a, Object b) {
    GoNet.Net first = GoNet.parseCidr(str(a));
    GoNet.Net second = GoNet.parseCidr(str(b));
    if (first == null || second == null) {
      throw ERROR;
    }
    return GoNet.contains(first, second.ip()) || GoNet.contains(second, first.ip());
  }

  /** The nodes of {@code graph} reachable from {@code initial} (nodes that are keys only). */
  private static Object reachable(Object graph, Object initial) {
    if (!(graph instanceof Map) || !(initial instanceof List || initial instanceof Set)) {
      throw ERROR;
    }
    Map<?, ?> edges = (Map<?, ?>) graph;
    TreeSet<Object> reached = Values.newSet();
    Deque<Object> queue = new ArrayDeque<>();
    ((Iterable<?>) initial).forEach(queue::add);
    while (!queue.isEmpty()) {
      Object node = queue.poll();
      Object next = edges.get(node);
      if (next == null || !reached.add(node)) {
        continue;
      }
      if (next instanceof List || next instanceof Set) {
        ((Iterable<?>) next).forEach(queue::add);
      }
    }
    return reached;
  }
}
