package dev.portcullis.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.RequestRejectedException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientAddressResolverTest {

  private static final ClientAddressResolver RESOLVER =
      ClientAddressResolver.trusting(TrustedProxies.of("10.0.0.0/8", "2001:db8:ffff::/48"));

  private static String forwarded(String peer, String... lines) {
    return RESOLVER.resolve(peer, List.of(lines), List.of()).text();
  }

  private static String xff(String peer, String... lines) {
    return RESOLVER.resolve(peer, List.of(), List.of(lines)).text();
  }

  @Test
  void byDefaultNobodyIsTrusted() {
    ClientAddressResolver resolver = ClientAddressResolver.peerOnly();

    assertThat(
            resolver.resolve("10.0.0.1", List.of("for=203.0.113.7"), List.of("203.0.113.8")).text())
        .isEqualTo("10.0.0.1");
    assertThat(ClientAddressResolver.trusting(TrustedProxies.none())).isSameAs(resolver);
  }

  @Test
  void untrustedPeersHeadersAreIgnoredEvenWhenMalformed() {
    assertThat(forwarded("198.51.100.1", "for=203.0.113.7")).isEqualTo("198.51.100.1");
    assertThat(xff("198.51.100.1", "203.0.113.7")).isEqualTo("198.51.100.1");
    assertThat(forwarded("198.51.100.1", "for=\"unterminated")).isEqualTo("198.51.100.1");
    assertThat(xff("198.51.100.1", "1.1.1.1,".repeat(100))).isEqualTo("198.51.100.1");
  }

  @Test
  void theFirstUntrustedHopFromTheRightIsTheClient() {
    assertThat(xff("10.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(xff("10.0.0.1", "198.51.100.66, 203.0.113.7, 10.0.0.2")).isEqualTo("203.0.113.7");
    assertThat(xff("10.0.0.1", "198.51.100.66, 203.0.113.7", "10.0.0.2")).isEqualTo("203.0.113.7");
    assertThat(
            forwarded(
                "10.0.0.1",
                "for=198.51.100.66, for=203.0.113.7;proto=https",
                "for=10.0.0.2;by=10.0.0.1"))
        .isEqualTo("203.0.113.7");
  }

  @Test
  void allTrustedMeansTheLeftmost() {
    assertThat(xff("10.0.0.1", "10.0.0.3, 10.0.0.2")).isEqualTo("10.0.0.3");
    assertThat(xff("10.0.0.1")).isEqualTo("10.0.0.1");
    assertThat(xff("10.0.0.1", "", " , ")).isEqualTo("10.0.0.1");
  }

  @Test
  void forwardedNodesInEveryRfc7239Form() {
    assertThat(forwarded("10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43"))
        .isEqualTo("192.0.2.60");
    assertThat(forwarded("10.0.0.1", "For=\"[2001:DB8:cafe::17]:4711\""))
        .isEqualTo("2001:db8:cafe::17");
    assertThat(forwarded("10.0.0.1", "for=\"[2001:db8:cafe::17]\"")).isEqualTo("2001:db8:cafe::17");
    assertThat(forwarded("10.0.0.1", "for=\"192.0.2.60:8080\"")).isEqualTo("192.0.2.60");
    assertThat(forwarded("10.0.0.1", "for=192.0.2.60:_hidden")).isEqualTo("192.0.2.60");
    assertThat(forwarded("10.0.0.1", "for=\"\\192.0.2.60\"")).isEqualTo("192.0.2.60");
    assertThat(forwarded("10.0.0.1", "for=\"[::ffff:192.0.2.60]\"")).isEqualTo("192.0.2.60");
  }

  @Test
  void xForwardedForWithPortsAndBareIpv6() {
    assertThat(xff("10.0.0.1", "203.0.113.7:51234")).isEqualTo("203.0.113.7");
    assertThat(xff("10.0.0.1", "2001:DB8::7")).isEqualTo("2001:db8::7");
    assertThat(xff("10.0.0.1", "[2001:db8::7]:443")).isEqualTo("2001:db8::7");
    assertThat(xff("10.0.0.1", "::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(xff("2001:db8:ffff::1", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(xff("::ffff:10.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "unknown",
        "_hidden",
        "evil.example.com",
        "203.0.113.7.nip.io",
        "localhost",
        "999.1.1.1",
        "010.0.0.1",
        "0x7f.0.0.1",
        "2130706433",
        "1.2.3",
        "::g",
        "[203.0.113.7]",
        "[2001:db8::1",
        "203.0.113.7:99999",
        "203.0.113.7:",
        "fe80::1%eth0",
        "١٢٣.0.0.1",
        "203.0.113.7 203.0.113.8",
        "\"203.0.113.7\""
      })
  void garbageStopsTheWalkAtTheNearestTrustedHop(String garbage) {
    assertThat(xff("10.0.0.1", "198.51.100.66, " + garbage + ", 10.0.0.2")).isEqualTo("10.0.0.2");
    assertThat(xff("10.0.0.1", garbage)).isEqualTo("10.0.0.1");
  }

  @Test
  void forwardedGarbageStopsTheWalk() {
    assertThat(forwarded("10.0.0.1", "for=198.51.100.66, for=unknown, for=10.0.0.2"))
        .isEqualTo("10.0.0.2");
    assertThat(forwarded("10.0.0.1", "for=198.51.100.66, for=_gateway")).isEqualTo("10.0.0.1");
    assertThat(forwarded("10.0.0.1", "for=198.51.100.66, proto=https")).isEqualTo("10.0.0.1");
    assertThat(forwarded("10.0.0.1", "for=\"2001:db8::1\"")).isEqualTo("10.0.0.1");
    assertThat(forwarded("10.0.0.1", "for=\"evil.example\"")).isEqualTo("10.0.0.1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "for=\"203.0.113.7",
        "for",
        "for=",
        "=203.0.113.7",
        "for=203.0.113.7 for=1.2.3.4",
        "for=1.2.3.4;for=5.6.7.8",
        "for=[2001:db8::1]",
        "for=\"a\u0000b\"",
        "for=1.2.3.4;",
        "for=1.2.3.4 ; ; by=x",
        "for=1.2.3.4\"x\"",
        "for = 1.2.3.4"
      })
  void malformedForwardedIsRejected(String value) {
    assertThatThrownBy(() -> forwarded("10.0.0.1", value))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.reason()).isEqualTo("forwarded_header_invalid");
              assertThat(e.getMessage()).doesNotContain("1.2.3.4", "203.0.113.7");
            });
  }

  @Test
  void tooManyHopsOrTooLongIsRejected() {
    String twentyOne = String.join(", ", Collections.nCopies(21, "10.0.0.9"));
    String twenty = String.join(", ", Collections.nCopies(20, "10.0.0.9"));

    assertThat(xff("10.0.0.1", twenty)).isEqualTo("10.0.0.9");
    assertThatThrownBy(() -> xff("10.0.0.1", twentyOne))
        .hasFieldOrPropertyWithValue("reason", "forwarded_header_invalid");
    assertThatThrownBy(() -> forwarded("10.0.0.1", twentyOne.replace("10.", "for=10.")))
        .hasFieldOrPropertyWithValue("reason", "forwarded_header_invalid");
    assertThatThrownBy(() -> xff("10.0.0.1", " ".repeat(5000) + "203.0.113.7"))
        .hasFieldOrPropertyWithValue("reason", "forwarded_header_invalid");
    assertThatThrownBy(() -> xff("10.0.0.1", "1.1.1.1", "2.2.2.2".repeat(600)))
        .hasFieldOrPropertyWithValue("reason", "forwarded_header_invalid");
  }

  @Test
  void bothHeadersMustAgree() {
    assertThat(
            RESOLVER.resolve("10.0.0.1", List.of("for=203.0.113.7"), List.of("203.0.113.7")).text())
        .isEqualTo("203.0.113.7");
    assertThat(
            RESOLVER
                .resolve(
                    "10.0.0.1", List.of("for=203.0.113.7"), List.of("198.51.100.1, 203.0.113.7"))
                .text())
        .isEqualTo("203.0.113.7");
    assertThatThrownBy(
            () -> RESOLVER.resolve("10.0.0.1", List.of("for=203.0.113.7"), List.of("198.51.100.1")))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo("forwarded_headers_conflict"));
    assertThat(RESOLVER.resolve("10.0.0.1", List.of(""), List.of("198.51.100.1")).text())
        .isEqualTo("198.51.100.1");
  }

  @Test
  void aBadPeerIsStillRejectedAsBefore() {
    assertThatThrownBy(() -> RESOLVER.resolve("example.com", List.of(), List.of()))
        .hasFieldOrPropertyWithValue("reason", "client_address_invalid");
  }
}
