package dev.portcullis.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The reverse proxies whose {@code Forwarded} and {@code X-Forwarded-For} headers are believed, as
 * a list of {@link Cidr} ranges. {@link #none()} (the default everywhere) believes nobody.
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustedProxies {

  private static final TrustedProxies NONE = new TrustedProxies(List.of());

  private final List<Cidr> ranges;

  private TrustedProxies(List<Cidr> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /** Trusts nobody: the client is always the peer of the connection. */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Trusts the peers in {@code cidrs}, such as {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare
   * {@code 192.0.2.10}.
   *
   * @throws IllegalArgumentException naming the first entry that is not a valid CIDR range
   */
  public static TrustedProxies of(Collection<String> cidrs) {
    List<Cidr> parsed = new ArrayList<>();
    for (String cidr : cidrs) {
      try {
        parsed.add(Cidr.parse(Objects.requireNonNull(cidr, "cidr").strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Invalid trusted proxy: " + e.getMessage(), e);
      }
    }
    return parsed.isEmpty() ? NONE : new TrustedProxies(parsed);
  }

  /** {@link #of(Collection)} for a few ranges. */
  public static TrustedProxies of(String... cidrs) {
    return of(List.of(cidrs));
  }

  /** The ranges, in the order given. */
  public List<Cidr> ranges() {
    return ranges;
  }

  /** Whether nobody is trusted. */
  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** Whether the IP literal {@code address} is a trusted proxy; {@code false} for anything else. */
  public boolean contains(String address) {
    IpAddress parsed = IpAddress.parseOrNull(address);
    return parsed != null && contains(parsed);
  }

  /** Whether {@code address} is a trusted proxy. */
  public boolean contains(IpAddress address) {
    for (Cidr range : ranges) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return ranges.toString();
  }
}
