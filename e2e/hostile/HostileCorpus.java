import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Sends the hostile corpus ({@code corpus.tsv}, see GenerateCorpus.java) over raw sockets through the
 * gateways in front of one SonarQube, then judges by what SonarQube served, not by status codes:
 *
 * <ul>
 *   <li>a response that contains a sentinel (a user or token name only denied endpoints list; a setting
 *       only project B has, through a gateway restricted to A or for a request whose forwarded query does
 *       not name B) fails;
 *   <li>every line SonarQube's access log got during the run is attributed to its case (the runner adds an
 *       {@code X-Portcullis-Case} header, which the access-log pattern records) and must be a scanner
 *       endpoint (method, path, parameter names; project parameters A only behind a restricted gateway),
 *       with a canonical target; the only lines without a case are the gateways' own
 *       {@code /api/authentication/validate} calls, which carry no {@code X-Forwarded-For};
 *   <li>a control case (expect {@code forward}) must reach SonarQube and get 2xx.
 * </ul>
 *
 * <p>Each case is sent from its own loopback address, so the gateways' per-client throttle never turns
 * a decision into a 429. Credentials are read from files and never printed. Exit status: 0 when nothing
 * failed, 1 otherwise, 2 on a usage error.
 *
 * <pre>
 * java HostileCorpus.java --corpus corpus.tsv --server 26.9 --upstream 127.0.0.1:19026 \
 *     --gateway jetty=127.0.0.1:18026 --gateway jetty-restricted=127.0.0.1:18126:restricted ... \
 *     --access-log .../access.log --access-from 1234 --markers markers.tsv --key-a A --key-b B \
 *     --cred tokenA=token:FILE --cred global=token:FILE --cred admin=password:admin:FILE ... --out DIR
 * </pre>
 */
public final class HostileCorpus {

  static final String CASE_HEADER = "X-Portcullis-Case";
  static final String VALIDATE = "/api/authentication/validate";

  // --- options -----------------------------------------------------------------------------------

  record Gateway(String label, String host, int port, boolean restricted, int index) {
    String authority() {
      return host + ":" + port;
    }
  }

  private Path corpus;
  private String server = "?";
  private String upstream = "127.0.0.1:9000";
  private final List<Gateway> gateways = new ArrayList<>();
  private Path accessLog;
  private long accessFrom;
  private Path markersFile;
  private String keyA = "portcullis-e2e-a";
  private String keyB = "portcullis-e2e-b";
  private final Map<String, String> auth = new LinkedHashMap<>(); // cred name -> Authorization value
  private Path out;
  private int sourceBase = 40;
  private int timeoutMillis = 8000;
  private Pattern only;

  // --- the corpus ----------------------------------------------------------------------------------

  record Case(String id, String family, String method, String target, String headers, String cred, String body,
      String fields, String project, String aim, String expect, String note) {}

