package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.testkit.DecisionAssert;
import dev.portcullis.testkit.ParameterPlacement;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.RawRequests;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The bundled policy in the real wasm engine, behind the real enforcer, with {@code
 * allowed_project_keys: ["demo"]}: however a project parameter is placed (query, multipart or
 * urlencoded body, both, duplicated, encoded), a request is allowed only when the project SonarQube
 * would read is an allowed one; and no variant of a denied endpoint is ever allowed.
 *
 * <p>What SonarQube reads: a servlet container's {@code getParameter} returns the first value, with
 * the query's values before the body's, and it parses multipart bodies on every method, urlencoded
 * bodies on POST.
 */
class ParameterSmugglingProperties {

  private static final String TOKEN = "sqa_0123456789abcdef0123456789abcdef01234567";
  private static final String ALLOWED = "demo";
  private static final String VICTIM = "other";

  private static OpaWasmPolicyEngine engine;
  private static PolicyEnforcer enforcer;

  @BeforeContainer
  static void loadPolicy() {
    engine =
        SonarQubePolicy.engine(
                "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"demo\"]}}}}")
            .instances(1)
            .build();
    enforcer =
        SonarQubePolicy.enforcer(engine)
            .credentialVerifier(
                CredentialVerifier.of(
                    credential -> CredentialVerification.asserted(CredentialValidity.VALID)))
            .build();
  }

  @AfterContainer
  static void close() {
    engine.close();
  }

  /** An allow-listed endpoint and the name of its project parameter. */
  record ProjectEndpoint(String method, String path, String parameter) {}

  /** Where a parameter travels. */
  enum Placement {
    QUERY,
    MULTIPART_BODY,
    URLENCODED_BODY
  }

  /** One occurrence of a parameter: where, under which (raw) name, with which value. */
  record Occurrence(Placement placement, NameForm nameForm, String value, boolean encodeValue) {}

  @Property(tries = 400)
  void aRequestIsAllowedOnlyForTheProjectTheServerWouldRead(
      @ForAll("projectEndpoints") ProjectEndpoint endpoint,
      @ForAll("occurrences") List<Occurrence> occurrences) {
    RawRequest request = request(endpoint, occurrences);

    Decision decision = enforcer.decide(request, RawRequest.ACCESSOR);

    if (decision.allow()) {
      assertThat(projectTheServerReads(endpoint, occurrences))
          .as("%s -> %s", request, decision)
          .isEqualTo(ALLOWED);
    }
  }

  @Property(tries = 300)
  void noVariantOfADeniedEndpointIsAllowed(
      @ForAll("deniedVariants") RawRequest variant,
      @ForAll("methods") String method,
      @ForAll boolean withFormBody) {
    RawRequest request = authorized(RawRequests.withMethod(variant, method));
    if (withFormBody) {
      request = PortcullisArbitraries.withDeclaredBody(request, ParameterPlacement.MULTIPART_BODY);
    }

    Decision decision = enforcer.decide(request, RawRequest.ACCESSOR);

    DecisionAssert.assertThat(decision, request).isDenied();
  }

  @Provide
  Arbitrary<ProjectEndpoint> projectEndpoints() {
    return Arbitraries.of(
        new ProjectEndpoint("GET", "/api/settings/values", "component"),
        new ProjectEndpoint("GET", "/api/settings/values.protobuf", "component"),
        new ProjectEndpoint("GET", "/api/qualityprofiles/search", "project"),
        new ProjectEndpoint("GET", "/api/qualityprofiles/search.protobuf", "projectKey"),
        new ProjectEndpoint("GET", "/api/v2/analysis/active_rules", "projectKey"),
        new ProjectEndpoint("GET", "/api/new_code_periods/show.protobuf", "project"),
        new ProjectEndpoint("GET", "/batch/project.protobuf", "key"),
        new ProjectEndpoint("GET", "/api/analysis_cache/get", "project"),
        new ProjectEndpoint("GET", "/api/qualitygates/project_status", "projectKey"),
        new ProjectEndpoint("GET", "/api/measures/component", "component"),
        new ProjectEndpoint("GET", "/api/project_branches/list", "project"),
        new ProjectEndpoint("POST", "/api/ce/submit", "projectKey"));
  }

