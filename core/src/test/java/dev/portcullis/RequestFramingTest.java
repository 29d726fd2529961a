package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Framing and header checks refuse a request before the policy sees it; the body facts reach the
 * input.
 */
class RequestFramingTest {

  private final List<PolicyInput> seen = new ArrayList<>();
  private final PolicyEnforcer enforcer =
      PolicyEnforcer.builder(new CapturingEngine(seen)).maxHeaders(10, 1024).build();

  private static RawRequest get() {
    return RawRequest.of("GET", "/api/server/version", "203.0.113.7")
        .withHeader("Host", "sonar.example");
  }

  private Decision decide(RawRequest request) {
    return enforcer.decide(request, RawRequest.ACCESSOR);
  }

  private Decision decide(RawRequest request, String protocol) {
    return enforcer.decide(request, new ProtocolAccessor(protocol));
  }

  @Test
  void tooManyHeaderFieldsAre431BeforeThePolicy() {
    RawRequest request = get();
    for (int i = 0; i < 10; i++) {
      request = request.withHeader("X-Filler-" + i, "v");
    }

    assertThat(decide(request).status()).isEqualTo(431);
    assertThat(decide(request).reasons()).containsExactly("request_headers_too_large");
    assertThat(seen).isEmpty();
  }

  @Test
  void repeatedValuesCountAsFields() {
    RawRequest request = get();
    for (int i = 0; i < 10; i++) {
      request = request.withHeader("X-Same", "v" + i);
    }

    assertThat(decide(request).status()).isEqualTo(431);
  }

  @Test
  void tooManyHeaderBytesAre431() {
    assertThat(decide(get().withHeader("X-Big", "a".repeat(1100))).status()).isEqualTo(431);
    assertThat(decide(get().withHeader("X-Fits", "a".repeat(900))).allow()).isTrue();
  }

  @Test
  void defaultCapsAreAHundredFieldsAnd32KiB() {
    PolicyEnforcer defaults = PolicyEnforcer.builder(new CapturingEngine(seen)).build();
    RawRequest hundred = get();
    for (int i = 1; i < 100; i++) {
      hundred = hundred.withHeader("X-" + i, "v");
    }

    assertThat(defaults.decide(hundred, RawRequest.ACCESSOR).allow()).isTrue();
    assertThat(defaults.decide(hundred.withHeader("X-101", "v"), RawRequest.ACCESSOR).status())
        .isEqualTo(431);
  }

  @Test
  void hostMustBeOneValueAndPresentOnHttp11() {
    RawRequest twoHosts = get().withHeader("Host", "evil.example");
    RawRequest listInOne =
        RawRequest.of("GET", "/api/server/version", "203.0.113.7").withHeader("Host", "a, b");
    RawRequest noHost = RawRequest.of("GET", "/api/server/version", "203.0.113.7");

    assertThat(decide(twoHosts).reasons()).containsExactly("host_header_invalid");
    assertThat(decide(listInOne).reasons()).containsExactly("host_header_invalid");
    assertThat(decide(noHost, "HTTP/1.1").reasons()).containsExactly("host_header_missing");
    assertThat(decide(noHost, "HTTP/1.1").status()).isEqualTo(400);
    assertThat(decide(noHost, "HTTP/1.0").allow()).isTrue();
    assertThat(decide(get(), "HTTP/1.1").allow()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"gzip", "gzip, chunked", "chunked, chunked", "identity", "chunked;x=1", ""})
  void onlyPlainChunkedTransferCodingIsAccepted(String coding) {
    Decision decision = decide(get().withHeader("Transfer-Encoding", coding));

    assertThat(decision.status()).isEqualTo(501);
    assertThat(decision.reasons()).containsExactly("transfer_encoding_not_supported");
  }

  @Test
  void transferEncodingOnHttp10IsRefused() {
    RawRequest chunked = get().withHeader("Transfer-Encoding", "chunked");

    Decision decision = decide(chunked, "HTTP/1.0");

    assertThat(decision.status()).isEqualTo(400);
    assertThat(decision.reasons()).containsExactly("transfer_encoding_in_http10");
    assertThat(decide(chunked, "HTTP/1.1").allow()).isTrue();
    assertThat(decide(get(), "HTTP/1.0").allow()).isTrue();
  }

