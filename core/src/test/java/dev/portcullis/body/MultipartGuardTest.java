package dev.portcullis.body;

import static dev.portcullis.body.MultipartBodies.CONTENT_TYPE;
import static dev.portcullis.body.MultipartBodies.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultipartGuardTest {

  private static final Decision REPORT_ONLY =
      Decision.allow(List.of("scanner_endpoint"), "Allowed.").withBodyParts(Set.of("report"));
  private static final String REPORT_DISPOSITION =
      "Content-Disposition: form-data; name=\"report\"; filename=\"a.zip\"";
  private static final byte[] ZIP = "PK\u0003\u0004 report bytes".getBytes(StandardCharsets.UTF_8);

  private static Decision judge(String contentType, byte[] body) {
    MultipartGuard guard = MultipartGuard.forBody(REPORT_ONLY, contentType);
    Decision refusal = guard.check(ByteBuffer.wrap(body));
    return refusal != null ? refusal : guard.end();
  }

  private static Decision judge(byte[] body) {
    return judge(CONTENT_TYPE, body);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void theReportAsAScannerSendsItPasses() {
    assertThat(judge(body().file("report", ZIP).close())).isNull();
  }

  @Test
  void aFormFieldIsRefusedWhateverItsName() {
    assertThat(judge(body().file("report", ZIP).field("characteristic", "branch=x").close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(judge(body().field("projectName", "Evil").file("report", ZIP).close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
    // A form field under the allowed name would still be a parameter.
    assertThat(judge(body().field("report", "x").close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
  }

  @Test
  void aFilePartTheDecisionDoesNotNameIsRefused() {
    assertThat(judge(body().file("report", ZIP).file("other", ZIP).close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
    // Names are case-sensitive, as servlet containers compare them.
    assertThat(judge(body().file("Report", ZIP).close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
  }

  @Test
  void aDecisionThatNamesNoPartsRefusesEveryPart() {
    MultipartGuard guard =
        MultipartGuard.forBody(Decision.allow(List.of("ok"), "Allowed."), CONTENT_TYPE);
    assertThat(guard.check(ByteBuffer.wrap(body().file("report", ZIP).close())))
        .isEqualTo(MultipartGuard.partNotAllowed());
  }

  @Test
  void nothingIsJudgedForADenyOrABodyThatIsNotMultipart() {
    assertThat(MultipartGuard.forBody(Decision.deny(403, "x", "No."), CONTENT_TYPE)).isNull();
    assertThat(MultipartGuard.forBody(REPORT_ONLY, "application/json")).isNull();
    assertThat(MultipartGuard.forBody(REPORT_ONLY, null)).isNull();
    assertThat(MultipartGuard.forBody(REPORT_ONLY, " Multipart/Mixed; boundary=b")).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "form-data; name=\"report\"; filename=\"a.zip\"; name=\"projectName\"",
        "form-data; name=\"report\"; name*=UTF-8''projectName; filename=\"a.zip\"",
        "form-data; name=\"report\"; filename*=UTF-8''a.zip",
        "form-data; name=\"report\"; filename=\"a.zip\"; filename=\"b.zip\"",
        "form-data; name=\"report\"; filename=\"a.zip\"; size=3",
        "form-data; name=\"rep\\\"ort\"; filename=\"a.zip\"",
        "form-data; name=\"report\"; filename=\"a\\\".zip\"",
        "form-data; name=\"report\"; filename",
        "form-data; name=\"report\"; filename=\"a.zip\";",
        "form-data; name = \"report\"; filename=\"a.zip\"",
        "form-datax; name=\"report\"; filename=\"a.zip\"",
        "attachment; name=\"report\"; filename=\"a.zip\"",
        "form-data; filename=\"a.zip\"",
        "form-data; name=\"report\" filename=\"a.zip\"",
        "form-data; name=\"report; filename=\"a.zip\""
      })
  void aContentDispositionOutsideTheStrictFormIsRefused(String disposition) {
    Decision refusal = judge(body().part(ZIP, "Content-Disposition: " + disposition).close());
    assertThat(refusal).isNotNull();
    assertThat(refusal.status()).isIn(400, 403);
  }

  @Test
  void anEncodedWordThatWouldDecodeToAnotherNameIsRefused() {
    // commons-fileupload (Tomcat) decodes RFC 2047 words in parameter values.
    assertThat(
            judge(
                body()
                    .part(
                        ZIP,
                        "Content-Disposition: form-data; name=\"=?UTF-8?Q?report?=\";"
                            + " filename=\"a.zip\"")
                    .close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
  }

  @Test
  void acceptedSpellingsOfTheDisposition() {
    for (String disposition :
        List.of(
            "Form-Data; name=report; filename=a.zip",
            "form-data;name=\"report\";filename=\"\"",
            "form-data; filename=\"C:/dir/a b;c.zip\"; name=\"report\"")) {
      assertThat(judge(body().part(ZIP, "content-disposition:" + disposition).close()))
          .as(disposition)
          .isNull();
    }
  }

  @Test
  void partHeadersThatParsersReadDifferentlyAreRefused() {
    String disposition = REPORT_DISPOSITION;
    List<List<String>> headerBlocks =
        List.of(
            List.of(disposition, disposition),
            List.of(disposition, "Content-Disposition: form-data; name=\"projectName\""),
            List.of("Content-Disposition : form-data; name=\"report\"; filename=\"a.zip\""),
            List.of("Content-Disposition: form-data;", " name=\"report\"; filename=\"a.zip\""),
            List.of(disposition, "\tX-Folded: yes"),
            List.of(disposition, "no colon here"),
            List.of(disposition, "Content-Type: multipart/mixed; boundary=inner"),
            List.of(disposition, "Content-Type: text/plain", "Content-Type: text/plain"),
            List.of("Content-Type: application/zip"),
            List.of(disposition, "X-Name: caf\u00e9"));
    for (List<String> block : headerBlocks) {
      assertThat(judge(body().part(ZIP, block.toArray(String[]::new)).close()))
          .as(block.toString())
          .isEqualTo(MultipartGuard.malformed());
    }
  }

  @Test
  void otherWellFormedPartHeadersPass() {
    assertThat(
            judge(
                body()
                    .part(
                        ZIP,
                        REPORT_DISPOSITION,
                        "Content-Transfer-Encoding: binary",
                        "Content-Type: application/zip")
                    .close()))
        .isNull();
  }

  @Test
  void framingOutsideTheStrictFormIsRefused() {
    String b = MultipartBodies.BOUNDARY;
    String part = "Content-Disposition: form-data; name=\"report\"; filename=\"a.zip\"\r\n\r\ndata";
    List<String> bodies =
        List.of(
            "preamble\r\n--" + b + "\r\n" + part + "\r\n--" + b + "--\r\n",
            "\r\n--" + b + "\r\n" + part + "\r\n--" + b + "--\r\n",
            "--" + b + " \r\n" + part + "\r\n--" + b + "--\r\n",
            "--" + b + "\n" + part + "\r\n--" + b + "--\r\n",
            "--" + b + "\r\n" + part + "\n--" + b + "--\r\n",
            "--" + b + "\r\n" + part + "\r\n--" + b + "x\r\n" + part + "\r\n--" + b + "--",
            "--" + b + "\r\n" + part + "\r\n--" + b + "\n" + part + "\r\n--" + b + "--",
            "--" + b + "\r\n" + part + "\r\n--" + b + "--\r\nepilogue",
            "--" + b + "\r\n" + part + "\r\n--" + b + "--\n",
            "--" + b + "\r\n" + part + "\r\n--" + b + "-",
            "--" + b + "\r\n" + part,
            "--"
                + b
                + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a\"\n\ndata",
            "--"
                + b
                + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a\"\rX\r\n\r\n",
            "--"
                + b
                + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a\"\r\n"
                + "X-Nul: \u0000\r\n\r\n");
    for (String body : bodies) {
      assertThat(judge(ascii(body))).as(body).isEqualTo(MultipartGuard.malformed());
    }
  }

  @Test
  void aBoundaryInsideTheContentThatIsNotADelimiterPasses() {
    String b = MultipartBodies.BOUNDARY;
    byte[] content = ascii("x--" + b + "\r\n--" + b.substring(1) + "\r\n-" + b + "\r--" + b);
    assertThat(judge(body().file("report", content).close())).isNull();
  }

  /**
   * Found by the differential test against real containers: a parser let the CRLF that ends the
   * report's headers begin a delimiter, and read the "content" as a second part.
   */
  @Test
  void aPartWhoseContentBeginsWithTheBoundaryIsTakenForADelimiter() {
    String b = MultipartBodies.BOUNDARY;
    byte[] smuggled =
        ascii("--" + b + "\r\nContent-Disposition: form-data; name=\"projectName\"\r\n\r\nevil");
    assertThat(judge(body().file("report", smuggled).close()))
        .isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(judge(body().file("report", ascii("--" + b + "--")).close()))
        .isEqualTo(MultipartGuard.malformed());
    assertThat(judge(body().file("report", ascii("-" + b)).close())).isNull();
  }

  @Test
  void aSecondReportPartIsRefused() {
    assertThat(judge(body().file("report", ZIP).file("report", ZIP).close()))
        .isEqualTo(MultipartGuard.malformed());
  }

  @Test
  void partHeadersAreBounded() {
    String big = "X-Padding: " + "a".repeat(MultipartGuard.MAX_HEADER_BYTES);
    assertThat(judge(body().part(ZIP, REPORT_DISPOSITION, big).close()))
        .isEqualTo(MultipartGuard.malformed());
  }

  @Test
  void anEmptyBodyPassesAndAnUnclosedOneIsRefusedAtItsEnd() {
    assertThat(judge(new byte[0])).isNull();
    MultipartGuard guard = MultipartGuard.forBody(REPORT_ONLY, CONTENT_TYPE);
    assertThat(guard.check(ByteBuffer.wrap(body().file("report", ZIP).bytes()))).isNull();
    assertThat(guard.end()).isEqualTo(MultipartGuard.malformed());
    assertThat(guard.why()).isEqualTo("the body ended before its closing delimiter");
  }

  @Test
  void aRefusalStaysAndSaysWhyWithoutQuotingTheBody() {
    MultipartGuard guard = MultipartGuard.forBody(REPORT_ONLY, CONTENT_TYPE);
    byte[] body =
        body().field("projectName", "sqp_0123456789abcdef0123456789abcdef01234567").close();
    assertThat(guard.check(ByteBuffer.wrap(body))).isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(guard.check(ByteBuffer.wrap(body().file("report", ZIP).close())))
        .isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(guard.end()).isEqualTo(MultipartGuard.partNotAllowed());
    assertThat(guard.why()).doesNotContain("projectName").doesNotContain("sqp_");
    assertThat(guard.toString()).doesNotContain("sqp_");
  }

  @Test
  void checkLeavesTheBufferAsItWas() {
    ByteBuffer buffer = ByteBuffer.wrap(body().file("report", ZIP).close());
    buffer.position(0);
    MultipartGuard.forBody(REPORT_ONLY, CONTENT_TYPE).check(buffer);
    assertThat(buffer.position()).isZero();
    assertThat(buffer.remaining()).isEqualTo(buffer.capacity());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=a, boundary=b",
        "multipart/form-data; boundary=a; boundary=b",
        "multipart/form-data; boundary=\"a\\\"b\"",
        "multipart/form-data; boundary=\"a b\"",
        "multipart/form-data; boundary=a; foo=bar",
        "multipart/form-data; boundary=a;",
        "multipart/form-data; Boundary=a; BOUNDARY=b",
        "multipart/form-data; boundary=a\u00e9",
        // Found by review: Tomcat decodes RFC 2047 words in the boundary, and would frame the body
        // on "X" while the guard framed it on the literal text.
        "multipart/form-data; boundary=\"=?UTF-8?Q?X?=\"",
        "multipart/form-data; boundary==?UTF-8?B?WA==?=",
        "multipart/form-data; boundary=a?b",
        "multipart/form-data; boundary=a; charset=UTF-16",
        "multipart/form-data; boundary=a; charset=utf-7",
        "multipart/; boundary=a",
        "multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789x"
      })
  void aContentTypeWithoutAStrictBoundaryIsRefusedAtOnce(String contentType) {
    assertThat(MultipartGuard.hasUsableBoundary(contentType)).isFalse();
    MultipartGuard guard = MultipartGuard.forBody(REPORT_ONLY, contentType);
    assertThat(guard.refusal()).isEqualTo(MultipartGuard.malformed());
    assertThat(guard.check(new byte[] {'-'}, 0, 1)).isEqualTo(MultipartGuard.malformed());
  }

  @Test
  void usableBoundaries() {
    assertThat(MultipartGuard.hasUsableBoundary("multipart/form-data; boundary=\"x'()+_-./:\""))
        .isTrue();
    assertThat(MultipartGuard.hasUsableBoundary("multipart/form-data; charset=utf-8; boundary=b"))
        .isTrue();
    assertThat(MultipartGuard.hasUsableBoundary("multipart/form-data;charset=UTF-8;boundary=b"))
        .isTrue();
    assertThat(MultipartGuard.hasUsableBoundary("application/x-www-form-urlencoded")).isTrue();
    assertThat(
            judge(
                "multipart/form-data; boundary=\"q:b\"",
                new MultipartBodies("q:b").file("report", ZIP).close()))
        .isNull();
  }

  @Test
  void bodyPartNamesAreCheckedByTheDecision() {
    Decision allow = Decision.allow(List.of("ok"), "Allowed.");
    assertThatThrownBy(() -> allow.withBodyParts(Set.of("a\"b")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> allow.withBodyParts(Set.of("")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Decision.deny(403, "x", "No.").withBodyParts(Set.of("report")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(allow.withBodyParts(Set.of("report")).forTarget("/x").bodyParts())
        .containsExactly("report");
  }
}
