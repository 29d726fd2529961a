package dev.portcullis.client;

import dev.portcullis.ClientAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP literals to their bytes, strictly and without ever asking DNS. */
final class IpLiteral {

  /** Longest IPv6 literal: eight groups of four, or six groups and a dotted quad. */
  private static final int MAX_IPV6_LENGTH = 45;

  private IpLiteral() {}

  /**
   * The 4 bytes of an IPv4 literal (also for an IPv4-mapped IPv6 literal) or the 16 bytes of an IPv6
   * literal, or {@code null} when {@code text} is not exactly one of those. Zones, brackets, ports,
   * leading zeros in IPv4 octets and anything else are refused.
   */
  static byte[] parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4(text);
  }

  private static byte[] parseIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      // A leading zero reads as octal to some parsers ("010" = 8), so such a literal is ambiguous.
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return null;
      }
      int value = 0;
      for (int j = 0; j < part.length(); j++) {
        char c = part.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        value = value * 10 + (c - '0');
      }
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }

  private static byte[] parseIpv6(String text) {
    if (text.length() > MAX_IPV6_LENGTH) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!allowed) {
        return null;
      }
    }
    int dot = text.indexOf('.');
    if (dot >= 0 && parseIpv4(text.substring(text.lastIndexOf(':') + 1)) == null) {
      return null;
    }
    InetAddress parsed;
    try {
      // The brackets make the JDK treat the text as an IPv6 literal only: an invalid one is an
      // UnknownHostException, never a DNS query.
      parsed = InetAddress.getByName("[" + text + "]");
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
    // The JDK already turns an IPv4-mapped literal (::ffff:a.b.c.d) into an Inet4Address.
    return parsed.getAddress();
  }

  /** The canonical text of 4 or 16 address bytes, exactly as {@link ClientAddress#normalize} writes it. */
  static String text(byte[] address) {
    if (address.length == 4) {
      return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
    }
    StringBuilder full = new StringBuilder(39);
    for (int i = 0; i < 16; i += 2) {
      if (i > 0) {
        full.append(':');
      }
      full.append(Integer.toHexString(((address[i] & 0xff) << 8) | (address[i + 1] & 0xff)));
    }
    return ClientAddress.normalize(full.toString());
  }
}
