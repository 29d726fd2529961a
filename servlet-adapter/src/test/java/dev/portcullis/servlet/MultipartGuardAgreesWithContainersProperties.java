package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.Decision;
import dev.portcullis.body.MultipartGuard;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The multipart guard against the parsers it protects: for bodies built from the spellings parsers
 * disagree about (duplicate or encoded names, folded or padded headers, nested multipart, LF-only
 * and padded delimiters, preambles and epilogues, lookalike delimiters in the content), every body
 * the guard passes is one that real Tomcat 11 and Jetty 12 parse into nothing but the file parts
 * the decision names, each once, and no request parameter. The guard may refuse bodies they would
 * accept; it must never pass one from which they read more.
 */
class MultipartGuardAgreesWithContainersProperties {

  private static final String BOUNDARY = "guard-differential-4c1d";
  private static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;
  private static final Decision REPORT =
      Decision.allow(List.of("ok"), "Allowed.").withBodyParts(Set.of("report"));
  private static final ObjectMapper JSON = new ObjectMapper();

  private static MultipartContainers servers;
  private static List<URI> containers;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeContainer
  static void startContainers() throws Exception {
    servers = MultipartContainers.start(PartsServlet::new, null);
    containers = servers.uris().stream().map(uri -> uri.resolve("/submit")).toList();
  }

  @AfterContainer
  static void stopContainers() throws Exception {
    servers.close();
  }

