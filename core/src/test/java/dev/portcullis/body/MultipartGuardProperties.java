package dev.portcullis.body;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The guard's verdict does not depend on how the body is cut into reads, a body of allowed file
 * parts passes whatever their content, and a form field is refused before the line that names it
 * has been handed on whole.
 */
class MultipartGuardProperties {

  private static final Decision ALLOW =
      Decision.allow(List.of("ok"), "Allowed.").withBodyParts(Set.of("report", "log"));

  /** Chunks of the body as an adapter would see them; the verdict and the bytes it passed. */
  private record Run(Decision refusal, long passedBytes) {}

  private static Run run(byte[] body, List<Integer> cuts) {
    MultipartGuard guard = MultipartGuard.forBody(ALLOW, MultipartBodies.CONTENT_TYPE);
    int offset = 0;
    long passed = 0;
    for (int cut : cuts) {
      int length = Math.min(cut, body.length - offset);
      if (length <= 0) {
        break;
      }
      Decision refusal = guard.check(chunk(body, offset, length, (offset / 7) % 2 == 0));
      if (refusal != null) {
        return new Run(refusal, passed);
      }
      offset += length;
      passed += length;
    }
    if (offset < body.length) {
      Decision refusal = guard.check(ByteBuffer.wrap(body, offset, body.length - offset));
      if (refusal != null) {
        return new Run(refusal, passed);
      }
      passed = body.length;
    }
    return new Run(guard.end(), passed);
  }

  /** A heap buffer (as the servlet filter reads) or a direct one (as Netty's often are). */
  private static ByteBuffer chunk(byte[] body, int offset, int length, boolean heap) {
    if (heap) {
      return ByteBuffer.wrap(body, offset, length);
    }
    ByteBuffer direct = ByteBuffer.allocateDirect(length + 3);
    direct.position(3);
    direct.put(body, offset, length).flip().position(3);
    return direct;
  }

  @Property
  void allowedFilePartsPassWhateverTheirContentAndChunking(
      @ForAll("contents") List<byte[]> contents, @ForAll("cuts") List<Integer> cuts) {
    MultipartBodies body = MultipartBodies.body();
    String[] names = {"report", "log"};
    for (int i = 0; i < contents.size(); i++) {
      body.file(names[i], contents.get(i));
    }
    Run run = run(body.close(), cuts);
    assertThat(run.refusal()).isNull();
  }

  @Property
  void aFormFieldIsRefusedBeforeTheLineNamingItIsPassedOnWhole(
      @ForAll("contents") List<byte[]> contents,
      @ForAll("fieldNames") String field,
      @ForAll @IntRange(min = 0, max = 2) int position,
      @ForAll("cuts") List<Integer> cuts) {
    MultipartBodies body = MultipartBodies.body();
    String[] names = {"report", "log"};
    int fieldLineEnd = -1;
    for (int i = 0; i <= contents.size(); i++) {
      if (i == Math.min(position, contents.size())) {
        int start = body.bytes().length;
        body.field(field, "value");
        String written =
            new String(
                body.bytes(), start, body.bytes().length - start, StandardCharsets.ISO_8859_1);
        // The LF that ends the Content-Disposition line.
        fieldLineEnd = start + written.indexOf("\r\n", written.indexOf("Content-Disposition")) + 1;
      }
      if (i < contents.size()) {
        body.file(names[i], contents.get(i));
      }
    }
    Run run = run(body.close(), cuts);
    assertThat(run.refusal()).isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(run.passedBytes()).isLessThanOrEqualTo(fieldLineEnd);
  }

  @Property
  void theVerdictDoesNotDependOnTheChunking(
      @ForAll("mutatedBodies") byte[] body, @ForAll("cuts") List<Integer> cuts) {
    Decision whole = run(body, List.of(body.length)).refusal();
    Decision bytewise = run(body, java.util.Collections.nCopies(body.length, 1)).refusal();
    assertThat(run(body, cuts).refusal()).isEqualTo(whole).isEqualTo(bytewise);
  }

  @Provide
  Arbitrary<List<byte[]>> contents() {
    String b = MultipartBodies.BOUNDARY;
    // Content that looks like framing: near-delimiters, CRs, LFs, dashes and the boundary itself.
    Arbitrary<String> pieces =
        Arbitraries.of(
            "PK\u0003\u0004",
            "\r\n",
            "\r",
            "\n",
            "--",
            b,
            b.substring(0, 7),
            "\r\n--",
            "\r\n-",
            "--" + b + "-",
            "x",
            "\u0000\u00ff",
            "Content-Disposition: form-data; name=\"x\"");
    Arbitrary<byte[]> content =
        pieces
            .list()
            .ofMaxSize(12)
            .map(
                list -> {
                  String text = String.join("", list);
                  // A content that happens to hold CRLF--boundary ends the part, and so may one
                  // that begins with --boundary: not a content.
                  String cleaned =
                      text.replace("\r\n--" + b, "\r\n-" + b).replace("\n--" + b, "\n-" + b);
                  return (cleaned.startsWith("--" + b) ? "x" + cleaned : cleaned)
                      .getBytes(StandardCharsets.ISO_8859_1);
                });
    return content.list().ofMinSize(1).ofMaxSize(2);
  }

  @Provide
  Arbitrary<String> fieldNames() {
    return Arbitraries.of("projectName", "characteristic", "projectKey", "report", "log", "x");
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(1, 64).list().ofMaxSize(40);
  }

  @Provide
  Arbitrary<byte[]> mutatedBodies() {
    Arbitrary<byte[]> valid =
        contents()
            .map(
                list -> {
                  MultipartBodies body = MultipartBodies.body();
                  body.file("report", list.get(0));
                  if (list.size() > 1) {
                    body.field("projectName", "x");
                  }
                  return body.close();
                });
    Arbitrary<Integer> at = Arbitraries.integers().between(0, 400);
    Arbitrary<Byte> replacement = Arbitraries.of((byte) '\n', (byte) '\r', (byte) '-', (byte) 'x');
    return Combinators.combine(valid, at, replacement)
        .as(
            (bytes, index, value) -> {
              List<Byte> copy = new ArrayList<>();
              for (byte b : bytes) {
                copy.add(b);
              }
              if (!copy.isEmpty()) {
                copy.set(index % copy.size(), value);
              }
              byte[] out = new byte[copy.size()];
              for (int i = 0; i < out.length; i++) {
                out[i] = copy.get(i);
              }
              return out;
            });
  }
}
