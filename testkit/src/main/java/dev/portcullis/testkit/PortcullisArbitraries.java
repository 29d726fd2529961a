package dev.portcullis.testkit;

import dev.portcullis.RawRequest;
import dev.portcullis.client.Cidr;
import dev.portcullis.client.IpAddress;
import dev.portcullis.credential.CredentialValidity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik arbitraries of SonarQube traffic, as {@link RawRequest}s or pieces of them: what scanners
 * send, what a leaked token would try, hostile spellings of both, credentials and client addresses.
 *
 * <p>The scanner calls come from scans recorded against SonarQube 9.9 and 26.9 and from the
 * researched surface (docs/SURFACE.md); the sensitive endpoints and their families from the default
 * policy's denials. Requests carry a {@code Host} header, come from {@link #SCANNER_IP} unless said
 * otherwise, and carry no body bytes ({@link RawRequest} has none): a body is declared by its
 * {@code Content-Type} and {@code Content-Length}, which is all a policy sees of it.
 *
 * <p>Use them from a {@code @Provide} method, or directly with {@code @ForAll("...")}:
 *
 * <pre>{@code
 * @Provide
 * Arbitrary<RawRequest> scannerCalls() {
 *   return PortcullisArbitraries.scannerTraffic(ServerGeneration.SONARQUBE_2025, ScannerKind.MAVEN);
 * }
 * }</pre>
 *
 * <p>Every token is made up (hex after a SonarQube prefix); see {@link TestCredential}.
 * Thread-safe: stateless.
 */
public final class PortcullisArbitraries {

  /** The {@code Host} header of generated requests. */
  public static final String HOST = "sonarqube.example.com";

  /** The client address of generated requests unless a test changes it (TEST-NET-3). */
  public static final String SCANNER_IP = "203.0.113.10";

  private static final String HEX = "0123456789abcdef";
  private static final List<String> PLUGINS =
      List.of(
          "java",
          "javascript",
          "python",
          "csharp",
          "vbnet",
          "xml",
          "text",
          "iac",
          "kotlin",
          "php",
          "go",
          "ruby",
          "web",
          "jacoco",
          "config",
          "flex",
          "sonarscala",
          "cayc");

  private PortcullisArbitraries() {}

  // ---------------------------------------------------------------- scanner traffic

  /**
   * Single calls of a scan by {@code kind} against a server of {@code generation}, for project keys
   * from {@link #projectKeys()}, each with the credential that scanner sends there: a project
   * analysis token (Basic, or Bearer on the {@code /api/v2/analysis/} bootstrap), or none on the
   * anonymous bootstrap calls that scanner makes without one.
   */
  public static Arbitrary<RawRequest> scannerTraffic(
      ServerGeneration generation, ScannerKind kind) {
    return scannerTraffic(generation, kind, projectKeys());
  }

  /** As {@link #scannerTraffic(ServerGeneration, ScannerKind)}, for the given project keys. */
  public static Arbitrary<RawRequest> scannerTraffic(
      ServerGeneration generation, ScannerKind kind, Arbitrary<String> projectKeys) {
    return scans(generation, kind, projectKeys).flatMap(Arbitraries::of);
  }

  /**
   * Whole scans, every call in the order the scanner makes them, with one token and one project key
   * per scan.
   */
  public static Arbitrary<List<RawRequest>> scans(ServerGeneration generation, ScannerKind kind) {
    return scans(generation, kind, projectKeys());
  }

  /** As {@link #scans(ServerGeneration, ScannerKind)}, for the given project keys. */
  public static Arbitrary<List<RawRequest>> scans(
      ServerGeneration generation, ScannerKind kind, Arbitrary<String> projectKeys) {
    Objects.requireNonNull(generation, "generation");
    Objects.requireNonNull(kind, "kind");
    return Combinators.combine(
            projectKeys,
            tokens(TestCredential.Kind.PROJECT_ANALYSIS_TOKEN),
            Arbitraries.strings().withChars(HEX).ofLength(20),
            Arbitraries.of(PLUGINS).set().ofMinSize(1).ofMaxSize(4))
        .as(
            (project, token, id, plugins) ->
                new Scan(generation, kind, project, token, id, List.copyOf(plugins)).calls());
  }

