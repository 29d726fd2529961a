package dev.portcullis.client;

import dev.portcullis.RequestRejectedException;
import dev.portcullis.client.ForwardedHops.Hop;
import java.util.List;
import java.util.Objects;

/**
 * Finds the client IP of a request: the peer of the connection, or, when that peer is a trusted
 * proxy, the address its {@code Forwarded} (RFC 7239) or {@code X-Forwarded-For} header names.
 *
 * <p>Rules. An untrusted peer is the client and its headers are ignored. Behind a trusted peer the
 * hops of the header are walked from the right: a trusted hop is skipped, the first untrusted hop
 * is the client, and when every hop is trusted the leftmost is. A hop that names no IP address
 * ({@code unknown}, an obfuscated {@code _identifier}, an element without {@code for=}, or anything
 * that is not an IP literal) stops the walk and the nearest trusted address seen so far is the
 * client: garbage is never trusted and never becomes the client. When both headers are present and
 * lead to different clients the request is rejected ({@code forwarded_headers_conflict}): one of
 * them was passed through from the client unchecked, and Portcullis cannot tell which. A {@code
 * Forwarded} header that is not a list of {@code name=value} pairs, a header longer than {@value
 * #MAX_HEADER_LENGTH} characters or one with more than {@value #MAX_HOPS} hops is rejected ({@code
 * forwarded_header_invalid}); headers are read only behind a trusted peer, so only a trusted
 * proxy's traffic can meet these errors. IP literals are parsed once, strictly and without DNS,
 * into {@link IpAddress}es; IPv4-mapped IPv6 addresses count as IPv4.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientAddressResolver {

  /** Most hops a forwarding header may list. */
  public static final int MAX_HOPS = 20;

  /** Most characters of one forwarding header, all its lines together. */
  public static final int MAX_HEADER_LENGTH = 4096;

  private static final ClientAddressResolver PEER_ONLY =
      new ClientAddressResolver(TrustedProxies.none());

  private final TrustedProxies trustedProxies;

  private ClientAddressResolver(TrustedProxies trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  /** A resolver that believes the headers of {@code trustedProxies} only. */
  public static ClientAddressResolver trusting(TrustedProxies trustedProxies) {
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    return trustedProxies.isEmpty() ? PEER_ONLY : new ClientAddressResolver(trustedProxies);
  }

  /** A resolver that trusts nobody: the client is always the peer. */
  public static ClientAddressResolver peerOnly() {
    return PEER_ONLY;
  }

  /** The proxies whose headers are believed. */
  public TrustedProxies trustedProxies() {
    return trustedProxies;
  }

  /**
   * The client.
   *
   * @param remoteAddress the IP address of the connection's peer, as its stack reports it (see
   *     {@link #peer})
   * @param forwarded the values of the request's {@code Forwarded} header lines, in order; empty
   *     when absent
   * @param xForwardedFor the values of its {@code X-Forwarded-For} header lines, in order; empty
   *     when absent
   * @throws RequestRejectedException (400) when the peer is not an IP address ({@code
   *     client_address_invalid}), or, behind a trusted peer, when a forwarding header is malformed
   *     or too long ({@code forwarded_header_invalid}) or the two headers disagree ({@code
   *     forwarded_headers_conflict})
   */
  public IpAddress resolve(
      String remoteAddress, List<String> forwarded, List<String> xForwardedFor) {
    IpAddress peer = peer(remoteAddress);
    if (trustedProxies.isEmpty() || !trustedProxies.contains(peer)) {
      return peer;
    }
    List<Hop> forwardedHops = ForwardedHops.forwarded(forwarded);
    List<Hop> xffHops = ForwardedHops.xForwardedFor(xForwardedFor);
    if (forwardedHops.isEmpty()) {
      return walk(peer, xffHops);
    }
    IpAddress client = walk(peer, forwardedHops);
    if (!xffHops.isEmpty() && !client.equals(walk(peer, xffHops))) {
      throw new RequestRejectedException(
          400,
          "forwarded_headers_conflict",
          "The Forwarded and X-Forwarded-For headers name different clients.");
    }
    return client;
  }

  /**
   * The address of a connection's peer as an HTTP stack reports it: an IP literal, where an IPv6
   * one may come in brackets ({@code [2001:db8::7]}) or with a zone ({@code fe80::1%eth0},
   * dropped).
   *
   * @throws RequestRejectedException (400, {@code client_address_invalid}) for anything else
   */
  public static IpAddress peer(String remoteAddress) {
    String literal = remoteAddress == null ? "" : remoteAddress;
    if (literal.indexOf(':') >= 0) {
      if (literal.startsWith("[") && literal.endsWith("]")) {
        literal = literal.substring(1, literal.length() - 1);
      }
      int zone = literal.indexOf('%');
      if (zone >= 0) {
        if (!validZone(literal.substring(zone + 1))) {
          throw invalidPeer();
        }
        literal = literal.substring(0, zone);
      }
    }
    IpAddress address = IpAddress.parseOrNull(literal);
    if (address == null) {
      throw invalidPeer();
    }
    return address;
  }

  /** An interface name or index, such as {@code eth0} or {@code 2}. */
  private static boolean validZone(String zone) {
    return !zone.isEmpty()
        && zone.chars()
            .allMatch(
                c ->
                    (c >= '0' && c <= '9')
                        || (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || c == '_'
                        || c == '.'
                        || c == '-');
  }

  private static RequestRejectedException invalidPeer() {
    return new RequestRejectedException(
        400, "client_address_invalid", "The client address is not an IP address.");
  }

  private IpAddress walk(IpAddress trustedPeer, List<Hop> hops) {
    IpAddress nearestTrusted = trustedPeer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      Hop hop = hops.get(i);
      if (hop.garbage()) {
        return nearestTrusted;
      }
      if (!trustedProxies.contains(hop.address())) {
        return hop.address();
      }
      nearestTrusted = hop.address();
    }
    return nearestTrusted;
  }

  @Override
  public String toString() {
    return "ClientAddressResolver[trustedProxies=" + trustedProxies + "]";
  }
}
