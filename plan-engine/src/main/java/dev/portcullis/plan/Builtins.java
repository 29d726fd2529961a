package dev.portcullis.plan;

import dev.portcullis.PolicyEvaluationException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in functions the plan engine implements, with OPA's semantics (Go's strings, runes and
 * numbers). A built-in returns {@code null} when its result is undefined and throws {@link
 * BuiltinError} for what OPA reports as a built-in error, which (OPA's default, non-strict mode)
 * also makes the call undefined. A plan that calls any other built-in is refused at load.
 *
 * <p>Thread-safe: stateless apart from the bounded, concurrent caches of compiled patterns.
 */
final class Builtins {

  /** One built-in function. */
  @FunctionalInterface
  interface Builtin {
    Object call(Evaluation ev, Object[] args);
  }

  /** A built-in error: the call is undefined. Cheap: no stack trace. */
  static final class BuiltinError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BuiltinError() {
      super(null, null, false, false);
    }
  }

  private static final BuiltinError ERROR = new BuiltinError();
  private static final Map<String, Builtin> REGISTRY = registry();

  private Builtins() {}

  static Builtin get(String name) {
    return REGISTRY.get(name);
  }

  static Set<String> names() {
    return new TreeSet<>(REGISTRY.keySet());
  }

  private static Map<String, Builtin> registry() {
    Map<String, Builtin> r = new TreeMap<>();
    // comparison
    r.put("eq", (ev, a) -> Values.equal(a[0], a[1]));
    r.put("equal", (ev, a) -> Values.equal(a[0], a[1]));
    r.put("neq", (ev, a) -> !Values.equal(a[0], a[1]));
    r.put("lt", (ev, a) -> Values.compare(a[0], a[1]) < 0);
    r.put("lte", (ev, a) -> Values.compare(a[0], a[1]) <= 0);
    r.put("gt", (ev, a) -> Values.compare(a[0], a[1]) > 0);
    r.put("gte", (ev, a) -> Values.compare(a[0], a[1]) >= 0);
    // types
    r.put("is_array", (ev, a) -> a[0] instanceof List);
    r.put("is_boolean", (ev, a) -> a[0] instanceof Boolean);
    r.put("is_null", (ev, a) -> a[0] == Values.NULL);
    r.put("is_number", (ev, a) -> Values.isNumber(a[0]));
    r.put("is_object", (ev, a) -> a[0] instanceof Map);
    r.put("is_set", (ev, a) -> a[0] instanceof Set);
    r.put("is_string", (ev, a) -> a[0] instanceof String);
    r.put("type_name", (ev, a) -> Values.typeName(a[0]));
    // numbers
    r.put("plus", (ev, a) -> Values.number(num(a[0]).add(num(a[1]))));
    r.put("mul", (ev, a) -> Values.number(num(a[0]).multiply(num(a[1]))));
    r.put("minus", Builtins::minus);
    r.put("abs", (ev, a) -> Values.number(num(a[0]).abs()));
    r.put("floor", (ev, a) -> floorOrCeil(num(a[0]), true));
    r.put("ceil", (ev, a) -> floorOrCeil(num(a[0]), false));
    r.put("round", (ev, a) -> Values.number(num(a[0]).setScale(0, RoundingMode.HALF_UP)));
    r.put("rem", Builtins::rem);
    // aggregates
    r.put("count", Builtins::count);
    r.put("sum", (ev, a) -> aggregate(a[0], true));
    r.put("product", (ev, a) -> aggregate(a[0], false));
    r.put("max", (ev, a) -> extreme(a[0], true));
    r.put("min", (ev, a) -> extreme(a[0], false));
    r.put("sort", Builtins::sort);
    // sets
    r.put("or", (ev, a) -> union(set(a[0]), set(a[1])));
    r.put("and", (ev, a) -> intersection(set(a[0]), set(a[1])));
    r.put("union", Builtins::unionAll);
    r.put("intersection", Builtins::intersectionAll);
    r.put("set_diff", (ev, a) -> difference(set(a[0]), set(a[1])));
    // membership (`in`)
    r.put("internal.member_2", (ev, a) -> member2(a[0], a[1]));
    r.put("internal.member_3", (ev, a) -> member3(a[0], a[1], a[2]));
    // arrays
    r.put("array.concat", Builtins::arrayConcat);
    r.put("array.reverse", Builtins::arrayReverse);
    r.put("array.slice", Builtins::arraySlice);
    // objects
    r.put("object.get", Builtins::objectGet);
    r.put("object.keys", Builtins::objectKeys);
    r.put("object.union", (ev, a) -> mergeObjects(object(a[0]), object(a[1])));
    r.put("object.remove", Builtins::objectRemove);
    r.put("json.remove", Builtins::jsonRemove);
    r.put("numbers.range", Builtins::numbersRange);
    r.put("urlquery.decode_object", Builtins::urlqueryDecodeObject);
    // strings
    r.put("concat", Builtins::concat);
    r.put("contains", (ev, a) -> str(a[0]).contains(str(a[1])));
    r.put("startswith", (ev, a) -> str(a[0]).startsWith(str(a[1])));
    r.put("endswith", (ev, a) -> str(a[0]).endsWith(str(a[1])));
    r.put("lower", (ev, a) -> mapCodePoints(str(a[0]), true));
    r.put("upper", (ev, a) -> mapCodePoints(str(a[0]), false));
    r.put("indexof", Builtins::indexOf);
    r.put("substring", Builtins::substring);
    r.put("replace", Builtins::replace);
    r.put("split", Builtins::split);
    r.put("strings.reverse", Builtins::reverse);
    r.put("trim", (ev, a) -> trim(str(a[0]), str(a[1]), true, true));
    r.put("trim_left", (ev, a) -> trim(str(a[0]), str(a[1]), true, false));
    r.put("trim_right", (ev, a) -> trim(str(a[0]), str(a[1]), false, true));
    r.put("trim_prefix", Builtins::trimPrefix);
    r.put("trim_suffix", Builtins::trimSuffix);
    r.put("trim_space", (ev, a) -> trimSpace(str(a[0])));
    // patterns and networks
    r.put("regex.match", Builtins::regexMatch);
    r.put("glob.match", Builtins::globMatch);
    r.put("net.cidr_contains", Builtins::cidrContains);
    MoreBuiltins.register(r);
    return Collections.unmodifiableMap(r);
  }

  // ---------------------------------------------------------------- operand checks

  private static String str(Object v) {
    if (!(v instanceof String)) {
      throw ERROR;
    }
    return (String) v;
  }

  private static BigDecimal num(Object v) {
    if (!Values.isNumber(v)) {
      throw ERROR;
    }
    return Values.decimal(v);
  }

  @SuppressWarnings("unchecked")
  private static Set<Object> set(Object v) {
    if (!(v instanceof Set)) {
      throw ERROR;
    }
    return (Set<Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> object(Object v) {
    if (!(v instanceof Map)) {
      throw ERROR;
    }
    return (Map<Object, Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> array(Object v) {
    if (!(v instanceof List)) {
      throw ERROR;
    }
    return (List<Object>) v;
  }

  private static long integer(Object v) {
    if (!(v instanceof Long)) {
      throw ERROR;
    }
    return (Long) v;
  }

  // ---------------------------------------------------------------- numbers and aggregates

  private static Object minus(Evaluation ev, Object[] a) {
    if (a[0] instanceof Set && a[1] instanceof Set) {
      return difference(set(a[0]), set(a[1]));
    }
    return Values.number(num(a[0]).subtract(num(a[1])));
  }

  /**
   * OPA's floor and ceil: truncate toward zero, then step away when there was a fraction, deciding
   * the direction by the truncated value's sign. So, as {@code opa eval} answers, {@code
   * floor(-0.5)} is 0 and {@code ceil(-0.5)} is 1.
   */
  private static Object floorOrCeil(BigDecimal x, boolean floor) {
    BigDecimal truncated = x.setScale(0, RoundingMode.DOWN);
    if (truncated.compareTo(x) == 0) {
      return Values.number(truncated);
    }
    if (floor && truncated.signum() < 0) {
      truncated = truncated.subtract(BigDecimal.ONE);
    } else if (!floor && truncated.signum() >= 0) {
      truncated = truncated.add(BigDecimal.ONE);
    }
    return Values.number(truncated);
  }

  private static Object rem(Evaluation ev, Object[] a) {
    BigDecimal x = num(a[0]);
    BigDecimal y = num(a[1]);
    if (x.stripTrailingZeros().scale() > 0 || y.stripTrailingZeros().scale() > 0) {
      throw ERROR; // modulo on floating-point number
    }
    if (y.signum() == 0) {
      throw ERROR; // modulo by zero
    }
    return Values.number(x.remainder(y)); // truncated, the sign of x: Go's big.Int.Rem
  }

  @SuppressWarnings("unchecked")
  private static Object count(Evaluation ev, Object[] a) {
    Object v = a[0];
    if (v instanceof String) {
      String s = (String) v;
      return (long) s.codePointCount(0, s.length());
    } else if (v instanceof List) {
      return (long) ((List<Object>) v).size();
    } else if (v instanceof Map) {
      return (long) ((Map<Object, Object>) v).size();
    } else if (v instanceof Set) {
      return (long) ((Set<Object>) v).size();
    }
    throw ERROR;
  }

  @SuppressWarnings("unchecked")
  private static Iterable<Object> collection(Object v) {
    if (v instanceof List || v instanceof Set) {
      return (Iterable<Object>) v;
    }
    throw ERROR;
  }

  private static Object aggregate(Object v, boolean sum) {
    BigDecimal acc = sum ? BigDecimal.ZERO : BigDecimal.ONE;
    for (Object element : collection(v)) {
      acc = sum ? acc.add(num(element)) : acc.multiply(num(element));
    }
    return Values.number(acc);
  }

  private static Object extreme(Object v, boolean max) {
    Object best = null;
    for (Object element : collection(v)) {
      if (best == null
          || (max ? Values.compare(element, best) > 0 : Values.compare(element, best) < 0)) {
        best = element;
      }
    }
    return best;
  }

  private static Object sort(Evaluation ev, Object[] a) {
    List<Object> out = new ArrayList<>();
    for (Object element : collection(a[0])) {
      out.add(element);
    }
    out.sort(Values.ORDER);
    return out;
  }

  // ---------------------------------------------------------------- sets

  private static Object union(Set<Object> a, Set<Object> b) {
    TreeSet<Object> out = Values.newSet();
    out.addAll(a);
    out.addAll(b);
    return out;
  }

  private static Object intersection(Set<Object> a, Set<Object> b) {
    TreeSet<Object> out = Values.newSet();
    for (Object element : a) {
      if (b.contains(element)) {
        out.add(element);
      }
    }
    return out;
  }

  private static Object difference(Set<Object> a, Set<Object> b) {
    TreeSet<Object> out = Values.newSet();
    for (Object element : a) {
      if (!b.contains(element)) {
        out.add(element);
      }
    }
    return out;
  }

  private static Object unionAll(Evaluation ev, Object[] a) {
    TreeSet<Object> out = Values.newSet();
    for (Object element : set(a[0])) {
      out.addAll(set(element));
    }
    return out;
  }

  private static Object intersectionAll(Evaluation ev, Object[] a) {
    TreeSet<Object> out = null;
    for (Object element : set(a[0])) {
      Set<Object> s = set(element);
      if (out == null) {
        out = Values.newSet();
        out.addAll(s);
      } else {
        out.retainAll(s);
      }
    }
    return out == null ? Values.newSet() : out;
  }

  @SuppressWarnings("unchecked")
  private static Object member2(Object x, Object collection) {
    if (collection instanceof Set) {
      return ((Set<Object>) collection).contains(x);
    }
    Iterable<Object> values;
    if (collection instanceof List) {
      values = (List<Object>) collection;
    } else if (collection instanceof Map) {
      values = ((Map<Object, Object>) collection).values();
    } else {
      return false;
    }
    for (Object v : values) {
      if (Values.equal(x, v)) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static Object member3(Object key, Object value, Object collection) {
    if (collection instanceof Map) {
      Object v = ((Map<Object, Object>) collection).get(key);
      return v != null && Values.equal(v, value);
    }
    if (collection instanceof List) {
      if (!(key instanceof Long)) {
        return false;
      }
      List<Object> list = (List<Object>) collection;
      long i = (Long) key;
      return i >= 0 && i < list.size() && Values.equal(list.get((int) i), value);
    }
    if (collection instanceof Set) {
      return Values.equal(key, value) && ((Set<Object>) collection).contains(key);
    }
    return false;
  }

  // ---------------------------------------------------------------- arrays and objects

  private static Object arrayConcat(Evaluation ev, Object[] a) {
    List<Object> out = new ArrayList<>(array(a[0]));
    out.addAll(array(a[1]));
    return out;
  }

  private static Object arrayReverse(Evaluation ev, Object[] a) {
    List<Object> out = new ArrayList<>(array(a[0]));
    Collections.reverse(out);
    return out;
  }

  private static Object arraySlice(Evaluation ev, Object[] a) {
    List<Object> list = array(a[0]);
    long start = integer(a[1]);
    long stop = integer(a[2]);
    start = Math.max(0, start);
    stop = Math.min(list.size(), stop);
    if (start >= stop) {
      return new ArrayList<>();
    }
    return new ArrayList<>(list.subList((int) start, (int) stop));
  }

  @SuppressWarnings("unchecked")
  private static Object objectGet(Evaluation ev, Object[] a) {
    Map<Object, Object> obj = object(a[0]);
    Object key = a[1];
    if (!(key instanceof List)) {
      Object v = obj.get(key);
      return v != null ? v : a[2];
    }
    List<Object> path = (List<Object>) key;
    if (path.isEmpty()) {
      return a[2];
    }
    Object node = obj;
    for (Object segment : path) {
      Object next = Values.member(node, segment);
      if (next == null) {
        return a[2];
      }
      node = next;
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static Object objectRemove(Evaluation ev, Object[] a) {
    TreeMap<Object, Object> out = Values.newObject();
    out.putAll(object(a[0]));
    Iterable<Object> keys =
        a[1] instanceof Map ? ((Map<Object, Object>) a[1]).keySet() : collection(a[1]);
    for (Object key : keys) {
      out.remove(key);
    }
    return out;
  }

  /** {@code json.remove} on objects: each path a "/"-separated string or an array of keys. */
  @SuppressWarnings("unchecked")
  private static Object jsonRemove(Evaluation ev, Object[] a) {
    Object result = deepCopy(object(a[0]));
    for (Object path : collection(a[1])) {
      List<Object> segments = new ArrayList<>();
      if (path instanceof String) {
        String p = (String) path;
        p = p.startsWith("/") ? p.substring(1) : p;
        for (String segment : p.split("/", -1)) {
          segments.add(segment);
        }
      } else if (path instanceof List) {
        segments.addAll((List<Object>) path);
      } else {
        throw ERROR;
      }
      Object node = result;
      for (int i = 0; i < segments.size(); i++) {
        if (!(node instanceof Map)) {
          if (node instanceof List || node instanceof Set) {
            throw new PolicyEvaluationException(
                500,
                "engine_error",
                "policy evaluation failed: json.remove inside an array or set is not supported");
          }
          break;
        }
        Map<Object, Object> map = (Map<Object, Object>) node;
        if (i == segments.size() - 1) {
          map.remove(segments.get(i));
        } else {
          node = map.get(segments.get(i));
        }
      }
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopy(Object value) {
    if (value instanceof Map) {
      TreeMap<Object, Object> out = Values.newObject();
      for (Map.Entry<Object, Object> e : ((Map<Object, Object>) value).entrySet()) {
        out.put(e.getKey(), deepCopy(e.getValue()));
      }
      return out;
    }
    return value;
  }

  private static Object numbersRange(Evaluation ev, Object[] a) {
    long from = integer(a[0]);
    long to = integer(a[1]);
    if (Math.abs(to - from) > 10_000_000) {
      throw ERROR;
    }
    List<Object> out = new ArrayList<>();
    long step = from <= to ? 1 : -1;
    for (long i = from; ; i += step) {
      out.add(i);
      if (i == to) {
        break;
      }
    }
    return out;
  }

  /** Go's url.ParseQuery: '&'-separated, '+' is a space, %XX escapes; ';' is an error. */
  private static Object urlqueryDecodeObject(Evaluation ev, Object[] a) {
    String query = str(a[0]);
    TreeMap<Object, Object> out = Values.newObject();
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      if (pair.indexOf(';') >= 0) {
        throw ERROR;
      }
      int eq = pair.indexOf('=');
      String key = unescapeQuery(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : unescapeQuery(pair.substring(eq + 1));
      @SuppressWarnings("unchecked")
      List<Object> values = (List<Object>) out.computeIfAbsent(key, k -> new ArrayList<>());
      values.add(value);
    }
    return out;
  }

  private static String unescapeQuery(String s) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= s.length()) {
          throw ERROR;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0 || s.charAt(i + 1) > 'f' || s.charAt(i + 2) > 'f') {
          throw ERROR;
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(b, 0, b.length);
      }
    }
    java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new PolicyEvaluationException(
          500,
          "engine_error",
          "policy evaluation failed: urlquery.decode_object of invalid UTF-8 is not supported");
    }
  }

  private static Object objectKeys(Evaluation ev, Object[] a) {
    TreeSet<Object> out = Values.newSet();
    out.addAll(object(a[0]).keySet());
    return out;
  }

  /**
   * OPA's object merge ({@code object.union}, {@code ObjectMergeStmt}): {@code b} wins, objects
   * under the same key merge recursively.
   */
  @SuppressWarnings("unchecked")
  static Object mergeObjects(Object a, Object b) {
    TreeMap<Object, Object> out = Values.newObject();
    out.putAll((Map<Object, Object>) a);
    for (Map.Entry<Object, Object> e : ((Map<Object, Object>) b).entrySet()) {
      Object current = out.get(e.getKey());
      if (current instanceof Map && e.getValue() instanceof Map) {
        out.put(e.getKey(), mergeObjects(current, e.getValue()));
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- strings

  private static Object concat(Evaluation ev, Object[] a) {
    String delimiter = str(a[0]);
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object element : collection(a[1])) {
      if (!first) {
        out.append(delimiter);
      }
      first = false;
      out.append(str(element));
    }
    return out.toString();
  }

  /** Go's unicode.ToLower/ToUpper, one code point at a time (no locale, no context). */
  private static Object mapCodePoints(String s, boolean lower) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int mapped = lower ? Character.toLowerCase(cp) : Character.toUpperCase(cp);
      if (mapped != cp && out == null) {
        out = new StringBuilder(s.length());
        out.append(s, 0, i);
      }
      if (out != null) {
        out.appendCodePoint(mapped);
      }
      i += Character.charCount(cp);
    }
    return out == null ? s : out.toString();
  }

  private static Object indexOf(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    String sub = str(a[1]);
    int index = s.indexOf(sub);
    return index < 0 ? -1L : (long) s.codePointCount(0, index);
  }

  private static Object substring(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    long start = integer(a[1]);
    long length = integer(a[2]);
    if (start < 0) {
      throw ERROR;
    }
    int runes = s.codePointCount(0, s.length());
    if (start >= runes) {
      return "";
    }
    int from = s.offsetByCodePoints(0, (int) start);
    if (length < 0 || start + length >= runes) {
      return s.substring(from);
    }
    return s.substring(from, s.offsetByCodePoints(from, (int) length));
  }

  /** Go's strings.ReplaceAll: an empty {@code old} inserts {@code new} around every rune. */
  private static Object replace(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    String old = str(a[1]);
    String replacement = str(a[2]);
    if (!old.isEmpty()) {
      return s.replace(old, replacement);
    }
    if (!s.chars().allMatch(c -> c < 0x80)) {
      // OPA inserts between the string's UTF-8 bytes, making invalid UTF-8 that a Java string
      // cannot hold: refuse rather than answer differently.
      throw new PolicyEvaluationException(
          500,
          "engine_error",
          "policy evaluation failed: replace with an empty pattern on non-ASCII text is not supported");
    }
    StringBuilder out = new StringBuilder().append(replacement);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      out.appendCodePoint(cp).append(replacement);
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  /** Go's strings.Split: an empty separator splits into runes. */
  private static Object split(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    String separator = str(a[1]);
    List<Object> out = new ArrayList<>();
    if (separator.isEmpty()) {
      for (int i = 0; i < s.length(); ) {
        int cp = s.codePointAt(i);
        out.add(new String(Character.toChars(cp)));
        i += Character.charCount(cp);
      }
      return out;
    }
    int from = 0;
    int at;
    while ((at = s.indexOf(separator, from)) >= 0) {
      out.add(s.substring(from, at));
      from = at + separator.length();
    }
    out.add(s.substring(from));
    return out;
  }

  private static Object reverse(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    int[] cps = s.codePoints().toArray();
    StringBuilder out = new StringBuilder(s.length());
    for (int i = cps.length - 1; i >= 0; i--) {
      out.appendCodePoint(cps[i]);
    }
    return out.toString();
  }

  /** Go's strings.Trim/TrimLeft/TrimRight: removes runes found in {@code cutset}. */
  private static Object trim(String s, String cutset, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end) {
        int cp = s.codePointAt(start);
        if (cutset.indexOf(cp) < 0) {
          break;
        }
        start += Character.charCount(cp);
      }
    }
    if (right) {
      while (end > start) {
        int cp = s.codePointBefore(end);
        if (cutset.indexOf(cp) < 0) {
          break;
        }
        end -= Character.charCount(cp);
      }
    }
    return s.substring(start, end);
  }

  private static Object trimPrefix(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    String prefix = str(a[1]);
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }

  private static Object trimSuffix(Evaluation ev, Object[] a) {
    String s = str(a[0]);
    String suffix = str(a[1]);
    return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
  }

  /** Go's strings.TrimSpace: Unicode White_Space, which is not Java's isWhitespace. */
  private static Object trimSpace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isGoSpace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && isGoSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  static boolean isGoSpace(int cp) {
    switch (cp) {
      case '\t':
      case '\n':
      case 0x0B:
      case '\f':
      case '\r':
      case ' ':
      case 0x85:
      case 0xA0:
      case 0x1680:
      case 0x2028:
      case 0x2029:
      case 0x202F:
      case 0x205F:
      case 0x3000:
        return true;
      default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
  }

  // ---------------------------------------------------------------- patterns and networks

  private static Object regexMatch(Evaluation ev, Object[] a) {
    String pattern = str(a[0]);
    String value = str(a[1]);
    Pattern compiled;
    try {
      compiled = GoRegex.compile(pattern);
    } catch (GoRegex.Invalid e) {
      throw ERROR;
    } catch (GoRegex.Unsupported e) {
      throw new PolicyEvaluationException(
          500,
          "engine_error",
          "policy evaluation failed: regex.match " + e.getMessage() + " is not supported");
    }
    Matcher matcher = compiled.matcher(new DeadlineChars(value, ev));
    return matcher.find();
  }

  private static Object globMatch(Evaluation ev, Object[] a) {
    String pattern = str(a[0]);
    List<Integer> delimiters = new ArrayList<>();
    if (a[1] instanceof List) {
      for (Object d : array(a[1])) {
        String delimiter = str(d);
        if (delimiter.codePointCount(0, delimiter.length()) != 1) {
          throw ERROR;
        }
        delimiters.add(delimiter.codePointAt(0));
      }
      if (delimiters.isEmpty()) {
        delimiters.add((int) '.');
      }
    } else if (a[1] != Values.NULL) {
      throw ERROR;
    }
    String value = str(a[2]);
    Pattern compiled;
    try {
      compiled = Glob.compile(pattern, delimiters);
    } catch (Glob.Invalid e) {
      throw ERROR;
    }
    return compiled.matcher(new DeadlineChars(value, ev)).matches();
  }

  private static Object cidrContains(Evaluation ev, Object[] a) {
    GoNet.Net network = GoNet.parseCidr(str(a[0]));
    if (network == null) {
      throw ERROR;
    }
    String other = str(a[1]);
    byte[] ip = GoNet.parseIp(other);
    if (ip != null) {
      return GoNet.contains(network, ip);
    }
    GoNet.Net inner = GoNet.parseCidr(other);
    if (inner == null) {
      throw ERROR;
    }
    return GoNet.contains(network, inner.ip()) && GoNet.contains(network, GoNet.last(inner));
  }

  /** A string whose reads look at the evaluation's deadline now and then (regex backtracking). */
  private static final class DeadlineChars implements CharSequence {
    private final String s;
    private final Evaluation ev;

    DeadlineChars(String s, Evaluation ev) {
      this.s = s;
      this.ev = ev;
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public char charAt(int index) {
      ev.tick();
      return s.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new DeadlineChars(s.substring(start, end), ev);
    }

    @Override
    public String toString() {
      return s;
    }
  }
}
