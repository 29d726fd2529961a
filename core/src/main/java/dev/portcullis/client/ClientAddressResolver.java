package dev.portcullis.client;

import dev.portcullis.ClientAddress;
import dev.portcullis.RequestRejectedException;
import dev.portcullis.client.ForwardedHops.Hop;
import java.util.List;
import java.util.Objects;

/**
 * Finds the client IP of a request: the peer of the connection, or, when that peer is a trusted proxy,
 * the address its {@code Forwarded} (RFC 7239) or {@code X-Forwarded-For} header names.
 *
 * <p>Rules. An untrusted peer is the client and its headers are ignored. Behind a trusted peer the hops
 * of the header are walked from the right: a trusted hop is skipped, the first untrusted hop is the
 * client, and when every hop is trusted the leftmost is. A hop that names no IP address
 * ({@code unknown}, an obfuscated {@code _identifier}, an element without {@code for=}, or anything that
 * is not an IP literal) stops the walk and the nearest trusted address seen so far is the client: garbage
 * is never trusted and never becomes the client. When both headers are present and lead to different
 * clients the request is rejected ({@code forwarded_headers_conflict}): one of them was passed through
 * from the client unchecked, and Portcullis cannot tell which. A {@code Forwarded} header that is not a
 * list of {@code name=value} pairs, a header longer than {@value #MAX_HEADER_LENGTH} characters or one
 * with more than {@value #MAX_HOPS} hops is rejected ({@code forwarded_header_invalid}); headers are read
 * only behind a trusted peer, so only a trusted proxy's traffic can meet these errors. IP literals are
 * parsed without DNS; IPv4-mapped IPv6 addresses count as IPv4.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientAddressResolver {

  /** Most hops a forwarding header may list. */
  public static final int MAX_HOPS = 20;
  /** Most characters of one forwarding header, all its lines together. */
  public static final int MAX_HEADER_LENGTH = 4096;

  private static final ClientAddressResolver PEER_ONLY = new ClientAddressResolver(TrustedProxies.none());

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
   * The client IP, as {@link ClientAddress#normalize} writes it.
   *
   * @param remoteAddress the IP address of the connection's peer
   * @param forwarded the values of the request's {@code Forwarded} header lines, in order; empty when absent
   * @param xForwardedFor the values of its {@code X-Forwarded-For} header lines, in order; empty when absent
   * @throws RequestRejectedException (400) when the peer is not an IP address ({@code client_address_invalid}),
   *     or, behind a trusted peer, when a forwarding header is malformed or too long
   *     ({@code forwarded_header_invalid}) or the two headers disagree ({@code forwarded_headers_conflict})
   */
  public String resolve(String remoteAddress, List<String> forwarded, List<String> xForwardedFor) {
    String peer = ClientAddress.normalize(remoteAddress);
    if (trustedProxies.isEmpty()) {
      return peer;
    }
    byte[] peerAddress = IpLiteral.parse(peer);
    if (peerAddress == null || !trustedProxies.contains(peerAddress)) {
      return peer;
    }
    Hop trustedPeer = new Hop(peer, peerAddress);
    List<Hop> forwardedHops = ForwardedHops.forwarded(forwarded);
    List<Hop> xffHops = ForwardedHops.xForwardedFor(xForwardedFor);
    if (forwardedHops.isEmpty()) {
      return walk(trustedPeer, xffHops);
    }
    String client = walk(trustedPeer, forwardedHops);
    if (!xffHops.isEmpty() && !client.equals(walk(trustedPeer, xffHops))) {
      throw new RequestRejectedException(400, "forwarded_headers_conflict",
          "The Forwarded and X-Forwarded-For headers name different clients.");
    }
    return client;
  }

  private String walk(Hop trustedPeer, List<Hop> hops) {
    Hop nearestTrusted = trustedPeer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      Hop hop = hops.get(i);
      if (hop.garbage()) {
        return nearestTrusted.ip();
      }
      if (!trustedProxies.contains(hop.address())) {
        return hop.ip();
      }
      nearestTrusted = hop;
    }
    return nearestTrusted.ip();
  }

  @Override
  public String toString() {
    return "ClientAddressResolver[trustedProxies=" + trustedProxies + "]";
  }
}