  @Test
  void twoTransferEncodingHeadersAreRefused() {
    assertThat(
            decide(
                    get()
                        .withHeader("Transfer-Encoding", "chunked")
                        .withHeader("Transfer-Encoding", "chunked"))
                .status())
        .isEqualTo(501);
  }

  @Test
  void twoContentTypesAreRefused() {
    Decision decision =
        decide(
            get()
                .withHeader("Content-Type", "text/plain")
                .withHeader("Content-Type", "multipart/form-data"));

    assertThat(decision.status()).isEqualTo(400);
    assertThat(decision.reasons()).containsExactly("content_type_ambiguous");
  }

  @Test
  void connectionMayNotNameTheContentType() {
    assertThat(decide(get().withHeader("Connection", "close, Content-Type")).reasons())
        .containsExactly("connection_header_invalid");
  }

  @Test
  void bodyFactsReachTheInput() {
    decide(
        get()
            .withHeader("Content-Type", " Multipart/Form-Data ; boundary=x")
            .withHeader("Transfer-Encoding", "Chunked"));
    decide(
        get()
            .withHeader("Content-Length", "12")
            .withHeader("Content-Type", "application/x-www-form-urlencoded"));
    decide(get().withHeader("Content-Length", "0").withHeader("Content-Type", "text/plain"));
    decide(get());

    assertThat(seen)
        .extracting(input -> input.request().body())
        .containsExactly(
            new PolicyInput.Body(true, true, "multipart/form-data"),
            new PolicyInput.Body(true, false, "application/x-www-form-urlencoded"),
            new PolicyInput.Body(false, false, "text/plain"),
            PolicyInput.Body.NONE);
  }

  @Test
  void aDeclaredLengthOverTheAllowsBodyLimitIs413BeforeAnythingIsForwarded() {
    PolicyEnforcer limited =
        PolicyEnforcer.builder(
                new dev.portcullis.spi.PolicyEngine() {
                  @Override
                  public Decision evaluate(PolicyInput input) {
                    return Decision.allow(List.of("ok"), "Ok.").withMaxBodyBytes(100);
                  }

                  @Override
                  public String describe() {
                    return "limiting";
                  }
                })
            .build();

    Decision over = limited.decide(get().withHeader("Content-Length", "101"), RawRequest.ACCESSOR);
    Decision at = limited.decide(get().withHeader("Content-Length", "100"), RawRequest.ACCESSOR);
    Decision chunked =
        limited.decide(get().withHeader("Transfer-Encoding", "chunked"), RawRequest.ACCESSOR);

    assertThat(over).isEqualTo(Decision.bodyTooLarge());
    assertThat(at.allow()).isTrue();
    assertThat(chunked.allow()).as("the adapter caps what streams").isTrue();
    assertThat(chunked.maxBodyBytes()).isEqualTo(100);
  }

  /** {@link RawRequest#ACCESSOR} with a protocol version. */
  private record ProtocolAccessor(String version)
      implements dev.portcullis.spi.RequestAccessor<RawRequest> {
    @Override
    public String method(RawRequest request) {
      return RawRequest.ACCESSOR.method(request);
    }

    @Override
    public String rawTarget(RawRequest request) {
      return RawRequest.ACCESSOR.rawTarget(request);
    }

    @Override
    public Iterable<String> headerNames(RawRequest request) {
      return RawRequest.ACCESSOR.headerNames(request);
    }

    @Override
    public List<String> headerValues(RawRequest request, String name) {
      return RawRequest.ACCESSOR.headerValues(request, name);
    }

    @Override
    public String remoteAddress(RawRequest request) {
      return RawRequest.ACCESSOR.remoteAddress(request);
    }

    @Override
    public String protocol(RawRequest request) {
      return version;
    }
  }

  /** Allows everything and records what it judged. */
  record CapturingEngine(List<PolicyInput> seen) implements dev.portcullis.spi.PolicyEngine {
    @Override
    public Decision evaluate(PolicyInput input) {
      seen.add(input);
      return Decision.allow(List.of("ok"), "Ok.");
    }

    @Override
    public String describe() {
      return "capturing";
    }
  }
}
