package dev.portcullis.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * One IPv4 or IPv6 address range in CIDR notation, such as {@code 13.107.6.0/24} or {@code
 * 2620:1ec:4::/48}. A bare address is a range of one ({@code /32} or {@code /128}). An IPv4-mapped
 * IPv6 range ({@code ::ffff:10.0.0.0/104}) is the IPv4 range it maps ({@code 10.0.0.0/8}), so IPv4
 * clients match it however their stack spells them.
 *
 * <p>Immutable and thread-safe. Ordered IPv4 first, then by address, then by prefix length.
 */
public final class Cidr implements Comparable<Cidr> {

  private final byte[] network;
  private final int prefixLength;

  private Cidr(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * Parses {@code text}, never resolving a host name.
   *
   * @throws IllegalArgumentException naming the problem when {@code text} is not an IP literal with
   *     an optional prefix length, or has bits set after the prefix ({@code 10.0.0.1/8})
   */
  public static Cidr parse(String text) {
    Objects.requireNonNull(text, "text");
    int slash = text.indexOf('/');
    String literal = slash < 0 ? text : text.substring(0, slash);
    IpAddress parsed = IpAddress.parseOrNull(literal);
    if (parsed == null) {
      throw new IllegalArgumentException(
          "'" + IpAddress.abbreviate(text) + "' is not an IPv4 or IPv6 address or CIDR range");
    }
    byte[] address = parsed.rawBytes();
    boolean mapped = parsed.isIpv4() && literal.indexOf(':') >= 0;
    int bits = address.length * 8 + (mapped ? 96 : 0);
    int prefix = bits;
    if (slash >= 0) {
      String digits = text.substring(slash + 1);
      if (digits.isEmpty()
          || digits.length() > 3
          || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
          || (digits.length() > 1 && digits.charAt(0) == '0')) {
        throw new IllegalArgumentException(
            "'" + IpAddress.abbreviate(text) + "' has an invalid prefix length");
      }
      prefix = Integer.parseInt(digits);
      if (prefix > bits) {
        throw new IllegalArgumentException(
            "'" + IpAddress.abbreviate(text) + "' has a prefix length above " + bits);
      }
    }
    if (mapped) {
      if (prefix < 96) {
        throw new IllegalArgumentException(
            "'"
                + IpAddress.abbreviate(text)
                + "' is an IPv4-mapped IPv6 range; its prefix length must be at least 96 (write the IPv4 range instead)");
      }
      prefix -= 96;
    }
    for (int bit = prefix; bit < address.length * 8; bit++) {
      if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw new IllegalArgumentException(
            "'"
                + IpAddress.abbreviate(text)
                + "' has address bits set after the prefix; did you mean '"
                + new Cidr(mask(address, prefix), prefix)
                + "'?");
      }
    }
    return new Cidr(address, prefix);
  }

  /**
   * Whether {@code ip} is in this range; an IPv4 address is never in an IPv6 range, nor the other
   * way round.
   */
  public boolean contains(IpAddress ip) {
    byte[] address = ip.rawBytes();
    if (address.length != network.length) {
      return false;
    }
    int fullBytes = prefixLength / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[fullBytes] & mask) == (network[fullBytes] & mask);
  }

  /**
   * Whether the IP literal {@code address} is in this range; {@code false} for anything that is not
   * an IP literal.
   */
  public boolean contains(String address) {
    IpAddress parsed = IpAddress.parseOrNull(address);
    return parsed != null && contains(parsed);
  }

  /** Whether this is an IPv4 range (IPv4-mapped IPv6 ranges included). */
  public boolean isIpv4() {
    return network.length == 4;
  }

  /** The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6. */
  public int prefixLength() {
    return prefixLength;
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] masked = address.clone();
    for (int bit = prefix; bit < masked.length * 8; bit++) {
      masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return masked;
  }

  @Override
  public int compareTo(Cidr other) {
    int byFamily = Integer.compare(network.length, other.network.length);
    if (byFamily != 0) {
      return byFamily;
    }
    int byAddress = Arrays.compareUnsigned(network, other.network);
    return byAddress != 0 ? byAddress : Integer.compare(prefixLength, other.prefixLength);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Cidr
        && prefixLength == ((Cidr) other).prefixLength
        && Arrays.equals(network, ((Cidr) other).network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }

  /** The canonical text: {@code 10.0.0.0/8}, {@code 2001:db8::/32}; always with a prefix length. */
  @Override
  public String toString() {
    return IpAddress.of(network).text() + "/" + prefixLength;
  }
}
