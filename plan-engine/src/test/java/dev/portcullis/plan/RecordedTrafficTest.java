package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real traffic decided identically by both embedded engines through the real enforcer: every
 * request of the scans recorded against SonarQube ({@code policies/src/test/resources/observed/})
 * and every case of the e2e hostile corpus ({@code e2e/hostile/corpus.tsv}) that is one HTTP
 * request, each with every credential validity, with the default configuration and with projects
 * restricted as the e2e run restricts them.
 */
class RecordedTrafficTest {

  private static final Path OBSERVED = Path.of("../policies/src/test/resources/observed");
  private static final Path CORPUS = Path.of("../e2e/hostile/corpus.tsv");
  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final String RESTRICTED =
      "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"proj-a\"]}}}}";

  private static Engines defaults;
  private static Engines restricted;

  @BeforeAll
  static void build() {
    defaults = new Engines(null);
    restricted = new Engines(RESTRICTED);
  }

  @AfterAll
  static void close() {
    defaults.close();
    restricted.close();
  }

  @Test
  void recordedScansAreDecidedIdentically() throws IOException {
    List<RawRequest> requests = new ArrayList<>();
    try (var files = Files.list(OBSERVED)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".tsv")).sorted().toList()) {
        for (Map<String, String> row : rows(file)) {
          requests.add(
              observed(row.get("method"), row.get("path_and_query"), row.get("credential")));
        }
      }
    }
    assertThat(requests).hasSizeGreaterThan(50);
    assertSameDecisions(requests);
  }

  @Test
  void hostileCorpusIsDecidedIdentically() throws IOException {
    List<RawRequest> requests = new ArrayList<>();
    for (Map<String, String> row : rows(CORPUS)) {
      if (row.get("method").equals("RAW")) {
        continue; // a whole raw request (framing, smuggling): no single decision to compare
      }
      requests.add(corpusRequest(row));
    }
    assertThat(requests).hasSizeGreaterThan(500);
    assertSameDecisions(requests);
  }

  private static void assertSameDecisions(List<RawRequest> requests) {
    int compared = 0;
    for (Engines engines : List.of(defaults, restricted)) {
      for (RawRequest request : requests) {
        for (CredentialValidity validity : CredentialValidity.values()) {
          Decision[] both = engines.decide(request, validity);
          assertThat(both[1]).as("%s validity %s", request, validity).isEqualTo(both[0]);
          compared++;
        }
      }
    }
    assertThat(compared).isGreaterThan(requests.size());
  }

  private static RawRequest observed(String method, String target, String credential) {
    RawRequest request =
        RawRequest.of(method, target, "203.0.113.7").withHeader("Host", "sonar.example.com");
    if (method.equals("POST")) {
      request =
          request
              .withHeader("Content-Type", "multipart/form-data; boundary=x")
              .withHeader("Content-Length", "32264");
    }
    switch (credential) {
      case "bearer":
        return request.withHeader("Authorization", "Bearer " + TOKEN);
      case "basic":
        return request.withHeader("Authorization", basic(TOKEN + ":"));
      default:
        return request;
    }
  }

  private static String basic(String userPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  /** One corpus case as the enforcer sees it (placeholders filled in as the e2e runner does). */
  private static RawRequest corpusRequest(Map<String, String> row) {
    String target = fill(unescape(row.get("target")));
    RawRequest request = RawRequest.of(row.get("method"), target, "127.0.0.40");
    String headers = row.get("headers");
    boolean host = true;
    if (!headers.equals("-")) {
      for (String line : unescape(headers).split("\n")) {
        if (line.equals("-Host")) {
          host = false;
        } else if (line.startsWith("-")) {
          continue;
        } else if (line.equals("{MANYHEADERS}")) {
          for (int i = 0; i < 101; i++) {
            request = request.withHeader("X-Many-" + i, "v");
          }
        } else {
          int colon = line.indexOf(':');
          if (colon > 0) {
            request =
                request.withHeader(
                    line.substring(0, colon).trim(), fill(line.substring(colon + 1).trim()));
          }
        }
      }
    }
    if (host) {
      request = request.withHeader("Host", "gateway.example.com");
    }
    for (String cred : row.get("cred").split(",")) {
      switch (cred) {
        case "none":
          break;
        case "bearerA":
          request = request.withHeader("Authorization", "Bearer " + TOKEN);
          break;
        case "admin":
        case "adminwrong":
          request = request.withHeader("Authorization", basic("admin:secret"));
          break;
        case "global":
          request =
              request.withHeader(
                  "Authorization", basic("sqa_0123456789abcdef0123456789abcdef01234567:"));
          break;
        case "unknown":
          request =
              request.withHeader(
                  "Authorization", basic("squ_0123456789abcdef0123456789abcdef01234567:"));
          break;
        default:
          request = request.withHeader("Authorization", basic(TOKEN + ":"));
      }
    }
    String body = row.get("body");
    if (!body.equals("none")) {
      String type =
          body.startsWith("multipart")
              ? "multipart/form-data; boundary=x"
              : body.startsWith("urlencoded")
                  ? "application/x-www-form-urlencoded"
                  : body.startsWith("json")
                      ? "application/json"
                      : body.startsWith("text") ? "text/plain" : "application/octet-stream";
      request = request.withHeader("Content-Type", type);
      request =
          body.endsWith("+chunked")
              ? request.withHeader("Transfer-Encoding", "chunked")
              : request.withHeader("Content-Length", "1234");
    }
    return request;
  }

  private static String fill(String s) {
    return s.replace("{A}", "proj-a")
        .replace("{B}", "proj-b")
        .replace("{GW}", "gateway.example.com")
        .replace("{SQ}", "sonar.example.com")
        .replace("{BOUNDARY}", "x")
        .replace("{BIGVALUE}", "v".repeat(40_000))
        .replace("{CASEHDR}", "X-Portcullis-Case: c");
  }

  /** The corpus escapes: \\ backslash, \t \r \n, \xHH one byte (kept as the char of that code). */
  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        out.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 't':
          out.append('\t');
          break;
        case 'r':
          out.append('\r');
          break;
        case 'n':
          out.append('\n');
          break;
        case 'x':
          out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
          break;
        default:
          out.append(e);
      }
    }
    return out.toString();
  }

  /** The rows of a TSV with a header line; '#' lines are comments. */
  private static List<Map<String, String>> rows(Path file) throws IOException {
    List<String> lines =
        Files.readAllLines(file).stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    String[] header = lines.get(0).split("\t");
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split("\t", -1);
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], i < cells.length ? cells[i] : "");
      }
      rows.add(row);
    }
    return rows;
  }
}