  @Example
  void theReportAsAScannerSendsItPassesAndEachContainerReadsJustTheReport() throws Exception {
    byte[] body =
        ("--"
                + BOUNDARY
                + "\r\n"
                + REPORT_DISPOSITION
                + "\r\nContent-Type: application/zip\r\n\r\n"
                + "PK\u0003\u0004zip\r\n--"
                + BOUNDARY
                + "--\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(guardPasses(CONTENT_TYPE, body)).isTrue();
    for (URI container : containers) {
      JsonNode parsed = parse(container, CONTENT_TYPE, body);
      assertThat(parsed.get("error")).as(container.toString()).isNull();
      assertThat(parsed.get("parts").toString())
          .as(container.toString())
          .isEqualTo("[{\"name\":\"report\",\"file\":true}]");
    }
  }

  @Property(tries = 2000)
  void aBodyTheGuardPassesGivesTheContainersOnlyTheNamedFileParts(
      @ForAll("bodies") String text, @ForAll("contentTypes") String contentType) throws Exception {
    byte[] body = text.getBytes(StandardCharsets.ISO_8859_1);
    boolean passed = guardPasses(contentType, body);
    Statistics.collect(passed ? "guard passed" : "guard refused");
    // Not vacuous: enough of the bodies pass for the containers' view of them to be checked.
    Statistics.coverage(
        coverage -> coverage.check("guard passed").percentage(percent -> percent >= 5));
    if (!passed) {
      return;
    }
    for (URI container : containers) {
      JsonNode parsed = parse(container, contentType, body);
      if (parsed.get("error") != null) {
        continue; // the container refused the body itself: it read nothing from it
      }
      Set<String> names = new java.util.HashSet<>();
      for (JsonNode part : parsed.get("parts")) {
        assertThat(part.get("name").asText()).as("%s: %s", container, text).isEqualTo("report");
        assertThat(part.get("file").asBoolean()).as("%s: %s", container, text).isTrue();
        assertThat(names.add(part.get("name").asText())).as("%s: %s", container, text).isTrue();
      }
      assertThat(parsed.get("parameters")).as("%s: %s", container, text).isEmpty();
    }
  }

  private static boolean guardPasses(String contentType, byte[] body) {
    MultipartGuard guard = MultipartGuard.forBody(REPORT, contentType);
    return guard.check(ByteBuffer.wrap(body)) == null && guard.end() == null;
  }

  private static JsonNode parse(URI container, String contentType, byte[] body)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(container)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      return JSON.createObjectNode().put("error", "status " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  private static final String REPORT_DISPOSITION =
      "Content-Disposition: form-data; name=\"report\"; filename=\"r.zip\"";

  /**
   * The first value six times as often as all the others together: most bodies must pass the guard
   * for the containers' view of them to be checked, each with a few spellings that may not.
   */
  @SafeVarargs
  private static <T> Arbitrary<T> mostly(T usual, T... others) {
    List<Tuple.Tuple2<Integer, T>> weighted = new ArrayList<>();
    weighted.add(Tuple.of(6 * others.length, usual));
    for (T other : others) {
      weighted.add(Tuple.of(1, other));
    }
    return Arbitraries.frequency(weighted);
  }

  /**
   * Spellings of the request's Content-Type for the same boundary, including ones a parser decodes
   * (an RFC 2047 word, found by review: Tomcat framed the body on "X" for {@code =?UTF-8?Q?X?=}).
   */
  @Provide
  Arbitrary<String> contentTypes() {
    String b = BOUNDARY;
    return mostly(
        CONTENT_TYPE,
        "multipart/form-data; boundary=\"" + b + "\"",
        "Multipart/Form-Data; BOUNDARY=" + b,
        "multipart/form-data;boundary=" + b,
        "multipart/form-data; charset=UTF-8; boundary=" + b,
        "multipart/form-data; boundary=" + b + "; charset=iso-8859-1",
        "multipart/form-data; boundary=\"=?UTF-8?Q?" + b + "?=\"",
        "multipart/form-data; boundary=" + b + "; charset=UTF-16",
        "multipart/mixed; boundary=" + b);
  }

  @Provide
  Arbitrary<String> bodies() {
    String b = BOUNDARY;
    Arbitrary<String> disposition =
        mostly(
            REPORT_DISPOSITION,
            REPORT_DISPOSITION,
            "Content-Disposition: form-data; name=\"projectName\"",
            "Content-Disposition: form-data; name=\"report\"",
            "Content-Disposition: form-data; name=\"report\"; filename=\"r.zip\"; name=\"projectName\"",
            "Content-Disposition: form-data; name=\"projectName\"; name=\"report\"; filename=\"r\"",
            "Content-Disposition: form-data; name*=UTF-8''projectName; filename=\"r\"",
            "Content-Disposition: form-data; name=\"report\"; name*=UTF-8''projectName; filename=\"r\"",
            "Content-Disposition: form-data; name=\"=?UTF-8?Q?projectName?=\"; filename=\"r\"",
            "Content-Disposition: form-data; name=\"report\"; filename*=UTF-8''r.zip",
            "Content-Disposition : form-data; name=\"projectName\"",
            "content-disposition:form-data;name=report;filename=r.zip",
            "CONTENT-DISPOSITION: FORM-DATA; NAME=\"report\"; FILENAME=\"r\"",
            "Content-Disposition: form-data; name=\"rep\\\"ort\"; filename=\"r\"",
            "Content-Disposition: form-data; name=\"report\"; filename=\"a\\\"; name=projectName\"",
            "Content-Disposition: form-data; name=\"report;\"; filename=\"r\"",
            "Content-Disposition: form-data; name=report ; filename=r",
            "Content-Disposition: form-datax; name=\"projectName\"",
            "Content-Disposition: attachment; name=\"projectName\"",
            "Content-Disposition: form-data;\r\n name=\"projectName\"",
            "Content-Disposition: form-data; name=\"report\";\r\n\tfilename=\"r\"");
    Arbitrary<String> otherHeader =
        mostly(
            "Content-Type: application/zip",
            "Content-Type: multipart/mixed; boundary=inner",
            "Content-Type: text/plain; charset=UTF-8",
            REPORT_DISPOSITION,
            "Content-Disposition: form-data; name=\"projectName\"",
            "X-Other: yes",
            " folded: line",
            "no colon",
            "Content-Transfer-Encoding: base64");
    Arbitrary<String> lineEnd = mostly("\r\n", "\r\n", "\r\n", "\n");
    Arbitrary<String> content =
        mostly(
            "PK\u0003\u0004zip",
            "value",
            "",
            "--inner\r\nContent-Disposition: form-data; name=\"projectName\"\r\n\r\nevil\r\n--inner--",
            "\n--" + b + "\r\nContent-Disposition: form-data; name=\"projectName\"\r\n\r\nevil",
            "x\r\n--" + b.substring(0, 5) + "\r\n",
            "--" + b + "\r\n" + "Content-Disposition: form-data; name=\"projectName\"\r\n\r\nevil");
    Arbitrary<String> delimiter =
        mostly(
            "\r\n--" + b + "\r\n",
            "\r\n--" + b + "\r\n",
            "\r\n--" + b + "\r\n",
            "\n--" + b + "\r\n",
            "\r\n--" + b + "\n",
            "\r\n--" + b + " \r\n",
            "\r\n--" + b + "\t\r\n");
    Arbitrary<String> opening =
        mostly(
            "--" + b + "\r\n",
            "--" + b + "\r\n",
            "--" + b + "\r\n",
            "preamble\r\n--" + b + "\r\n",
            "\r\n--" + b + "\r\n",
            "--" + b + "\n");
    Arbitrary<String> closing =
        mostly(
            "\r\n--" + b + "--\r\n",
            "\r\n--" + b + "--\r\n",
            "\r\n--" + b + "--",
            "\r\n--"
                + b
                + "--\r\nepilogue\r\n--"
                + b
                + "\r\n"
                + "Content-Disposition: form-data; name=\"projectName\"\r\n\r\nevil",
            "\n--" + b + "--\r\n");
    Arbitrary<String> part =
        net.jqwik.api.Combinators.combine(
                disposition,
                otherHeader.list().ofMaxSize(2),
                lineEnd,
                content,
                Arbitraries.integers().between(0, 2))
            .as(
                (cd, others, end, body, position) -> {
                  List<String> lines = new ArrayList<>(others);
                  lines.add(Math.min(position, lines.size()), cd);
                  return String.join(end, lines) + end + end + body;
                });
    return net.jqwik.api.Combinators.combine(
            opening, part.list().ofMinSize(1).ofMaxSize(2), delimiter.list().ofSize(1), closing)
        .as(
            (open, parts, delimiters, close) -> {
              StringBuilder body = new StringBuilder(open);
              for (int i = 0; i < parts.size(); i++) {
                if (i > 0) {
                  body.append(delimiters.get(i - 1));
                }
                body.append(parts.get(i));
              }
              return body.append(close).toString();
            });
  }

  /** Reports the parts and parameters the container parsed, or the error it met. */
  private static final class PartsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      ObjectNode report = JSON.createObjectNode();
      try {
        ArrayNode parts = report.putArray("parts");
        for (Part part : request.getParts()) {
          parts
              .addObject()
              .put("name", part.getName())
              .put("file", part.getSubmittedFileName() != null);
        }
        ArrayNode parameters = report.putArray("parameters");
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
          parameters.add(parameter.getKey());
        }
      } catch (Exception e) {
        report.removeAll();
        report.put("error", e.getClass().getSimpleName());
      }
      response.setContentType("application/json");
      response.getWriter().write(JSON.writeValueAsString(report));
    }
  }
}
