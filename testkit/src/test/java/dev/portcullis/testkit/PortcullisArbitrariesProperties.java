package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.RawRequest;
import dev.portcullis.client.Cidr;
import dev.portcullis.client.IpAddress;
import dev.portcullis.credential.CredentialValidity;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** What the public arbitraries generate is what they say. */
class PortcullisArbitrariesProperties {

  private static final String[] CIDRS = {"203.0.113.0/24", "10.20.0.0/15", "2001:db8:42::/48"};

  @Property
  void clientIpsInAreInsideARange(@ForAll("inside") String ip) {
    assertThat(List.of(CIDRS)).anyMatch(cidr -> Cidr.parse(cidr).contains(ip));
    assertThat(IpAddress.parse(ip).text()).isEqualTo(ip);
  }

  @Property
  void clientIpsOutsideAreOutsideEveryRange(@ForAll("outside") String ip) {
    assertThat(List.of(CIDRS)).noneMatch(cidr -> Cidr.parse(cidr).contains(ip));
    assertThat(IpAddress.parse(ip).text()).isEqualTo(ip);
  }

  @Example
  void clientIpsOutsideComeInBothFamilies() {
    List<String> ips =
        PortcullisArbitraries.clientIpsOutside(CIDRS).sampleStream().limit(200).toList();
    assertThat(ips).anyMatch(ip -> ip.contains(":")).anyMatch(ip -> !ip.contains(":"));
  }

  @Property
  void credentialsHaveTheShapeOfTheirKind(
      @ForAll TestCredential.Kind kind, @ForAll CredentialValidity validity) {
    TestCredential credential = PortcullisArbitraries.credentials(kind, validity).sample();
    if (kind == TestCredential.Kind.NONE) {
      assertThat(credential).isEqualTo(TestCredential.NONE);
      return;
    }
    assertThat(credential.validity()).isEqualTo(validity);
    String secret = secretOf(credential.authorization());
    if (kind.isToken()) {
      assertThat(secret).matches(kind.prefix() + "[0-9a-f]{40}");
    } else {
      assertThat(secret).contains(":").doesNotEndWith(":");
    }
  }

  @Property(tries = 300)
  void pathVariantsKeepTheQueryAndChangeThePath(
      @ForAll PathVariant variant, @ForAll @IntRange(max = 100) int position) {
    String path = "/api/users/search";
    String varied = variant.apply(path, position);
    if (variant == PathVariant.AS_IS) {
      assertThat(varied).isEqualTo(path);
    } else {
      assertThat(varied).isNotEqualTo(path);
    }
    RawRequest request = RawRequest.of("GET", path + "?q=a", "203.0.113.9");
    assertThat(PortcullisArbitraries.pathVariants(request).sample().target()).endsWith("?q=a");
  }

  @Property(tries = 300)
  void parameterVariantsPlaceTheParameterSomewhere(@ForAll("projectVariants") RawRequest request) {
    String target = request.target();
    boolean inQuery = !target.equals("/api/settings/values?ps=1");
    boolean body = RawRequest.ACCESSOR.headerValues(request, "Content-Type").size() == 1;
    assertThat(inQuery || body).as(target).isTrue();
    assertThat(target).startsWith("/api/settings/values?ps=1");
    assertThat(target.split("&").length).isLessThanOrEqualTo(4);
  }

  @Property(tries = 100)
  void everyScanIsInOrderAndHasItsGenerationsBootstrap(
      @ForAll ServerGeneration generation, @ForAll ScannerKind kind) {
    List<RawRequest> scan = PortcullisArbitraries.scans(generation, kind).sample();
    List<String> targets = scan.stream().map(RawRequest::target).toList();
    switch (generation) {
      case SONARQUBE_9_9:
        assertThat(targets).anyMatch(t -> t.startsWith("/batch/index"));
        assertThat(targets).anyMatch(t -> t.startsWith("/api/rules/search.protobuf"));
        break;
      case SONARQUBE_10:
        assertThat(targets).anyMatch(t -> t.startsWith("/api/rules/list.protobuf"));
        break;
      default:
        assertThat(targets).anyMatch(t -> t.startsWith("/api/v2/analysis/engine"));
        assertThat(targets).noneMatch(t -> t.startsWith("/batch/index"));
    }
    assertThat(targets).anyMatch(t -> t.startsWith("/api/ce/submit?projectKey="));
    assertThat(
            targets.indexOf(
                targets.stream().filter(t -> t.startsWith("/api/ce/submit")).findFirst().get()))
        .isLessThan(targets.size() - 1);
    assertThat(scan).allMatch(r -> r.remoteAddress().equals(PortcullisArbitraries.SCANNER_IP));
  }

  @Property(tries = 100)
  void sensitiveEndpointsAreThoseOfTheirFamily(@ForAll EndpointFamily family) {
    RawRequest request = PortcullisArbitraries.sensitiveEndpoints(family).sample();
    assertThat(family.examples()).contains(request.method() + " " + request.target());
    assertThat(RawRequest.ACCESSOR.headerValues(request, "Authorization")).isEmpty();
  }

  @Provide
  Arbitrary<String> inside() {
    return PortcullisArbitraries.clientIpsIn(CIDRS);
  }

  @Provide
  Arbitrary<String> outside() {
    return PortcullisArbitraries.clientIpsOutside(CIDRS);
  }

  @Provide
  Arbitrary<RawRequest> projectVariants() {
    return PortcullisArbitraries.parameterVariants(
        RawRequest.of("GET", "/api/settings/values?ps=1&component=demo", "203.0.113.9"),
        "component",
        "other");
  }

  private static String secretOf(String authorization) {
    if (authorization.startsWith("Bearer ")) {
      return authorization.substring("Bearer ".length());
    }
    String decoded =
        new String(
            Base64.getDecoder().decode(authorization.substring("Basic ".length())),
            StandardCharsets.UTF_8);
    return decoded.endsWith(":") ? decoded.substring(0, decoded.length() - 1) : decoded;
  }
}