  static List<Case> readCorpus(Path file) throws IOException {
    List<Case> cases = new ArrayList<>();
    boolean header = true;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 12) {
        throw new IllegalArgumentException(file + ": expected 12 columns, got " + f.length + ": " + line);
      }
      if (header) {
        header = false;
        if (f[0].equals("id")) {
          continue;
        }
      }
      cases.add(new Case(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]));
    }
    return cases;
  }

  /** Backslash escapes to Latin-1 characters (one char per byte): \\ \t \r \n \xHH. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case '\\' -> b.append('\\');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'n' -> b.append('\n');
        case 'x' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        }
        default -> b.append('\\').append(n);
      }
    }
    return b.toString();
  }

  // --- building a request --------------------------------------------------------------------------

  /** An empty zip (end-of-central-directory record only): what SonarQube gets as a report. */
  static final String EMPTY_ZIP = "PK\u0005\u0006" + "\0".repeat(18);

  String substitute(String s, Gateway gw, String caseId, String boundary) {
    if (s.indexOf('{') < 0) {
      return s;
    }
    s = s.replace("{A}", keyA).replace("{B}", keyB).replace("{GW}", gw.authority()).replace("{SQ}", upstream)
        .replace("{BOUNDARY}", boundary).replace("{ZIP}", EMPTY_ZIP)
        .replace("{CASEHDR}", CASE_HEADER + ": " + caseTag(gw, caseId) + "\r\n")
        .replace("{CASEHDRLF}", CASE_HEADER + ": " + caseTag(gw, caseId) + "\n");
    Matcher m = Pattern.compile("\\{AUTH(B64)?:([A-Za-z]+)\\}").matcher(s);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String value = auth.get(m.group(2));
      if (value == null) {
        throw new IllegalArgumentException("no credential '" + m.group(2) + "' (--cred)");
      }
      if (m.group(1) != null) {
        value = value.substring(value.indexOf(' ') + 1);
      }
      m.appendReplacement(b, Matcher.quoteReplacement(value));
    }
    m.appendTail(b);
    return b.toString();
  }

  static String caseTag(Gateway gw, String caseId) {
    return gw.label() + "/" + caseId;
  }

  /** The bytes of one case's request (or requests, for RAW cases). */
  byte[] build(Case c, Gateway gw) {
    String boundary = "pcx" + Integer.toHexString((c.id() + gw.label()).hashCode());
    if (c.method().equals("RAW")) {
      return substitute(unescape(c.target()), gw, c.id(), boundary).getBytes(StandardCharsets.ISO_8859_1);
    }
    List<String> extra = new ArrayList<>();
    boolean host = true;
    boolean connection = true;
    boolean contentType = false;
    boolean contentLength = false;
    if (!c.headers().equals("-")) {
      for (String h : unescape(c.headers()).split("\n", -1)) {
        h = substitute(h, gw, c.id(), boundary);
        if (h.equals("-Host")) {
          host = false;
        } else if (h.equals("-Connection")) {
          connection = false;
        } else if (h.equals("{MANYHEADERS}")) {
          for (int i = 1; i <= 100; i++) {
            extra.add("X-Pcx-" + i + ": " + i);
          }
        } else {
          h = h.replace("{BIGVALUE}", "x".repeat(40 * 1024));
          String name = h.contains(":") ? h.substring(0, h.indexOf(':')).strip().toLowerCase(Locale.ROOT) : "";
          host &= !name.equals("host");
          connection &= !name.equals("connection");
          contentType |= name.equals("content-type");
          contentLength |= name.equals("content-length");
          extra.add(h);
        }
      }
    }
    String kind = c.body();
    boolean chunked = kind.endsWith("+chunked");
    if (chunked) {
      kind = kind.substring(0, kind.length() - "+chunked".length());
    }
    String fields = c.fields().equals("-") ? "" : substitute(unescape(c.fields()), gw, c.id(), boundary);
    String body = null;
    String type = null;
    switch (kind) {
      case "none" -> { }
      case "urlencoded" -> {
        body = fields;
        type = "application/x-www-form-urlencoded";
      }
      case "text" -> {
        body = fields;
        type = "text/plain";
      }
      case "octets" -> {
        body = fields;
        type = "application/octet-stream";
      }
      case "json" -> {
        StringBuilder j = new StringBuilder("{");
        for (String[] f : pairs(fields)) {
          j.append(j.length() > 1 ? "," : "").append('"').append(f[0]).append("\":\"").append(f[1]).append('"');
        }
        body = j.append('}').toString();
        type = "application/json";
      }
      case "rawbody" -> body = fields;
      case "multipart", "multipart-file", "multipart-report", "multipart-report-last", "multipart-report-file" -> {
        StringBuilder m = new StringBuilder();
        boolean report = kind.startsWith("multipart-report");
        boolean asFiles = kind.endsWith("-file");
        if (report && !kind.equals("multipart-report-last")) {
          reportPart(m, boundary);
        }
        for (String[] f : pairs(fields)) {
          m.append("--").append(boundary).append("\r\n")
              .append("Content-Disposition: form-data; name=\"").append(f[0]).append('"')
              .append(asFiles ? "; filename=\"" + f[0] + ".txt\"\r\nContent-Type: text/plain" : "")
              .append("\r\n\r\n").append(f[1]).append("\r\n");
        }
        if (kind.equals("multipart-report-last")) {
          reportPart(m, boundary);
        }
        body = m.append("--").append(boundary).append("--\r\n").toString();
        type = "multipart/form-data; boundary=" + boundary;
      }
      default -> throw new IllegalArgumentException(c.id() + ": unknown body kind " + c.body());
    }
    StringBuilder r = new StringBuilder();
    r.append(c.method()).append(' ').append(substitute(unescape(c.target()), gw, c.id(), boundary)).append(" HTTP/1.1\r\n");
    if (host) {
      r.append("Host: ").append(gw.authority()).append("\r\n");
    }
    for (String h : extra) {
      r.append(h).append("\r\n");
    }
    if (!c.cred().equals("none")) {
      for (String name : c.cred().split(",")) {
        String value = auth.get(name);
        if (value == null) {
          throw new IllegalArgumentException(c.id() + ": no credential '" + name + "' (--cred)");
        }
        r.append("Authorization: ").append(value).append("\r\n");
      }
    }
    if (body != null && type != null && !contentType) {
      r.append("Content-Type: ").append(type).append("\r\n");
    }
    if (body != null && chunked) {
      r.append("Transfer-Encoding: chunked\r\n");
    } else if (body != null && !contentLength) {
      r.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    r.append(CASE_HEADER).append(": ").append(caseTag(gw, c.id())).append("\r\n");
    if (connection) {
      r.append("Connection: close\r\n");
    }
    r.append("\r\n");
    if (body != null) {
      if (chunked) {
        for (int i = 0; i < body.length(); i += 16) {
          String part = body.substring(i, Math.min(body.length(), i + 16));
          r.append(Integer.toHexString(part.length())).append("\r\n").append(part).append("\r\n");
        }
        r.append("0\r\n\r\n");
      } else {
        r.append(body);
      }
    }
    return r.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void reportPart(StringBuilder m, String boundary) {
    m.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"report\"; filename=\"report.zip\"\r\n")
        .append("Content-Type: application/zip\r\n\r\n").append(EMPTY_ZIP).append("\r\n");
  }

  private static List<String[]> pairs(String fields) {
    List<String[]> list = new ArrayList<>();
    if (fields.isEmpty()) {
      return list;
    }
    for (String pair : fields.split("&")) {
      int eq = pair.indexOf('=');
      list.add(eq < 0 ? new String[] {pair, ""} : new String[] {pair.substring(0, eq), pair.substring(eq + 1)});
    }
    return list;
  }

  // --- sending and reading -------------------------------------------------------------------------

  record Response(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  record Exchange(List<Response> responses, String error, byte[] raw) {}

  String sourceAddress(Gateway gw, int i) {
    return "127." + (sourceBase + gw.index()) + "." + (i / 250) + "." + (i % 250 + 1);
  }

  Exchange send(byte[] request, Gateway gw, String source, boolean head) {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    String error = null;
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(source, 0));
      socket.connect(new InetSocketAddress(gw.host(), gw.port()), 3000);
      socket.setSoTimeout(timeoutMillis);
      OutputStream o = socket.getOutputStream();
      try {
        o.write(request);
        o.flush();
      } catch (IOException e) {
        error = "write: " + e.getMessage(); // the server may answer and close before reading everything
      }
      InputStream i = socket.getInputStream();
      byte[] buf = new byte[16384];
      long deadline = System.currentTimeMillis() + 2L * timeoutMillis;
      while (System.currentTimeMillis() < deadline) {
        int n;
        try {
          n = i.read(buf);
        } catch (SocketTimeoutException e) {
          error = "timeout";
          break;
        } catch (IOException e) {
          error = error == null ? "read: " + e.getMessage() : error;
          break;
        }
        if (n < 0) {
          break;
        }
        in.write(buf, 0, n);
      }
    } catch (IOException e) {
      error = "connect: " + e.getMessage();
    }
    byte[] raw = in.toByteArray();
    List<Response> responses = parse(raw, head);
    if (!responses.isEmpty() && "timeout".equals(error)) {
      error = null; // answered, then kept the connection open (pipelined RAW cases)
    }
    return new Exchange(responses, error, raw);
  }

  /** Every complete response in {@code raw}, skipping 1xx; the last one may be cut short. */
  static List<Response> parse(byte[] raw, boolean head) {
    List<Response> list = new ArrayList<>();
    int pos = 0;
    while (pos < raw.length) {
      int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
      if (end < 0) {
        break;
      }
      String[] lines = new String(raw, pos, end - pos, StandardCharsets.ISO_8859_1).split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      int status;
      try {
        status = Integer.parseInt(statusLine[1]);
      } catch (RuntimeException e) {
        break;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (int k = 1; k < lines.length; k++) {
        int colon = lines[k].indexOf(':');
        if (colon > 0) {
          headers.merge(lines[k].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[k].substring(colon + 1).strip(),
              (a, b) -> a + ", " + b);
        }
      }
      pos = end + 4;
      if (status / 100 == 1) {
        continue;
      }
      byte[] body;
      String te = headers.getOrDefault("transfer-encoding", "");
      String cl = headers.get("content-length");
      if (head || status == 204 || status == 304) {
        body = new byte[0];
      } else if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (pos < raw.length) {
          int eol = indexOf(raw, "\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
          if (eol < 0) {
            pos = raw.length;
            break;
          }
          String size = new String(raw, pos, eol - pos, StandardCharsets.ISO_8859_1).split(";")[0].strip();
          int n;
          try {
            n = Integer.parseInt(size, 16);
          } catch (NumberFormatException e) {
            pos = raw.length;
            break;
          }
          pos = eol + 2;
          if (n == 0) {
            int trailerEnd = indexOf(raw, "\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            pos = trailerEnd < 0 ? raw.length : trailerEnd + 2;
            break;
          }
          int take = Math.min(n, raw.length - pos);
          b.write(raw, pos, take);
          pos = Math.min(raw.length, pos + n + 2);
        }
        body = b.toByteArray();
      } else if (cl != null) {
        int n;
        try {
          n = Integer.parseInt(cl.split(",")[0].strip());
        } catch (NumberFormatException e) {
          n = raw.length - pos;
        }
        int take = Math.min(n, raw.length - pos);
        body = java.util.Arrays.copyOfRange(raw, pos, pos + take);
        pos += take;
      } else {
        body = java.util.Arrays.copyOfRange(raw, pos, raw.length);
        pos = raw.length;
      }
      list.add(new Response(status, headers, body));
    }
    return list;
  }

  static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The response body as text for the sentinel search, un-gzipped when it says so. */
  static String searchable(Exchange x) {
    StringBuilder s = new StringBuilder(new String(x.raw(), StandardCharsets.ISO_8859_1));
    for (Response r : x.responses()) {
      if (r.header("content-encoding").toLowerCase(Locale.ROOT).contains("gzip")) {
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
          s.append('\n').append(new String(gz.readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // not gzip after all: the raw bytes were searched
        }
      }
    }
    return s.toString();
  }

  static final Pattern REASONS = Pattern.compile("\"reasons\"\\s*:\\s*\\[\\s*\"([a-z_]+)\"");

  /** Retries one gateway may spend on answers that say it was overloaded. */
  static final int RETRY_BUDGET = 300;

  private final java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();

  static boolean overloaded(Exchange x) {
    return x.responses().size() == 1 && x.responses().get(0).status() == 503;
  }

  static final Pattern SONARQUBE_MESSAGE = Pattern.compile("\"msg\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){0,160})");

  /**
   * SonarQube's error message in a forwarded answer ({"errors":[{"msg":...}]}), tabs and tokens removed.
   * A gateway's deny has that shape too, with its "reasons": those answers are skipped.
   */
  static String sonarQubeMessage(Exchange x) {
    for (Response r : x.responses()) {
      Matcher m = SONARQUBE_MESSAGE.matcher(new String(r.body(), StandardCharsets.UTF_8));
      if (r.status() >= 400 && reason(r).isEmpty() && m.find()) {
        return m.group(1).replaceAll("\\s+", " ").replaceAll("sq[apub]_[0-9a-f]{8,}", "<token>");
      }
    }
    return "";
  }

  static String reason(Response r) {
    Matcher m = REASONS.matcher(new String(r.body(), StandardCharsets.ISO_8859_1));
    return m.find() ? m.group(1) : "";
  }

  // --- the access log --------------------------------------------------------------------------------

  record LogLine(String method, String uri, int status, String xff, String caseTag) {}

  List<LogLine> readAccessLog() throws IOException {
    List<LogLine> lines = new ArrayList<>();
    List<String> all = Files.readAllLines(accessLog, StandardCharsets.ISO_8859_1);
    for (int i = (int) accessFrom; i < all.size(); i++) {
      String[] f = all.get(i).split("\t", -1);
      if (f.length < 5 || !f[0].equals("PCX")) {
        lines.add(new LogLine("?", all.get(i), 0, "-", "-"));
        continue;
      }
      int status;
      try {
        status = Integer.parseInt(f[4]);
      } catch (NumberFormatException e) {
        status = 0;
      }
      lines.add(new LogLine(f[2], f[3], status, f.length > 9 ? f[9] : "-", f.length > 10 ? f[10] : "-"));
    }
    return lines;
  }

  // --- the scanner surface (docs/SURFACE.md section 3c), independent of the policy under test -------------

  record Endpoint(String method, Set<String> params, Set<String> projectParams) {}

  static final Map<String, Endpoint> SURFACE = new LinkedHashMap<>();

  static void surface(String method, String paths, String params, String projectParams) {
    for (String p : paths.split(" ")) {
      SURFACE.put(p, new Endpoint(method, Set.of(params.isEmpty() ? new String[0] : params.split(",")),
          Set.of(projectParams.isEmpty() ? new String[0] : projectParams.split(","))));
    }
  }

  static {
    surface("GET", "/api/v2/analysis/version /api/v2/analysis/engine /api/server/version /batch/index "
        + "/api/plugins/installed /api/languages/list /api/features/list /api/editions/is_valid_license "
        + "/api/v2/analysis/jres/{id} /api/v2/sca/clis/{id} /static/{plugin}/{file}", "", "");
    surface("GET", "/api/v2/analysis/jres /api/v2/sca/clis", "os,arch", "");
    surface("GET", "/api/v2/analysis/active_rules", "projectKey", "projectKey");
    surface("GET", "/batch/file", "name", "");
    surface("GET", "/api/settings/values /api/settings/values.protobuf", "component", "component");
    surface("GET", "/api/plugins/download", "plugin,acceptCompressions", "");
    surface("GET", "/api/qualityprofiles/search /api/qualityprofiles/search.protobuf", "project,projectKey,defaults,organization", "project,projectKey");
    surface("GET", "/api/rules/search /api/rules/search.protobuf", "f,activation,qprofile,ps,p", "");
    surface("GET", "/api/rules/list.protobuf", "qprofile,ps,p", "");
    surface("GET", "/api/metrics/search", "ps,p,f", "");
    surface("GET", "/api/new_code_periods/show.protobuf", "project,branch", "project");
    surface("GET", "/batch/project.protobuf", "key,branch,pullRequest", "key");
    surface("GET", "/api/project_branches/list /api/project_pull_requests/list", "project", "project");
    surface("GET", "/api/analysis_cache/get", "project,branch", "project");
    surface("POST", "/api/ce/submit", "projectKey,projectName,characteristic,organization", "projectKey");
    surface("GET", "/api/ce/task", "id,additionalFields", "");
    surface("GET", "/api/qualitygates/project_status", "analysisId,projectKey,branch,pullRequest", "projectKey");
    surface("GET", "/api/measures/component", "component,metricKeys,branch,pullRequest,additionalFields", "component");
  }

  static final Set<String> STATIC_PLUGINS = Set.of("csharp", "vbnet", "securitycsharpfrontend", "securityvbnetfrontend");

  /** The surface entry a decoded path maps to, or null. */
  static String surfaceKey(String path) {
    if (SURFACE.containsKey(path)) {
      return path;
    }
    String[] s = path.split("/", -1);
    if (s.length == 6 && path.startsWith("/api/v2/analysis/jres/") && !s[5].isEmpty()) {
      return "/api/v2/analysis/jres/{id}";
    }
    if (s.length == 6 && path.startsWith("/api/v2/sca/clis/") && !s[5].isEmpty()) {
      return "/api/v2/sca/clis/{id}";
    }
    if (s.length == 4 && s[1].equals("static") && STATIC_PLUGINS.contains(s[2]) && s[3].endsWith(".zip") && s[3].length() > 4) {
      return "/static/{plugin}/{file}";
    }
    return null;
  }

  static final Pattern NON_CANONICAL = Pattern.compile("(?i);|\\\\|//|%2f|%5c|%2e|%25|%00|(^|/)\\.\\.?(/|$)");

  /** Why an upstream line breaks the surface, or null when it is a scanner call. */
  String surfaceViolation(LogLine l, boolean restricted) {
    String uri = l.uri();
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String rawQuery = q < 0 ? "" : uri.substring(q + 1);
    if (NON_CANONICAL.matcher(rawPath).find()) {
      return "non-canonical path reached SonarQube";
    }
    String path;
    try {
      path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "undecodable path reached SonarQube";
    }
    String key = surfaceKey(path);
    if (key == null) {
      return "denied endpoint reached SonarQube";
    }
    Endpoint e = SURFACE.get(key);
    if (!e.method().equals(l.method())) {
      return "method " + l.method() + " reached SonarQube on " + key;
    }
    Map<String, List<String>> query = new TreeMap<>();
    if (!rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&", -1)) {
        int eq = pair.indexOf('=');
        try {
          String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
          String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
          query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        } catch (IllegalArgumentException ex) {
          return "undecodable query reached SonarQube";
        }
      }
    }
    for (Map.Entry<String, List<String>> p : query.entrySet()) {
      if (!e.params().contains(p.getKey())) {
        return "parameter '" + p.getKey() + "' no scanner sends reached SonarQube";
      }
      if (e.projectParams().contains(p.getKey()) && p.getValue().size() > 1) {
        return "project parameter '" + p.getKey() + "' twice reached SonarQube";
      }
    }
    if (key.equals("/batch/file")) {
      List<String> name = query.getOrDefault("name", List.of());
      // up to 10.x sonar-scanner-engine-shaded-<version>-all.jar, from 2025.x sonar-scanner-engine-<edition>-<version>.jar
      if (name.size() != 1 || !name.get(0).matches("sonar-scanner-engine-[A-Za-z0-9.-]+\\.jar")) {
        return "a /batch/file other than the engine jar reached SonarQube";
      }
    }
    if (restricted) {
      for (String p : e.projectParams()) {
        for (String v : query.getOrDefault(p, List.of())) {
          boolean probe = key.startsWith("/api/settings/values") && v.equals("unknown");
          if (!v.strip().equals(keyA) && !probe) {
            return "project '" + v + "' outside allowed_project_keys reached SonarQube";
          }
        }
      }
    }
    return null;
  }

  boolean namesB(List<LogLine> upstream) {
    for (LogLine l : upstream) {
      int q = l.uri().indexOf('?');
      if (q < 0) {
        continue;
      }
      for (String pair : l.uri().substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        try {
          // SonarQube trims parameter values: " B" reads B
          if (eq > 0 && URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).strip().equals(keyB)) {
            return true;
          }
        } catch (IllegalArgumentException e) {
          // an undecodable query is a surface violation already
        }
      }
    }
    return false;
  }

  // --- running and judging -------------------------------------------------------------------------

  record Result(Gateway gw, Case c, Exchange x, int i) {}

  static final Set<Integer> REFUSED = Set.of(400, 408, 414, 431, 501, 505);
  static final Set<Integer> DENIED = Set.of(401, 403, 413, 429);
  /** Policy reasons that come with a 400. */
  static final Set<String> POLICY_400 = Set.of("parameter_value_invalid");

  public static void main(String[] args) throws Exception {
    HostileCorpus h = new HostileCorpus();
    try {
      h.parseArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("HostileCorpus: " + e.getMessage());
      System.exit(2);
    }
    System.exit(h.run());
  }

  private void parseArgs(String[] args) throws IOException {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--corpus" -> corpus = Path.of(v);
        case "--server" -> server = v;
        case "--upstream" -> upstream = v;
        case "--gateway" -> {
          String[] p = v.split("[=:]");
          if (p.length < 3) {
            throw new IllegalArgumentException("--gateway LABEL=HOST:PORT[:restricted]: " + v);
          }
          gateways.add(new Gateway(p[0], p[1], Integer.parseInt(p[2]), p.length > 3 && p[3].equals("restricted"), gateways.size()));
        }
        case "--access-log" -> accessLog = Path.of(v);
        case "--access-from" -> accessFrom = Long.parseLong(v);
        case "--markers" -> markersFile = Path.of(v);
        case "--key-a" -> keyA = v;
        case "--key-b" -> keyB = v;
        case "--cred" -> {
          // NAME=token:FILE | NAME=bearer:FILE | NAME=password:LOGIN:FILE (the file holds the secret only)
          String name = v.substring(0, v.indexOf('='));
          String[] p = v.substring(v.indexOf('=') + 1).split(":", 3);
          String secret = Files.readString(Path.of(p[p.length - 1]), StandardCharsets.UTF_8).strip();
          String value = switch (p[0]) {
            case "token" -> "Basic " + b64(secret + ":");
            case "bearer" -> "Bearer " + secret;
            case "password" -> "Basic " + b64(p[1] + ":" + secret);
            default -> throw new IllegalArgumentException("--cred NAME=token|bearer|password:...: " + name);
          };
          auth.put(name, value);
        }
        case "--out" -> out = Path.of(v);
        case "--source-base" -> sourceBase = Integer.parseInt(v);
        case "--timeout-ms" -> timeoutMillis = Integer.parseInt(v);
        case "--only" -> only = Pattern.compile(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (corpus == null || gateways.isEmpty() || out == null) {
      throw new IllegalArgumentException("--corpus, --gateway and --out are required");
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private int run() throws Exception {
    List<Case> cases = readCorpus(corpus);
    if (only != null) {
      cases = cases.stream().filter(c -> only.matcher(c.id()).find()).toList();
    }
    Map<String, String> markers = new LinkedHashMap<>(); // marker -> kind
    if (markersFile != null) {
      for (String line : Files.readAllLines(markersFile, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        if (f.length == 2 && !f[1].isBlank()) {
          markers.put(f[1], f[0]);
        }
      }
    }
    Files.createDirectories(out);
    long t0 = System.nanoTime();
    final List<Case> all = cases;
    ExecutorService pool = Executors.newFixedThreadPool(gateways.size());
    List<Future<List<Result>>> futures = new ArrayList<>();
    for (Gateway gw : gateways) {
      futures.add(pool.submit(() -> {
        List<Result> results = new ArrayList<>();
        int retryBudget = RETRY_BUDGET;
        for (int i = 0; i < all.size(); i++) {
          Case c = all.get(i);
          byte[] request = build(c, gw);
          boolean head = c.method().equalsIgnoreCase("HEAD");
          Exchange x = send(request, gw, sourceAddress(gw, i), head);
          // 503: the gateway could not decide in time (its policy engine was busy) and failed closed.
          // That says nothing about the decision, so ask again, a few times, with a growing pause.
          for (int attempt = 1; attempt <= 6 && retryBudget > 0 && overloaded(x); attempt++) {
            retryBudget--;
            retries.incrementAndGet();
            Thread.sleep(Math.min(8000L, 500L << (attempt - 1)));
            x = send(request, gw, sourceAddress(gw, i), head);
          }
          results.add(new Result(gw, c, x, i));
        }
        return results;
      }));
    }
    List<Result> results = new ArrayList<>();
    for (Future<List<Result>> f : futures) {
      results.addAll(f.get());
    }
    pool.shutdown();
    double sendSeconds = (System.nanoTime() - t0) / 1e9;
    Thread.sleep(1500); // SonarQube writes an access-log line when the response is complete

    // attribute the access-log lines
    List<LogLine> log = accessLog == null ? List.of() : readAccessLog();
    Map<String, List<LogLine>> byCase = new LinkedHashMap<>();
    int verifier = 0;
    List<String> logFails = new ArrayList<>();
    Map<String, Gateway> byLabel = new LinkedHashMap<>();
    gateways.forEach(g -> byLabel.put(g.label(), g));
    for (LogLine l : log) {
      String tag = l.caseTag();
      Gateway g = tag.contains("/") ? byLabel.get(tag.substring(0, tag.indexOf('/'))) : null;
      if (g != null) {
        byCase.computeIfAbsent(tag, k -> new ArrayList<>()).add(l);
        continue;
      }
      String path = l.uri().replaceAll("\\?.*", "");
      if (path.equals(VALIDATE) && l.xff().equals("-") && l.method().equals("GET")) {
        verifier++;
      } else {
        logFails.add("unattributed request reached SonarQube: " + l.method() + " " + l.uri() + " -> " + l.status()
            + " (X-Forwarded-For " + l.xff() + ")");
      }
    }

    // judge every result
    Map<String, int[]> counts = new LinkedHashMap<>(); // label -> refused, denied, forwarded, closed, other, fails, unexpected
    Map<String, Map<String, Integer>> upstreamStatuses = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> reasons = new LinkedHashMap<>();
    List<String> fails = new ArrayList<>(logFails);
    List<String> unexpected = new ArrayList<>();
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("results-" + server + ".tsv"), StandardCharsets.UTF_8))) {
      w.println("server\tgateway\tcase\tfamily\tsource\tstatus\treason\tclass\tupstream\tverdict\twhy\tsonarqube_message");
      for (Result r : results) {
        Gateway gw = r.gw();
        Case c = r.c();
        int[] n = counts.computeIfAbsent(gw.label(), k -> new int[7]);
        List<LogLine> up = byCase.getOrDefault(caseTag(gw, c.id()), List.of());
        Response first = r.x().responses().isEmpty() ? null : r.x().responses().get(0);
        String why = null;
        // (b) what reached SonarQube
        for (LogLine l : up) {
          String v = surfaceViolation(l, gw.restricted());
          if (v != null) {
            why = v + ": " + l.method() + " " + l.uri() + " -> " + l.status();
            break;
          }
        }
        // (a) sentinels in what came back
        if (why == null && !markers.isEmpty()) {
          String text = searchable(r.x());
          for (Map.Entry<String, String> m : markers.entrySet()) {
            if (!text.contains(m.getKey())) {
              continue;
            }
            if (m.getValue().equals("project-b-setting") && !gw.restricted() && namesB(up)) {
              continue; // the default gateway allows B, and the query SonarQube got names it
            }
            why = "response contains the " + m.getValue() + " sentinel";
            break;
          }
        }
        String cls;
        String reason = first == null ? "" : reason(first);
        if (!up.isEmpty()) {
          cls = "forwarded";
          n[2]++;
          upstreamStatuses.computeIfAbsent(gw.label(), k -> new TreeMap<>()).merge(Integer.toString(up.get(0).status()), 1, Integer::sum);
        } else if (first == null) {
          cls = "closed";
          n[3]++;
        } else if (DENIED.contains(first.status()) || POLICY_400.contains(reason)) {
          cls = "denied";
          n[1]++;
        } else if (REFUSED.contains(first.status())) {
          cls = "refused";
          n[0]++;
        } else {
          cls = "other";
          n[4]++;
        }
        if (first != null && up.isEmpty()) {
          reasons.computeIfAbsent(gw.label(), k -> new TreeMap<>())
              .merge(first.status() + " " + (reason.isEmpty() ? "(no reason)" : reason), 1, Integer::sum);
        }
        if (why == null && c.expect().equals("forward")) {
          if (up.isEmpty()) {
            why = "control case did not reach SonarQube (" + (first == null ? r.x().error() : first.status() + " " + reason) + ")";
          } else if (up.get(0).status() / 100 != 2) {
            why = "control case got " + up.get(0).status() + " from SonarQube";
          }
        }
        if (why != null) {
          n[5]++;
          fails.add(gw.label() + " " + c.id() + " (" + c.note() + "): " + why);
        } else if (!up.isEmpty() && (c.expect().equals("deny") || c.expect().equals("deny-restricted") && gw.restricted())) {
          n[6]++;
          unexpected.add(gw.label() + " " + c.id() + " (" + c.note() + "): forwarded, SonarQube " + up.get(0).status());
        }
        StringBuilder ups = new StringBuilder();
        for (LogLine l : up) {
          ups.append(ups.length() > 0 ? " ; " : "").append(l.method()).append(' ').append(l.uri().replaceAll("\\?.*", "?...")).append(' ').append(l.status());
        }
        w.println(String.join("\t", server, gw.label(), c.id(), c.family(), sourceAddress(gw, r.i()),
            first == null ? "none" : Integer.toString(first.status()), reason.isEmpty() ? "-" : reason, cls,
            ups.length() == 0 ? "-" : ups.toString(), why == null ? "ok" : "FAIL",
            why == null ? (r.x().error() == null ? "-" : r.x().error()) : why,
            up.isEmpty() || sonarQubeMessage(r.x()).isEmpty() ? "-" : sonarQubeMessage(r.x())));
      }
    }

    // report
    int totalFails = fails.size();
    System.out.printf("== Hostile corpus, SonarQube %s: %d cases x %d gateways sent in %.1f s (%d resent after a 503); "
        + "access log: %d lines (%d attributed to cases, %d credential checks by the gateways, %d other)%n",
        server, all.size(), gateways.size(), sendSeconds, retries.get(), log.size(),
        byCase.values().stream().mapToInt(List::size).sum(), verifier, logFails.size());
    System.out.printf("%-22s %8s %8s %10s %7s %6s %6s  %s%n", "gateway", "refused", "denied", "forwarded", "closed", "other",
        "FAILs", "SonarQube's answers to the forwarded ones");
    for (Gateway gw : gateways) {
      int[] n = counts.getOrDefault(gw.label(), new int[7]);
      String st = upstreamStatuses.getOrDefault(gw.label(), Map.of()).entrySet().stream()
          .map(e -> e.getValue() + "x" + e.getKey()).reduce((a, b) -> a + ", " + b).orElse("-");
      System.out.printf("%-22s %8d %8d %10d %7d %6d %6d  %s%n", gw.label(), n[0], n[1], n[2], n[3], n[4], n[5], st);
    }
    System.out.println("(refused: 400/408/414/431/501/505 from the gateway's HTTP stack or core; denied: 401/403/413/429 or a "
        + "policy 400; forwarded: SonarQube logged the case; closed: no answer)");
    for (Gateway gw : gateways) {
      System.out.println("gateway answers, " + gw.label() + ": " + reasons.getOrDefault(gw.label(), Map.of()).entrySet().stream()
          .map(e -> e.getValue() + "x " + e.getKey()).reduce((a, b) -> a + "; " + b).orElse("-"));
    }
    if (!unexpected.isEmpty()) {
      System.out.println(unexpected.size() + " cases expected to be refused were forwarded (no sentinel, scanner surface only):");
      unexpected.stream().limit(40).forEach(u -> System.out.println("  " + u));
      if (unexpected.size() > 40) {
        System.out.println("  ... (all in results-" + server + ".tsv)");
      }
    }
    for (String f : fails.stream().limit(60).toList()) {
      System.out.println("FAIL " + f);
    }
    if (fails.size() > 60) {
      System.out.println("FAIL ... " + (fails.size() - 60) + " more in results-" + server + ".tsv");
    }
    // machine-readable lines for run-e2e.sh
    for (Gateway gw : gateways) {
      int[] n = counts.getOrDefault(gw.label(), new int[7]);
      String st = upstreamStatuses.getOrDefault(gw.label(), Map.of()).entrySet().stream()
          .map(e -> e.getValue() + "x" + e.getKey()).reduce((a, b) -> a + "," + b).orElse("-");
      System.out.println(String.join("\t", "HOSTILE-GATEWAY", gw.label(), Integer.toString(all.size()), Integer.toString(n[0]),
          Integer.toString(n[1]), Integer.toString(n[2]), st, Integer.toString(n[3]), Integer.toString(n[4]),
          Integer.toString(n[6]), Integer.toString(n[5])));
    }
    System.out.println(String.join("\t", "HOSTILE-LOG", Integer.toString(log.size()),
        Integer.toString(byCase.values().stream().mapToInt(List::size).sum()), Integer.toString(verifier),
        Integer.toString(logFails.size())));
    return totalFails == 0 ? 0 : 1;
  }
}