  /**
   * Project keys as teams name them: plain, dashed, Maven {@code group:artifact}, dotted. Shrinks
   * towards {@code demo}.
   */
  public static Arbitrary<String> projectKeys() {
    Arbitrary<String> word =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    return Arbitraries.oneOf(
        Arbitraries.of("demo", "team-a-service", "org.example:app", "my_project"),
        word.map(w -> "team-" + w),
        Combinators.combine(word, word).as((g, a) -> "com." + g + ":" + a));
  }

  // ---------------------------------------------------------------- sensitive endpoints

  /**
   * Requests to the sensitive endpoints of {@code family}, without a credential (add one with
   * {@link TestCredential#applyTo}); the default policy denies each with {@link
   * EndpointFamily#reason()} for any credential it accepts.
   */
  public static Arbitrary<RawRequest> sensitiveEndpoints(EndpointFamily family) {
    return Arbitraries.of(family.examples()).map(PortcullisArbitraries::request);
  }

  /** Requests to the sensitive endpoints of every family. */
  public static Arbitrary<RawRequest> sensitiveEndpoints() {
    return Arbitraries.of(EndpointFamily.values())
        .flatMap(PortcullisArbitraries::sensitiveEndpoints);
  }

  // ---------------------------------------------------------------- hostile variants

  /**
   * Hostile spellings of {@code request}'s path ({@link PathVariant}), its query kept. A policy
   * that denies {@code request} must deny every one of them (Portcullis refuses most with a 400
   * before the policy runs).
   */
  public static Arbitrary<RawRequest> pathVariants(RawRequest request) {
    String target = request.target();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? "" : target.substring(q);
    return Combinators.combine(
            Arbitraries.of(PathVariant.values()), Arbitraries.integers().between(0, 63))
        .as(
            (variant, position) ->
                RawRequests.withTarget(request, variant.apply(path, position) + query));
  }

