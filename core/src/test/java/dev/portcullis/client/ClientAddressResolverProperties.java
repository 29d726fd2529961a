package dev.portcullis.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.RequestRejectedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ClientAddressResolverProperties {

  private static final ClientAddressResolver RESOLVER =
      ClientAddressResolver.trusting(TrustedProxies.of("10.0.0.0/8", "2001:db8:ffff::/48"));

  /**
   * One generated hop: how it is spelled in a header, its canonical IP (null for garbage), whether
   * trusted.
   */
  record Hop(String spelling, String canonical, boolean trusted) {
    boolean garbage() {
      return canonical == null;
    }
  }

  /** A spoofed X-Forwarded-For / Forwarded from an untrusted peer never changes the client IP. */
  @Property(tries = 1000)
  void untrustedPeersNeverChangeTheClient(
      @ForAll("untrusted") Hop peer,
      @ForAll("anyLines") List<String> forwarded,
      @ForAll("anyLines") List<String> xff) {
    assertThat(RESOLVER.resolve(peer.spelling(), forwarded, xff).text())
        .isEqualTo(peer.canonical());
  }

  /** Also when the spoofed headers are well-formed chains naming trusted and untrusted hops. */
  @Property(tries = 500)
  void untrustedPeersWellFormedChainsAreIgnored(
      @ForAll("untrusted") Hop peer, @ForAll("chains") List<Hop> hops) {
    assertThat(
            RESOLVER
                .resolve(peer.spelling(), List.of(forwardedLine(hops)), List.of(xffLine(hops)))
                .text())
        .isEqualTo(peer.canonical());
  }

  /**
   * Whatever the headers say, the resolved IP is the peer or one of the hops, never garbage, and
   * never a hop to the left of an untrusted hop.
   */
  @Property(tries = 1000)
  void theClientIsThePeerOrAHopNoFurtherLeftThanTheFirstUntrusted(
      @ForAll("trusted") Hop peer, @ForAll("chains") List<Hop> hops, @ForAll boolean useForwarded) {
    String client =
        useForwarded
            ? RESOLVER.resolve(peer.spelling(), List.of(forwardedLine(hops)), List.of()).text()
            : RESOLVER.resolve(peer.spelling(), List.of(), splitXff(hops)).text();

    int rightmostUntrusted = -1;
    for (int i = 0; i < hops.size(); i++) {
      if (!hops.get(i).garbage() && !hops.get(i).trusted()) {
        rightmostUntrusted = i;
      }
    }
    Set<String> allowed = new HashSet<>();
    allowed.add(peer.canonical());
    for (int i = Math.max(0, rightmostUntrusted); i < hops.size(); i++) {
      if (!hops.get(i).garbage()) {
        allowed.add(hops.get(i).canonical());
      }
    }
    assertThat(allowed).contains(client);
    assertThat(IpAddress.parseOrNull(client)).isNotNull();
    assertThat(client).isEqualTo(expected(peer, hops));
  }

  /**
   * Arbitrary text in the headers behind a trusted peer is either rejected with a reason or yields
   * an IP.
   */
  @Property(tries = 1000)
  void arbitraryHeadersBehindATrustedPeerNeverYieldGarbage(
      @ForAll("trusted") Hop peer,
      @ForAll("anyLines") List<String> forwarded,
      @ForAll("anyLines") List<String> xff) {
    try {
      String client = RESOLVER.resolve(peer.spelling(), forwarded, xff).text();
      assertThat(IpAddress.parseOrNull(client)).isNotNull();
    } catch (RequestRejectedException rejected) {
      assertThat(rejected.status()).isEqualTo(400);
      assertThat(rejected.reason()).isIn("forwarded_header_invalid", "forwarded_headers_conflict");
    }
  }

  /** The reference walk, written as plainly as possible. */
  private static String expected(Hop peer, List<Hop> hops) {
    String nearestTrusted = peer.canonical();
    for (int i = hops.size() - 1; i >= 0; i--) {
      Hop hop = hops.get(i);
      if (hop.garbage()) {
        return nearestTrusted;
      }
      if (!hop.trusted()) {
        return hop.canonical();
      }
      nearestTrusted = hop.canonical();
    }
    return nearestTrusted;
  }

  private static String xffLine(List<Hop> hops) {
    return hops.stream().map(Hop::spelling).collect(Collectors.joining(", "));
  }

  /** The same chain spread over several header lines, as proxies that add their own line do. */
  private static List<String> splitXff(List<Hop> hops) {
    List<String> lines = new ArrayList<>();
    for (int start = 0; start < hops.size(); start += 3) {
      lines.add(xffLine(hops.subList(start, Math.min(hops.size(), start + 3))));
    }
    return lines;
  }

  private static String forwardedLine(List<Hop> hops) {
    return hops.stream()
        .map(
            hop -> {
              String node =
                  hop.spelling().indexOf(':') >= 0 && !hop.garbage()
                      ? "[" + hop.spelling() + "]"
                      : hop.spelling();
              return "for=\"" + node.replace("\\", "\\\\").replace("\"", "\\\"") + "\";proto=https";
            })
        .collect(Collectors.joining(", "));
  }

  @Provide
  Arbitrary<List<Hop>> chains() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, trusted()),
            net.jqwik.api.Tuple.of(3, untrusted()),
            net.jqwik.api.Tuple.of(2, garbage()))
        .list()
        .ofMaxSize(ClientAddressResolver.MAX_HOPS);
  }

  @Provide
  Arbitrary<Hop> trusted() {
    Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
    Arbitrary<Hop> v4 =
        Combinators.combine(octet, octet, octet, Arbitraries.of(true, false))
            .as(
                (a, b, c, mapped) -> {
                  String ip = "10." + a + "." + b + "." + c;
                  return new Hop(mapped ? "::FFFF:" + ip : ip, ip, true);
                });
    Arbitrary<Hop> v6 =
        Arbitraries.integers()
            .between(1, 0xffff)
            .map(
                n ->
                    new Hop(
                        "2001:DB8:FFFF:0:0:0:0:" + Integer.toHexString(n).toUpperCase(),
                        "2001:db8:ffff::" + Integer.toHexString(n),
                        true));
    return Arbitraries.oneOf(v4, v6);
  }

  @Provide
  Arbitrary<Hop> untrusted() {
    Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
    Arbitrary<Hop> v4 =
        Combinators.combine(Arbitraries.of(203, 198, 11, 9, 172), octet, octet, octet)
            .as(
                (a, b, c, d) ->
                    new Hop(
                        a + "." + b + "." + c + "." + d, a + "." + b + "." + c + "." + d, false));
    Arbitrary<Hop> v6 =
        Arbitraries.integers()
            .between(1, 0xffff)
            .map(
                n ->
                    new Hop(
                        "2001:db8:1::" + Integer.toHexString(n),
                        "2001:db8:1::" + Integer.toHexString(n),
                        false));
    return Arbitraries.oneOf(v4, v6);
  }

  @Provide
  Arbitrary<Hop> garbage() {
    Arbitrary<String> random =
        Arbitraries.strings()
            .withChars("ghijklmnopqrstuvwxyz.-_0123456789[]%\"\\/@")
            .ofMinLength(1)
            .ofMaxLength(20)
            .filter(s -> s.chars().anyMatch(c -> c >= 'g' && c <= 'z'));
    return Arbitraries.oneOf(
            Arbitraries.of(
                "unknown",
                "UNKNOWN",
                "_hidden",
                "_10.0.0.1",
                "localhost",
                "10.0.0.1.evil.example",
                "0x0a.0.0.1",
                "010.0.0.1",
                "999.0.0.1"),
            random)
        .map(s -> new Hop(s, null, false));
  }

  @Provide
  Arbitrary<List<String>> anyLines() {
    Arbitrary<String> line =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(200),
            Arbitraries.strings().withChars("for=\";,:[]_ \t\\0123456789abcdef.").ofMaxLength(120),
            chains().map(ClientAddressResolverProperties::xffLine),
            chains().map(ClientAddressResolverProperties::forwardedLine));
    return line.list().ofMaxSize(3);
  }
}
