package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The decision cache's key: the declared fields decide equality, the undeclared never do, and the
 * field list covers the whole input document so that a declaration can name every field.
 */
class DecisionKeyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request that sets every field of the input document, content_length included. */
  static PolicyInput full(String clientIp, String verifier) {
    return new PolicyInput(
        PolicyInput.Request.of(
            "POST",
            CanonicalTarget.parse("/api/ce/submit?projectKey=a&projectKey=b"),
            Map.of("content-type", "multipart/form-data; boundary=x"),
            List.of("authorization", "content-type", "host"),
            42,
            PolicyInput.Body.of(true, false, "multipart/form-data")),
        new PolicyInput.Client(clientIp),
        new PolicyInput.CredentialSummary(
            true,
            CredentialScheme.BEARER,
            new CredentialKind("sqp"),
            CredentialValidity.VALID,
            verifier));
  }

  @Test
  void theFieldsAreExactlyTheLeavesOfTheInputDocument() throws Exception {
    Set<String> leaves = new TreeSet<>();
    collectLeaves(JSON.readTree(full("198.51.100.1", "sonarqube").toJson()), "", leaves);

    Set<String> paths = new TreeSet<>();
    for (InputField field : InputField.values()) {
      paths.add(field.path());
      assertThat(InputField.ofPath(field.path())).isSameAs(field);
    }
    assertThat(paths).isEqualTo(leaves);
  }

  /** Objects nest, except query and headers, which (like arrays) are one field each. */
  private static void collectLeaves(JsonNode node, String path, Set<String> leaves) {
    if (node.isObject() && !path.equals("request.query") && !path.equals("request.headers")) {
      Iterator<Map.Entry<String, JsonNode>> members = node.fields();
      while (members.hasNext()) {
        Map.Entry<String, JsonNode> member = members.next();
        collectLeaves(
            member.getValue(),
            path.isEmpty() ? member.getKey() : path + "." + member.getKey(),
            leaves);
      }
    } else {
      leaves.add(path);
    }
  }

  @Test
  void withoutADeclarationEveryFieldIsInTheKey() {
    DecisionKey.Maker keys = DecisionKey.maker(InputField.ALL);

    assertThat(keys.of(full("198.51.100.1", "sonarqube")))
        .isEqualTo(keys.of(full("198.51.100.1", "sonarqube")))
        .hasSameHashCodeAs(keys.of(full("198.51.100.1", "sonarqube")))
        .isNotEqualTo(keys.of(full("198.51.100.2", "sonarqube")))
        .isNotEqualTo(keys.of(full("198.51.100.1", "asserted")));
  }

  @Test
  void aDeclarationLeavesOutOnlyTheFieldsItDoesNotName() {
    Set<InputField> declared = EnumSet.allOf(InputField.class);
    declared.remove(InputField.CLIENT_IP);
    DecisionKey.Maker keys = DecisionKey.maker(declared);

    assertThat(keys.of(full("198.51.100.1", "sonarqube")))
        .isEqualTo(keys.of(full("198.51.100.2", "sonarqube")))
        .isNotEqualTo(keys.of(full("198.51.100.1", "asserted")));
  }

  @Test
  void eachDeclaredFieldTellsInputsApart() {
    PolicyInput base = full("198.51.100.1", "sonarqube");
    for (InputField field : InputField.values()) {
      PolicyInput changed = changed(base, field);
      assertThat(field.valueIn(changed)).as(field.path()).isNotEqualTo(field.valueIn(base));
      DecisionKey.Maker only = DecisionKey.maker(EnumSet.of(field));
      DecisionKey.Maker allBut = DecisionKey.maker(EnumSet.complementOf(EnumSet.of(field)));
      assertThat(only.of(changed)).as(field.path()).isNotEqualTo(only.of(base));
      assertThat(allBut.of(changed)).as(field.path()).isEqualTo(allBut.of(base));
      assertThat(DecisionKey.maker(InputField.ALL).of(changed))
          .as(field.path())
          .isNotEqualTo(DecisionKey.maker(InputField.ALL).of(base));
    }
  }

  @Test
  void aKeyWeighsMoreWithMoreContentAndNamesNoValue() {
    DecisionKey.Maker keys = DecisionKey.maker(InputField.ALL);
    DecisionKey small = keys.of(full("198.51.100.1", "x"));
    DecisionKey large = keys.of(full("198.51.100.1", "x".repeat(10_000)));

    assertThat(small.weight()).isGreaterThan(256);
    assertThat(large.weight()).isGreaterThan(small.weight() + 19_000);
    assertThat(large.toString()).doesNotContain("xxx").doesNotContain("198.51");
  }

  /** {@code base} with only {@code field} changed. */
  private static PolicyInput changed(PolicyInput base, InputField field) {
    PolicyInput.Request r = base.request();
    PolicyInput.Body b = r.body();
    PolicyInput.CredentialSummary c = base.credential();
    switch (field) {
      case REQUEST_METHOD:
        return withRequest(base, "GET", r);
      case REQUEST_PATH:
        return withRequest(base, r, r.path() + "x", r.pathSegments(), r.query(), r.headers());
      case REQUEST_PATH_SEGMENTS:
        return withRequest(base, r, r.path(), List.of("other"), r.query(), r.headers());
      case REQUEST_QUERY:
        return withRequest(base, r, r.path(), r.pathSegments(), Map.of(), r.headers());
      case REQUEST_HEADERS:
        return withRequest(base, r, r.path(), r.pathSegments(), r.query(), Map.of());
      case REQUEST_HEADER_NAMES:
        return new PolicyInput(
            new PolicyInput.Request(
                r.method(),
                r.path(),
                r.pathSegments(),
                r.query(),
                r.headers(),
                List.of("host"),
                r.contentLength(),
                b),
            base.client(),
            c);
      case REQUEST_CONTENT_LENGTH:
        return withBody(base, r.contentLength() + 1, b);
      case REQUEST_BODY_PRESENT:
        return withBody(base, r.contentLength(), new PolicyInput.Body(false, false, b.mediaType()));
      case REQUEST_BODY_CHUNKED:
        return withBody(base, r.contentLength(), new PolicyInput.Body(true, true, b.mediaType()));
      case REQUEST_BODY_MEDIA_TYPE:
        return withBody(base, r.contentLength(), new PolicyInput.Body(true, false, "text/plain"));
      case CLIENT_IP:
        return new PolicyInput(r, new PolicyInput.Client("2001:db8::1"), c);
      case CREDENTIAL_PRESENT:
        return withCredential(
            base,
            new PolicyInput.CredentialSummary(
                false, c.scheme(), c.kind(), c.validity(), c.verifier()));
      case CREDENTIAL_SCHEME:
        return withCredential(
            base,
            new PolicyInput.CredentialSummary(
                true, CredentialScheme.BASIC, c.kind(), c.validity(), c.verifier()));
      case CREDENTIAL_KIND:
        return withCredential(
            base,
            new PolicyInput.CredentialSummary(
                true, c.scheme(), new CredentialKind("squ"), c.validity(), c.verifier()));
      case CREDENTIAL_VALID:
        return withCredential(
            base,
            new PolicyInput.CredentialSummary(
                true, c.scheme(), c.kind(), CredentialValidity.INVALID, c.verifier()));
      case CREDENTIAL_VERIFIER:
        return withCredential(
            base,
            new PolicyInput.CredentialSummary(true, c.scheme(), c.kind(), c.validity(), "other"));
      default:
        throw new AssertionError(field);
    }
  }

  private static PolicyInput withRequest(PolicyInput base, String method, PolicyInput.Request r) {
    return new PolicyInput(
        new PolicyInput.Request(
            method,
            r.path(),
            r.pathSegments(),
            r.query(),
            r.headers(),
            r.headerNames(),
            r.contentLength(),
            r.body()),
        base.client(),
        base.credential());
  }

  private static PolicyInput withRequest(
      PolicyInput base,
      PolicyInput.Request r,
      String path,
      List<String> segments,
      Map<String, List<String>> query,
      Map<String, String> headers) {
    return new PolicyInput(
        new PolicyInput.Request(
            r.method(),
            path,
            segments,
            query,
            headers,
            r.headerNames(),
            r.contentLength(),
            r.body()),
        base.client(),
        base.credential());
  }

  private static PolicyInput withBody(PolicyInput base, long contentLength, PolicyInput.Body body) {
    PolicyInput.Request r = base.request();
    return new PolicyInput(
        new PolicyInput.Request(
            r.method(),
            r.path(),
            r.pathSegments(),
            r.query(),
            r.headers(),
            r.headerNames(),
            contentLength,
            body),
        base.client(),
        base.credential());
  }

  private static PolicyInput withCredential(
      PolicyInput base, PolicyInput.CredentialSummary credential) {
    return new PolicyInput(base.request(), base.client(), credential);
  }
}
