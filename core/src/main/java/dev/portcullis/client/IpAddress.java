package dev.portcullis.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address: its 4 or 16 bytes and its one canonical text, the dotted quad for IPv4
 * and RFC 5952 text for IPv6 (lower case, the first longest run of two or more zero groups written
 * {@code ::}). An IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) is the IPv4 address it maps,
 * so a client counts as one address however its stack spells it.
 *
 * <p>{@link #parse} is strict and never asks DNS: a dotted quad of decimal octets without leading
 * zeros (some parsers read {@code 010} as octal), or an IPv6 literal of hex groups that may end in
 * such a dotted quad; no brackets, zone, port, or anything else.
 *
 * <p>Immutable and thread-safe; equal when the bytes are.
 */
public final class IpAddress {

  /** Longest IPv6 literal: eight groups of four, or six groups and a dotted quad. */
  private static final int MAX_IPV6_LENGTH = 45;

  private final byte[] bytes;
  private final String text;

  private IpAddress(byte[] bytes) {
    this.bytes = bytes;
    this.text = bytes.length == 4 ? ipv4Text(bytes) : ipv6Text(bytes);
  }

  /**
   * Parses an IP literal.
   *
   * @throws IllegalArgumentException when {@code literal} is not exactly an IPv4 or IPv6 literal
   */
  public static IpAddress parse(String literal) {
    IpAddress address = parseOrNull(literal);
    if (address == null) {
      throw new IllegalArgumentException(
          "'" + abbreviate(String.valueOf(literal)) + "' is not an IPv4 or IPv6 address");
    }
    return address;
  }

  /** The address of 4 or 16 bytes, such as {@link InetAddress#getAddress()} gives them. */
  public static IpAddress of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != 4 && bytes.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }
    return new IpAddress(ipv4Mapped(bytes) ? Arrays.copyOfRange(bytes, 12, 16) : bytes.clone());
  }

  /** {@link #parse}, with {@code null} for anything that is not an IP literal. */
  static IpAddress parseOrNull(String literal) {
    if (literal == null || literal.isEmpty()) {
      return null;
    }
    byte[] bytes = literal.indexOf(':') >= 0 ? parseIpv6(literal) : parseIpv4(literal);
    return bytes == null ? null : new IpAddress(bytes);
  }

  /** Four decimal parts of 1 to 3 digits, each at most 255, none with a leading zero. */
  private static byte[] parseIpv4(String text) {
    // One pass, no split: this runs for every request's peer address.
    byte[] bytes = new byte[4];
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.') {
        if (digits == 0 || part == 3) {
          return null;
        }
        bytes[part++] = (byte) value;
        value = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits == 3 || (digits == 1 && value == 0)) {
          return null;
        }
        value = value * 10 + (c - '0');
        digits++;
        if (value > 255) {
          return null;
        }
      } else {
        return null;
      }
    }
    if (digits == 0 || part != 3) {
      return null;
    }
    bytes[3] = (byte) value;
    return bytes;
  }

  private static byte[] parseIpv6(String text) {
    if (text.length() > MAX_IPV6_LENGTH) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean allowed =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F')
              || c == ':'
              || c == '.';
      if (!allowed) {
        return null;
      }
    }
    if (text.indexOf('.') >= 0 && parseIpv4(text.substring(text.lastIndexOf(':') + 1)) == null) {
      return null;
    }
    byte[] bytes;
    try {
      // Only hex digits, colons and a checked dotted quad are left, and the brackets make the JDK
      // read
      // the text as an IPv6 literal only: an invalid one is an UnknownHostException, never a DNS
      // query.
      bytes = InetAddress.getByName("[" + text + "]").getAddress();
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
    // The JDK already gives 4 bytes for an IPv4-mapped literal; this also covers any JDK that does
    // not.
    return ipv4Mapped(bytes) ? Arrays.copyOfRange(bytes, 12, 16) : bytes;
  }

  private static boolean ipv4Mapped(byte[] bytes) {
    if (bytes.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }

  private static String ipv4Text(byte[] bytes) {
    return (bytes[0] & 0xff)
        + "."
        + (bytes[1] & 0xff)
        + "."
        + (bytes[2] & 0xff)
        + "."
        + (bytes[3] & 0xff);
  }

  /** RFC 5952 section 4: the first longest run of two or more zero groups becomes "::". */
  private static String ipv6Text(byte[] bytes) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "...";
  }

  /** A copy of the 4 (IPv4) or 16 (IPv6) bytes, in network order. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes themselves, for this package's range checks; never hand them out. */
  byte[] rawBytes() {
    return bytes;
  }

  /** The canonical text: {@code 192.0.2.1}, {@code 2001:db8::1}. */
  public String text() {
    return text;
  }

  /** Whether this is an IPv4 address (IPv4-mapped IPv6 addresses included). */
  public boolean isIpv4() {
    return bytes.length == 4;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IpAddress && Arrays.equals(bytes, ((IpAddress) other).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The canonical text, as {@link #text()}. */
  @Override
  public String toString() {
    return text;
  }
}