  /**
   * Hostile spellings of {@code request}: its path ({@link #pathVariants}), its method's case, a
   * form body declared on it, and method-override headers.
   */
  public static Arbitrary<RawRequest> hostileVariants(RawRequest request) {
    return Arbitraries.oneOf(
        pathVariants(request),
        Arbitraries.of("get", "Post", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
            .map(method -> RawRequests.withMethod(request, method)),
        Arbitraries.of(ParameterPlacement.MULTIPART_BODY, ParameterPlacement.URLENCODED_BODY)
            .map(placement -> withDeclaredBody(request, placement)),
        Arbitraries.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
            .map(header -> request.withHeader(header, "DELETE")));
  }

  /**
   * Placements of the parameter {@code name} on {@code request}: one to three occurrences, each in
   * the query or a declared form body ({@link ParameterPlacement}), under its name, a
   * percent-encoded or upper-case spelling of it, or with a {@code []} suffix, carrying the
   * request's own value or {@code otherValue}, percent-encoded or not. The parameter is first
   * removed from the request's query.
   *
   * <p>What SonarQube reads is the first value under the exact name, the query's before the body's
   * (multipart on every method, urlencoded on POST). The body's values are not in the request
   * ({@link RawRequest} carries none): a policy sees only that a form body is declared, so it must
   * refuse a body wherever a parameter could hide in it.
   */
  public static Arbitrary<RawRequest> parameterVariants(
      RawRequest request, String name, String otherValue) {
    String target = request.target();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    List<String> kept = new ArrayList<>();
    String ownValue = "";
    if (q >= 0) {
      for (String pair : target.substring(q + 1).split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        if (key.equals(name)) {
          ownValue = ownValue.isEmpty() && eq >= 0 ? pair.substring(eq + 1) : ownValue;
        } else if (!pair.isEmpty()) {
          kept.add(pair);
        }
      }
    }
    String value = ownValue;
    Arbitrary<Occurrence> occurrence =
        Combinators.combine(
                Arbitraries.of(ParameterPlacement.values()),
                Arbitraries.of(NameSpelling.values()),
                Arbitraries.of(value, otherValue),
                Arbitraries.of(false, true))
            .as(Occurrence::new);
    return occurrence
        .list()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(
            occurrences -> {
              List<String> query = new ArrayList<>(kept);
              ParameterPlacement body = null;
              for (Occurrence o : occurrences) {
                if (o.placement() == ParameterPlacement.QUERY) {
                  query.add(
                      o.spelling().apply(name)
                          + "="
                          + (o.encode() ? percentEncodeAll(o.value()) : o.value()));
                } else if (body == null) {
                  body = o.placement();
                }
              }
              String newTarget = path + (query.isEmpty() ? "" : "?" + String.join("&", query));
              RawRequest varied = RawRequests.withTarget(request, newTarget);
              return body == null ? varied : withDeclaredBody(varied, body);
            });
  }

  /** How a parameter name is spelt in a variant. */
  private enum NameSpelling {
    EXACT,
    FIRST_CHARACTER_ENCODED,
    UPPER_CASE,
    ARRAY_SUFFIX;

    String apply(String name) {
      switch (this) {
        case FIRST_CHARACTER_ENCODED:
          return name.isEmpty() ? name : percentEncodeAll(name.substring(0, 1)) + name.substring(1);
        case UPPER_CASE:
          return name.toUpperCase(Locale.ROOT);
        case ARRAY_SUFFIX:
          return name + "%5B%5D";
        default:
          return name;
      }
    }
  }

  private record Occurrence(
      ParameterPlacement placement, NameSpelling spelling, String value, boolean encode) {}

  /**
   * {@code request} declaring a form body of the given placement's media type ({@code QUERY} leaves
   * it unchanged).
   */
  public static RawRequest withDeclaredBody(RawRequest request, ParameterPlacement placement) {
    switch (placement) {
      case MULTIPART_BODY:
        return RawRequests.withHeaderReplaced(
                request, "Content-Type", "multipart/form-data; boundary=portcullis-test")
            .withHeader("Content-Length", "200");
      case URLENCODED_BODY:
        return RawRequests.withHeaderReplaced(
                request, "Content-Type", "application/x-www-form-urlencoded")
            .withHeader("Content-Length", "200");
      default:
        return request;
    }
  }

  // ---------------------------------------------------------------- credentials

  /**
   * Made-up credentials of {@code kind} with the given validity: tokens as Bearer or as Basic with
   * an empty password, passwords as Basic user and password, {@link TestCredential#NONE} for {@code
   * NONE} (whose validity is always {@code UNKNOWN}).
   */
  public static Arbitrary<TestCredential> credentials(
      TestCredential.Kind kind, CredentialValidity validity) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(validity, "validity");
    if (kind == TestCredential.Kind.NONE) {
      return Arbitraries.just(TestCredential.NONE);
    }
    if (kind == TestCredential.Kind.PASSWORD) {
      return Combinators.combine(
              Arbitraries.of("admin", "ci-bot", "alice"),
              Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(16))
          .as((user, password) -> TestCredential.basic(kind, user, password, validity));
    }
    return Combinators.combine(tokens(kind), Arbitraries.of(false, true))
        .as(
            (token, bearer) ->
                bearer
                    ? TestCredential.bearer(kind, token, validity)
                    : TestCredential.basicToken(kind, token, validity));
  }

  /** Made-up credentials of every kind and validity, none included. */
  public static Arbitrary<TestCredential> credentials() {
    return Combinators.combine(
            Arbitraries.of(TestCredential.Kind.values()),
            Arbitraries.of(CredentialValidity.values()))
        .flatAs(PortcullisArbitraries::credentials);
  }

  /**
   * Made-up tokens of {@code kind}: its prefix and 40 lower-case hex digits, the shape of a
   * SonarQube token ({@code UNPREFIXED_TOKEN}: the hex alone).
   */
  public static Arbitrary<String> tokens(TestCredential.Kind kind) {
    if (!kind.isToken()) {
      throw new IllegalArgumentException(kind + " is not a token kind");
    }
    return Arbitraries.strings().withChars(HEX).ofLength(40).map(hex -> kind.prefix() + hex);
  }

  // ---------------------------------------------------------------- client addresses

