package dev.portcullis.client;

import dev.portcullis.RequestRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses the hops of {@code Forwarded} (RFC 7239) and {@code X-Forwarded-For}, left to right. */
final class ForwardedHops {

  static final String INVALID = "forwarded_header_invalid";

  /**
   * One hop: the address it names, or {@code null} for a hop that names no usable address ({@code
   * unknown}, an obfuscated {@code _identifier}, a missing {@code for=}, or anything that is not an
   * IP literal).
   */
  record Hop(IpAddress address) {
    static final Hop GARBAGE = new Hop(null);

    boolean garbage() {
      return address == null;
    }

    static Hop of(IpAddress address) {
      return address == null ? GARBAGE : new Hop(address);
    }
  }

  private ForwardedHops() {}

  /** The hops of all {@code Forwarded} header lines, in order. */
  static List<Hop> forwarded(List<String> lines) {
    checkLength(lines, "Forwarded");
    List<Hop> hops = new ArrayList<>();
    for (String line : lines) {
      new ForwardedLine(line, hops).parse();
    }
    return hops;
  }

  /**
   * The hops of all {@code X-Forwarded-For} header lines, in order; empty list elements are
   * skipped.
   */
  static List<Hop> xForwardedFor(List<String> lines) {
    checkLength(lines, "X-Forwarded-For");
    List<Hop> hops = new ArrayList<>();
    for (String line : lines) {
      for (String element : line.split(",", -1)) {
        String node = element.strip();
        if (!node.isEmpty()) {
          addHop(
              hops,
              node.indexOf('[') < 0 && node.indexOf(':') != node.lastIndexOf(':')
                  ? Hop.of(
                      IpAddress.parseOrNull(node)) // a bare IPv6 address, normal in X-Forwarded-For
                  : node(node),
              "X-Forwarded-For");
        }
      }
    }
    return hops;
  }

  private static void checkLength(List<String> lines, String header) {
    int length = 0;
    for (String line : lines) {
      length += line.length() + 2;
    }
    if (length > ClientAddressResolver.MAX_HEADER_LENGTH) {
      throw rejected(
          "The "
              + header
              + " header is longer than "
              + ClientAddressResolver.MAX_HEADER_LENGTH
              + " characters.");
    }
  }

  private static void addHop(List<Hop> hops, Hop hop, String header) {
    if (hops.size() == ClientAddressResolver.MAX_HOPS) {
      throw rejected(
          "The " + header + " header lists more than " + ClientAddressResolver.MAX_HOPS + " hops.");
    }
    hops.add(hop);
  }

  /**
   * An RFC 7239 node: {@code 192.0.2.1}, {@code 192.0.2.1:8080}, {@code [2001:db8::1]}, {@code
   * [2001:db8::1]:8080}; ports may be obfuscated ({@code _p}). Anything else is garbage.
   */
  static Hop node(String node) {
    String host;
    String port;
    if (node.startsWith("[")) {
      int close = node.indexOf(']');
      if (close < 0) {
        return Hop.GARBAGE;
      }
      host = node.substring(1, close);
      if (host.indexOf(':') < 0) {
        return Hop.GARBAGE;
      }
      String rest = node.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        return Hop.GARBAGE;
      }
      port = rest.isEmpty() ? null : rest.substring(1);
    } else {
      int colon = node.indexOf(':');
      host = colon < 0 ? node : node.substring(0, colon);
      port = colon < 0 ? null : node.substring(colon + 1);
      if (host.indexOf(':') >= 0 || (port != null && port.indexOf(':') >= 0)) {
        return Hop.GARBAGE;
      }
    }
    if (port != null && !validPort(port)) {
      return Hop.GARBAGE;
    }
    return Hop.of(IpAddress.parseOrNull(host));
  }

  private static boolean validPort(String port) {
    if (port.startsWith("_")) {
      return port.length() > 1 && port.chars().allMatch(c -> isObfuscatedChar((char) c));
    }
    return !port.isEmpty()
        && port.length() <= 5
        && port.chars().allMatch(c -> c >= '0' && c <= '9')
        && Integer.parseInt(port) <= 65535;
  }

  private static boolean isObfuscatedChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }

  private static RequestRejectedException rejected(String message) {
    return new RequestRejectedException(400, INVALID, message);
  }

  /** One {@code Forwarded} line: {@code forwarded-element *( OWS "," OWS forwarded-element )}. */
  private static final class ForwardedLine {
    private final String text;
    private final List<Hop> hops;
    private int pos;

    ForwardedLine(String text, List<Hop> hops) {
      this.text = text;
      this.hops = hops;
    }

    void parse() {
      while (true) {
        skipWhitespace();
        if (pos == text.length()) {
          return;
        }
        if (text.charAt(pos) == ',') {
          pos++;
          continue;
        }
        element();
        skipWhitespace();
        if (pos == text.length()) {
          return;
        }
        if (text.charAt(pos) != ',') {
          throw rejected("The Forwarded header is not a list of forwarded elements.");
        }
        pos++;
      }
    }

    /** {@code forwarded-pair *( ";" forwarded-pair )}; the hop is its {@code for} node. */
    private void element() {
      String forNode = null;
      while (true) {
        skipWhitespace();
        String name = token();
        if (pos == text.length() || text.charAt(pos) != '=') {
          throw rejected("The Forwarded header has a parameter without a value.");
        }
        pos++;
        String value = pos < text.length() && text.charAt(pos) == '"' ? quotedString() : token();
        if (name.toLowerCase(Locale.ROOT).equals("for")) {
          if (forNode != null) {
            throw rejected("A Forwarded element has two 'for' parameters.");
          }
          forNode = value;
        }
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == ';') {
          pos++;
          continue;
        }
        break;
      }
      Hop hop =
          forNode == null || forNode.equalsIgnoreCase("unknown") || forNode.startsWith("_")
              ? Hop.GARBAGE
              : node(forNode);
      addHop(hops, hop, "Forwarded");
    }

    private String token() {
      int start = pos;
      while (pos < text.length() && isTokenChar(text.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw rejected("The Forwarded header has an empty or malformed parameter.");
      }
      return text.substring(start, pos);
    }

    private String quotedString() {
      StringBuilder value = new StringBuilder();
      pos++;
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (pos == text.length()) {
            break;
          }
          c = text.charAt(pos++);
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw rejected("The Forwarded header contains a control character.");
        }
        value.append(c);
      }
      throw rejected("The Forwarded header has an unterminated quoted string.");
    }

    private void skipWhitespace() {
      while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
        pos++;
      }
    }

    /**
     * RFC 9110 tchar. Unquoted {@code for=192.0.2.1:80} is not strictly a token, but common; the
     * colon is accepted because the node is parsed strictly afterwards.
     */
    private static boolean isTokenChar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~:".indexOf(c) >= 0;
    }
  }
}