  @Provide
  Arbitrary<List<Occurrence>> occurrences() {
    Arbitrary<Occurrence> occurrence =
        Combinators.combine(
                Arbitraries.of(Placement.values()),
                Arbitraries.of(NameForm.values()),
                Arbitraries.of(ALLOWED, VICTIM, "Demo", "demo ", ""),
                Arbitraries.of(false, true))
            .as(Occurrence::new);
    return occurrence.list().ofMinSize(1).ofMaxSize(3);
  }

  /**
   * How the parameter's name is written; only {@link #PLAIN} and {@link #ENCODED} name the real
   * parameter.
   */
  enum NameForm {
    PLAIN,
    ENCODED,
    UPPER,
    SUFFIXED
  }

  /**
   * Denied paths beyond the testkit's sensitive families (unlisted API, web UI, root) and the
   * families themselves, each in every hostile spelling the testkit knows.
   */
  @Provide
  Arbitrary<RawRequest> deniedVariants() {
    Arbitrary<RawRequest> others =
        Arbitraries.of(
                "/api/users/search",
                "/api/v2/users-management/users",
                "/api/measures/search",
                "/api/hotspots/search",
                "/admin/users",
                "/")
            .map(path -> RawRequest.of("GET", path, "203.0.113.7"));
    return Arbitraries.oneOf(others, PortcullisArbitraries.sensitiveEndpoints())
        .flatMap(PortcullisArbitraries::pathVariants);
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("GET", "POST", "HEAD", "PUT", "DELETE");
  }

  private static RawRequest request(ProjectEndpoint endpoint, List<Occurrence> occurrences) {
    List<String> query = new ArrayList<>();
    Placement bodyKind = null;
    for (Occurrence occurrence : occurrences) {
      String name = rawName(endpoint.parameter(), occurrence.nameForm());
      if (occurrence.placement() == Placement.QUERY) {
        query.add(
            name
                + "="
                + (occurrence.encodeValue()
                    ? percentEncodeAll(occurrence.value())
                    : urlEncode(occurrence.value())));
      } else {
        bodyKind = occurrence.placement();
      }
    }
    String target = endpoint.path() + (query.isEmpty() ? "" : "?" + String.join("&", query));
    RawRequest request = authorized(RawRequest.of(endpoint.method(), target, "203.0.113.7"));
    if (endpoint.method().equals("POST") && bodyKind == null) {
      bodyKind = Placement.MULTIPART_BODY; // a report upload always has its multipart body
    }
    if (bodyKind != null) {
      request =
          request
              .withHeader(
                  "Content-Type",
                  bodyKind == Placement.MULTIPART_BODY
                      ? "multipart/form-data; boundary=b"
                      : "application/x-www-form-urlencoded")
              .withHeader("Content-Length", "200");
    }
    return request;
  }

  /**
   * The project the server reads: the first value of the real parameter name, query before body.
   */
  private static String projectTheServerReads(
      ProjectEndpoint endpoint, List<Occurrence> occurrences) {
    List<String> query = new ArrayList<>();
    List<String> body = new ArrayList<>();
    for (Occurrence occurrence : occurrences) {
      boolean realName =
          occurrence.nameForm() == NameForm.PLAIN || occurrence.nameForm() == NameForm.ENCODED;
      if (!realName) {
        continue;
      }
      boolean parsedBody =
          occurrence.placement() == Placement.MULTIPART_BODY
              || (occurrence.placement() == Placement.URLENCODED_BODY
                  && endpoint.method().equals("POST"));
      if (occurrence.placement() == Placement.QUERY) {
        query.add(occurrence.value());
      } else if (parsedBody) {
        body.add(occurrence.value());
      }
    }
    query.addAll(body);
    return query.isEmpty() ? null : query.get(0);
  }

  private static String rawName(String parameter, NameForm form) {
    switch (form) {
      case ENCODED:
        return percentEncodeAll(parameter.substring(0, 1)) + parameter.substring(1);
      case UPPER:
        return parameter.toUpperCase(Locale.ROOT);
      case SUFFIXED:
        return parameter + "%5B%5D";
      default:
        return parameter;
    }
  }

  private static String urlEncode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String percentEncodeAll(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      out.append(String.format("%%%02X", b & 0xff));
    }
    return out.toString();
  }

  private static RawRequest authorized(RawRequest request) {
    return RawRequests.withHeaderReplaced(request, "Host", "sonar.example.com")
        .withHeader(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((TOKEN + ":").getBytes(StandardCharsets.UTF_8)));
  }
}
