package dev.portcullis;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Normalizes the textual IP address of a client, without ever resolving a host name. */
public final class ClientAddress {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z_.-]+)?]?");

  private ClientAddress() {}

  /**
   * The canonical text of an IP literal: dotted quad for IPv4 and for IPv4-mapped IPv6, compressed
   * lower-case for IPv6 (zone dropped).
   *
   * @throws RequestRejectedException (400, {@code client_address_invalid}) when it is not an IP literal
   */
  public static String normalize(String address) {
    if (address == null || !(IPV4.matcher(address).matches() || IPV6.matcher(address).matches())) {
      throw invalid();
    }
    String literal = address;
    if (literal.startsWith("[") && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    int zone = literal.indexOf('%');
    if (zone >= 0) {
      literal = literal.substring(0, zone);
    }
    InetAddress parsed;
    try {
      // Safe: the patterns above admit only literals, which getByName parses without a DNS lookup.
      parsed = InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw invalid();
    }
    if (parsed instanceof Inet4Address) {
      return parsed.getHostAddress();
    }
    if (parsed instanceof Inet6Address) {
      return compress(parsed.getAddress());
    }
    throw invalid();
  }

  private static RequestRejectedException invalid() {
    return RequestRejectedException.badRequest(
        "client_address_invalid", "The client address is not an IP address.");
  }

  /** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
  private static String compress(byte[] bytes) {
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
}
