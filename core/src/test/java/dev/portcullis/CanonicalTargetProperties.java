package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CanonicalTargetProperties {

  private static final String TARGET_CHARS =
      "abcAZ09-._~!$&'()*+,=:@/?%;\\#\" <>{}|^`[]\u00e9\u0000\t";

  /**
   * Whatever is accepted, its canonical form parses to the same target: canonicalization is
   * idempotent.
   */
  @Property(tries = 2000)
  void canonicalizationIsIdempotent(@ForAll("targets") String raw) {
    CanonicalTarget first;
    try {
      first = CanonicalTarget.parse(raw);
    } catch (RequestRejectedException rejected) {
      return;
    }
    CanonicalTarget second = CanonicalTarget.parse(first.forwardTarget());

    assertThat(second).isEqualTo(first);
    assertThat(second.forwardTarget()).isEqualTo(first.forwardTarget());
  }

  /**
   * Nothing that parses leaves a dot segment, an empty inner segment or a separator inside a
   * segment.
   */
  @Property(tries = 2000)
  void acceptedPathsAreUnambiguous(@ForAll("targets") String raw) {
    CanonicalTarget target;
    try {
      target = CanonicalTarget.parse(raw);
    } catch (RequestRejectedException rejected) {
      assertThat(rejected.status()).isIn(400, 414);
      return;
    }
    List<String> segments = target.pathSegments();
    for (int i = 0; i < segments.size(); i++) {
      String segment = segments.get(i);
      assertThat(segment).isNotIn(".", "..").doesNotContain("/", "\\", ";", "%");
      if (i < segments.size() - 1) {
        assertThat(segment).isNotEmpty();
      }
    }
    assertThat(target.path()).isEqualTo("/" + String.join("/", segments));
  }

  /**
   * Percent-encoding any character of an allowed path either gives the very same canonical target
   * or is refused: no encoding variant reaches the policy as a different path.
   */
  @Property(tries = 1000)
  void encodingVariantsCanonicalizeToTheSamePathOrAreRefused(
      @ForAll("scannerPaths") String path, @ForAll("seeds") long seed) {
    String variant = encodeSomeCharacters(path, new Random(seed));

    Throwable thrown = catchThrowable(() -> CanonicalTarget.parse(variant));
    if (thrown != null) {
      assertThat(thrown).isInstanceOf(RequestRejectedException.class);
      return;
    }
    assertThat(CanonicalTarget.parse(variant).path()).isEqualTo(path);
    assertThat(CanonicalTarget.parse(variant).forwardTarget()).isEqualTo(path);
  }

  /** An encoded '/' or '.' anywhere in the path is always refused. */
  @Property(tries = 500)
  void encodedSeparatorsAreAlwaysRefused(
      @ForAll("scannerPaths") String path,
      @ForAll("separators") String encoded,
      @ForAll("seeds") long seed) {
    int at = 1 + new Random(seed).nextInt(path.length() - 1);
    String variant = path.substring(0, at) + encoded + path.substring(at);

    assertThatThrownBy(() -> CanonicalTarget.parse(variant))
        .isInstanceOf(RequestRejectedException.class);
  }

  @Provide
  Arbitrary<String> targets() {
    Arbitrary<String> anyChars =
        Arbitraries.strings().withChars(TARGET_CHARS).ofMaxLength(40).map(s -> "/" + s);
    Arbitrary<String> escapes =
        Arbitraries.of(
                "%2F",
                "%2E", "%41", "%C3%A9", "%E2%9C%93", "%25", "%3B", "%FF", "%00", "%2", "+", "%20")
            .list()
            .ofMaxSize(6)
            .map(list -> "/a" + String.join("b", list));
    Arbitrary<String> structured =
        Combinators.combine(
                scannerPaths(), Arbitraries.strings().withChars("ab=&+%2C5F").ofMaxLength(12))
            .as((path, query) -> path + "?" + query);
    return Arbitraries.oneOf(anyChars, escapes, structured);
  }

  @Provide
  Arbitrary<String> scannerPaths() {
    return Arbitraries.of(
        "/api/server/version",
        "/api/users/search",
        "/api/user_tokens/generate",
        "/api/settings/values.protobuf",
        "/batch/file",
        "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58",
        "/static/csharp/SonarAnalyzer-csharp.zip");
  }

  @Provide
  Arbitrary<String> separators() {
    return Arbitraries.of(
        "%2F", "%2f", "%2E", "%2e", "%5C", "%5c", "%252F", "%3B", "/./", "/../", "//");
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  private static String encodeSomeCharacters(String path, Random random) {
    StringBuilder out = new StringBuilder();
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      if (b != '/' && random.nextInt(3) == 0) {
        out.append(String.format("%%%02X", b & 0xff));
      } else {
        out.append((char) b);
      }
    }
    return out.toString();
  }
}