  /**
   * Client addresses inside at least one of {@code cidrs} (IPv4 or IPv6, such as {@code
   * 203.0.113.0/24} or {@code 2001:db8::/32}), in canonical text; the edges of each range come up
   * often.
   */
  public static Arbitrary<String> clientIpsIn(String... cidrs) {
    List<Arbitrary<String>> ranges = new ArrayList<>();
    for (String cidr : cidrs) {
      ranges.add(addressesIn(cidr));
    }
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException("name at least one CIDR");
    }
    return Arbitraries.oneOf(ranges);
  }

  /**
   * Client addresses of both families outside every one of {@code cidrs}: near misses just outside
   * each range and addresses from anywhere. Fails to generate when the ranges cover everything.
   */
  public static Arbitrary<String> clientIpsOutside(String... cidrs) {
    List<Cidr> parsed = Arrays.stream(cidrs).map(Cidr::parse).toList();
    List<Arbitrary<String>> sources = new ArrayList<>();
    for (String cidr : cidrs) {
      sources.add(nearMisses(cidr));
    }
    sources.add(anyAddresses(4));
    sources.add(anyAddresses(16));
    return Arbitraries.oneOf(sources).filter(ip -> parsed.stream().noneMatch(c -> c.contains(ip)));
  }

  /** Client addresses from anywhere, IPv4 and IPv6. */
  public static Arbitrary<String> clientIps() {
    return Arbitraries.oneOf(anyAddresses(4), anyAddresses(16));
  }

  private static Arbitrary<String> addressesIn(String cidr) {
    Cidr range = Cidr.parse(cidr);
    byte[] base = baseOf(cidr);
    int prefix = range.prefixLength() - (base.length == 4 && cidr.contains(":") ? 96 : 0);
    Arbitrary<byte[]> hostBits = Arbitraries.bytes().array(byte[].class).ofSize(base.length);
    Arbitrary<byte[]> edges = Arbitraries.of(new byte[base.length], filled(base.length));
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, hostBits), net.jqwik.api.Tuple.of(1, edges))
        .map(host -> IpAddress.of(merge(base, host, prefix)).text());
  }

  private static Arbitrary<String> nearMisses(String cidr) {
    Cidr range = Cidr.parse(cidr);
    byte[] base = baseOf(cidr);
    int prefix = range.prefixLength() - (base.length == 4 && cidr.contains(":") ? 96 : 0);
    if (prefix == 0) {
      return anyAddresses(base.length == 4 ? 16 : 4);
    }
    return Combinators.combine(
            Arbitraries.integers().between(0, prefix - 1),
            Arbitraries.bytes().array(byte[].class).ofSize(base.length))
        .as(
            (flip, host) -> {
              byte[] address = merge(base, host, prefix);
              address[flip / 8] ^= (byte) (0x80 >>> (flip % 8));
              return IpAddress.of(address).text();
            });
  }

  private static Arbitrary<String> anyAddresses(int length) {
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofSize(length)
        .map(bytes -> IpAddress.of(bytes).text());
  }

  private static byte[] baseOf(String cidr) {
    int slash = cidr.indexOf('/');
    return IpAddress.parse(slash < 0 ? cidr : cidr.substring(0, slash)).bytes();
  }

  private static byte[] filled(int length) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) 0xff);
    return bytes;
  }

  /** The first {@code prefix} bits of {@code network}, the rest from {@code host}. */
  private static byte[] merge(byte[] network, byte[] host, int prefix) {
    byte[] out = new byte[network.length];
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      int mask = bits == 0 ? 0 : (0xff << (8 - bits)) & 0xff;
      out[i] = (byte) ((network[i] & mask) | (host[i] & ~mask & 0xff));
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  static RawRequest request(String methodAndTarget) {
    int space = methodAndTarget.indexOf(' ');
    return RawRequest.of(
            methodAndTarget.substring(0, space), methodAndTarget.substring(space + 1), SCANNER_IP)
        .withHeader("Host", HOST);
  }

  static String percentEncodeAll(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      out.append(String.format("%%%02X", b & 0xff));
    }
    return out.toString();
  }
}
