package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.client.TrustedProxies;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client IP the enforcer puts into the policy input, with and without trusted proxies. */
class PolicyEnforcerClientAddressTest {

  private final List<PolicyInput> seen = new ArrayList<>();

  private PolicyEnforcer enforcer(TrustedProxies proxies) {
    return PolicyEnforcer.builder(
            PolicyEnforcerTest.engine(
                input -> {
                  seen.add(input);
                  return Decision.allow(List.of("ok"), "Ok.");
                }))
        .trustedProxies(proxies)
        .build();
  }

  private static RawRequest fromProxy(String peer) {
    return RawRequest.of("GET", "/api/server/version", peer)
        .withHeader("X-Forwarded-For", "198.51.100.66, 203.0.113.7")
        .withHeader("Forwarded", "for=198.51.100.66, for=203.0.113.7");
  }

  @Test
  void byDefaultTheClientIsThePeerWhateverTheHeadersSay() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                PolicyEnforcerTest.engine(
                    input -> {
                      seen.add(input);
                      return Decision.allow(List.of("ok"), "Ok.");
                    }))
            .build();

    assertThat(enforcer.decide(fromProxy("10.0.0.1"), RawRequest.ACCESSOR).allow()).isTrue();
    assertThat(seen).singleElement().extracting(input -> input.client().ip()).isEqualTo("10.0.0.1");
  }

  @Test
  void behindATrustedProxyTheClientComesFromTheHeaders() {
    assertThat(
            enforcer(TrustedProxies.of("10.0.0.0/8"))
                .decide(fromProxy("::ffff:10.0.0.1"), RawRequest.ACCESSOR)
                .allow())
        .isTrue();
    assertThat(seen)
        .singleElement()
        .extracting(input -> input.client().ip())
        .isEqualTo("203.0.113.7");
  }

  @Test
  void anUntrustedPeerCannotSpoofTheClient() {
    enforcer(TrustedProxies.of("10.0.0.0/8")).decide(fromProxy("192.0.2.1"), RawRequest.ACCESSOR);

    assertThat(seen)
        .singleElement()
        .extracting(input -> input.client().ip())
        .isEqualTo("192.0.2.1");
  }

  @Test
  void malformedOrConflictingHeadersFromATrustedProxyAre400WithoutAskingThePolicy() {
    PolicyEnforcer enforcer = enforcer(TrustedProxies.of("10.0.0.0/8"));

    Decision malformed =
        enforcer.decide(
            RawRequest.of("GET", "/api/server/version", "10.0.0.1")
                .withHeader("Forwarded", "for=\"203.0.113.7"),
            RawRequest.ACCESSOR);
    Decision conflicting =
        enforcer.decide(
            RawRequest.of("GET", "/api/server/version", "10.0.0.1")
                .withHeader("Forwarded", "for=203.0.113.7")
                .withHeader("X-Forwarded-For", "198.51.100.66"),
            RawRequest.ACCESSOR);

    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.reasons()).containsExactly("forwarded_header_invalid");
    assertThat(conflicting.status()).isEqualTo(400);
    assertThat(conflicting.reasons()).containsExactly("forwarded_headers_conflict");
    assertThat(seen).isEmpty();
  }
}
