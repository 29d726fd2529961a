import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a table of HTTP probes ({@code e2e/probes/*.tsv}) through one gateway and, optionally, the same
 * requests directly to SonarQube, and judges the gateway's answer by the table: status, the gateway's
 * reason code (the {@code reasons} of its JSON deny body), and whether {@code WWW-Authenticate} is present.
 * SonarQube's own status is shown beside it.
 *
 * <pre>
 * java e2e/probes/Probes.java --table FILE --gateway URL [--upstream URL] [--token-file FILE]
 *     [--auth bearer|basic|none] [--source-ip IP[,IP...]] [--label TEXT]
 * </pre>
 *
 * <p>Output, one line per table row, in table order, then a last line {@code probes: N passed, M failed}:
 *
 * <pre>
 * PASS|FAIL LABEL METHOD TARGET: gateway ANSWER[ (sonarqube ANSWER)][; no credential]; expected EXPECTATION
 * </pre>
 *
 * where ANSWER is {@code STATUS[+W][ REASON][ minted NAME]} ({@code +W}: WWW-Authenticate present; {@code
 * minted}: a 2xx to a {@code {TOKEN_NAME}} row, the token named NAME must be revoked) or {@code error: CAUSE}.
 * The exit status is 0 when nothing failed, 1 otherwise, 2 on a usage error (the last line is printed in every
 * case). Requests go over plain sockets, one connection each, bound to {@code --source-ip}, shaped like curl's
 * ({@code Host}, {@code Authorization}, {@code User-Agent}, {@code Accept: *}{@code /*}, no body). The token is
 * read from its file and never printed.
 */
public final class Probes {

  static final String TOKEN_NAME = "{TOKEN_NAME}";
  static final int CONNECT_TIMEOUT_MS = 10_000;
  static final long REQUEST_TIMEOUT_MS = 120_000; // as curl --max-time 120 in run-e2e.sh
  static final int KEEP_BODY_BYTES = 1 << 20; // enough for any deny body; the rest is read and dropped

  // --- the table -----------------------------------------------------------------------------------

  /**
   * What the gateway must answer: a status, then optionally whether WWW-Authenticate must be present (+W) or
   * absent (-W), and a reason code; {@code sameAsDirect}: SonarQube's own status, and not 401.
   */
  record Expectation(int status, Boolean www, String reason, boolean sameAsDirect) {
    static final Pattern SYNTAX = Pattern.compile("([1-5][0-9][0-9])([+-]W)?(?: ([a-z0-9_]+))?");
    static final Expectation SAME_AS_DIRECT = new Expectation(0, null, null, true);
    static final Expectation CREDENTIAL_MISSING = new Expectation(401, true, "credential_missing", false);

    static Expectation parse(String text) {
      Matcher m = SYNTAX.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("expectation '" + text + "' is not STATUS[+W|-W][ REASON]");
      }
      Boolean www = m.group(2) == null ? null : m.group(2).startsWith("+");
      return new Expectation(Integer.parseInt(m.group(1)), www, m.group(3), false);
    }

    boolean met(Answer gateway, Answer direct) {
      if (gateway.error() != null) {
        return false;
      }
      if (sameAsDirect) {
        return direct != null && direct.error() == null && gateway.status() == direct.status() && gateway.status() != 401;
      }
      return gateway.status() == status
          && (www == null || gateway.www() == www)
          && (reason == null || reason.equals(gateway.reason()));
    }

    @Override
    public String toString() {
      if (sameAsDirect) {
        return "the status SonarQube answers, not 401";
      }
      return status + (www == null ? "" : www ? "+W" : "-W") + (reason == null ? "" : " " + reason);
    }
  }

  /**
   * One table row. Options: {@code needs-credential} (sent without one, the gateway answers 401
   * credential_missing with WWW-Authenticate), {@code anonymous-bootstrap} (sent without a credential, the
   * gateway answers what SonarQube answers, never 401), {@code anonymous} (always sent without a credential).
   */
  record Row(int line, String method, String target, Expectation expect, boolean direct, Set<String> options) {
    static final Set<String> OPTIONS = Set.of("needs-credential", "anonymous-bootstrap", "anonymous");

    boolean anonymous() {
      return options.contains("anonymous");
    }

    /** The expectation when the request carries {@code credential} (false: none). */
    Expectation expectation(boolean credential) {
      if (credential) {
        return expect;
      }
      if (options.contains("needs-credential")) {
        return Expectation.CREDENTIAL_MISSING;
      }
      if (options.contains("anonymous-bootstrap")) {
        return Expectation.SAME_AS_DIRECT;
      }
      return expect;
    }
  }

  static final Pattern METHOD = Pattern.compile("[A-Z]+");
  static final Pattern TARGET = Pattern.compile("/[\\x21-\\x7e]*");

  /** Tab-separated: method, target, expect, direct (status or -), options (comma-separated or -). */
  static List<Row> readTable(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    int number = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      String where = file + ":" + number + ": ";
      if (f.length != 5) {
        throw new IllegalArgumentException(where + "expected 5 tab-separated columns, got " + f.length);
      }
      if (f[0].equals("method")) {
        continue; // header row
      }
      if (!METHOD.matcher(f[0]).matches()) {
        throw new IllegalArgumentException(where + "method '" + f[0] + "'");
      }
      if (!TARGET.matcher(f[1]).matches()) {
        throw new IllegalArgumentException(where + "target must start with / and hold no space or control character");
      }
      String rest = f[1].replace(TOKEN_NAME, "");
      if (rest.contains("{") || rest.contains("}")) {
        throw new IllegalArgumentException(where + "unresolved placeholder in " + f[1] + " (only " + TOKEN_NAME + ")");
      }
      if (!f[3].equals("status") && !f[3].equals("-")) {
        throw new IllegalArgumentException(where + "direct is 'status' or '-', not '" + f[3] + "'");
      }
      Set<String> options = f[4].equals("-") || f[4].isEmpty() ? Set.of() : Set.of(f[4].split(","));
      for (String o : options) {
        if (!Row.OPTIONS.contains(o)) {
          throw new IllegalArgumentException(where + "unknown option '" + o + "', known: " + Row.OPTIONS);
        }
      }
      if (options.contains("anonymous") && options.size() > 1) {
        throw new IllegalArgumentException(where + "'anonymous' goes alone: the row is never sent with a credential");
      }
      try {
        rows.add(new Row(number, f[0], f[1], Expectation.parse(f[2]), f[3].equals("status"), options));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage());
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + ": no rows");
    }
    return rows;
  }

  // --- HTTP ------------------------------------------------------------------------------------------

  /** A response as judged: the status, WWW-Authenticate present, the gateway's reasons; or why none came. */
  record Answer(int status, boolean www, String reason, String minted, String error) {
    static Answer failed(String error) {
      return new Answer(0, false, null, null, error);
    }

    Answer withMinted(String name) {
      return new Answer(status, www, reason, name, error);
    }

    @Override
    public String toString() {
      if (error != null) {
        return "error: " + error;
      }
      return status + (www ? "+W" : "") + (reason == null || reason.isEmpty() ? "" : " " + reason)
          + (minted == null ? "" : " minted " + minted);
    }
  }

  /** Where requests go: host, port and a path prefix ({@code http://host:port/sonarqube}). */
  record Base(String host, int port, String authority, String prefix) {
    static Base parse(String url) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a URL: " + url);
      }
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() != null
          || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException("expected http://HOST[:PORT][/PATH], got " + url);
      }
      String prefix = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (prefix.endsWith("/")) {
        prefix = prefix.substring(0, prefix.length() - 1);
      }
      return new Base(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), uri.getRawAuthority(), prefix);
    }
  }

  static Answer send(Base base, String method, String target, String authorization, InetAddress source) {
    StringBuilder request = new StringBuilder(256)
        .append(method).append(' ').append(base.prefix()).append(target).append(" HTTP/1.1\r\n")
        .append("Host: ").append(base.authority()).append("\r\n");
    if (authorization != null) {
      request.append("Authorization: ").append(authorization).append("\r\n");
    }
    request.append("User-Agent: portcullis-e2e-probes\r\nAccept: */*\r\n\r\n");
    long deadline = System.currentTimeMillis() + REQUEST_TIMEOUT_MS;
    try (Socket socket = new Socket()) {
      if (source != null) {
        socket.bind(new InetSocketAddress(source, 0));
      }
      socket.connect(new InetSocketAddress(base.host(), base.port()), CONNECT_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(new TimedInput(socket, deadline), method.equals("HEAD"));
    } catch (SocketTimeoutException e) {
      return Answer.failed("timeout after " + REQUEST_TIMEOUT_MS / 1000 + " s");
    } catch (IOException | RuntimeException e) {
      return Answer.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** The socket's input with the request's deadline applied to every read. */
  static final class TimedInput {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;

    TimedInput(Socket socket, long deadline) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.deadline = deadline;
    }

    int read() throws IOException {
      arm();
      return in.read();
    }

    int read(byte[] b, int off, int len) throws IOException {
      arm();
      return in.read(b, off, len);
    }

    private void arm() throws IOException {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new SocketTimeoutException("deadline");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }

    String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = read()) >= 0 && c != '\n') {
        if (b.size() > 65_536) {
          throw new IOException("header line longer than 64 KB");
        }
        b.write(c);
      }
      if (c < 0 && b.size() == 0) {
        throw new IOException("connection closed before a complete response");
      }
      String s = b.toString(StandardCharsets.ISO_8859_1);
      return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
  }

  /** Reads one response (skipping 1xx), its whole body (kept up to KEEP_BODY_BYTES), and judges it. */
  static Answer read(TimedInput in, boolean head) throws IOException {
    while (true) {
      String statusLine = in.line();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
        throw new IOException("not an HTTP status line: " + statusLine.substring(0, Math.min(80, statusLine.length())));
      }
      int status = Integer.parseInt(parts[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (String line = in.line(); !line.isEmpty(); line = in.line()) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
              .add(line.substring(colon + 1).strip());
        }
      }
      if (status / 100 == 1) {
        continue;
      }
      byte[] body = head || status == 204 || status == 304 ? new byte[0] : body(in, headers);
      String reason = reasons(new String(body, StandardCharsets.UTF_8));
      return new Answer(status, headers.containsKey("www-authenticate"), reason, null, null);
    }
  }

  static byte[] body(TimedInput in, Map<String, List<String>> headers) throws IOException {
    BoundedBody body = new BoundedBody();
    String te = String.join(",", headers.getOrDefault("transfer-encoding", List.of())).toLowerCase(Locale.ROOT);
    List<String> cl = headers.get("content-length");
    if (te.contains("chunked")) {
      while (true) {
        String size = in.line().split(";", 2)[0].strip();
        long n;
        try {
          n = Long.parseLong(size, 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size '" + size + "'");
        }
        if (n == 0) {
          while (!in.line().isEmpty()) {
            // trailer fields
          }
          break;
        }
        body.copy(in, n);
        in.line(); // CRLF after the chunk
      }
    } else if (cl != null) {
      long n;
      try {
        n = Long.parseLong(cl.get(0));
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length '" + cl.get(0) + "'");
      }
      body.copy(in, n);
    } else {
      body.copy(in, Long.MAX_VALUE); // until the server closes
    }
    return body.bytes();
  }

  /** Keeps the first KEEP_BODY_BYTES of a body, reads and drops the rest. */
  static final class BoundedBody {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final byte[] buf = new byte[65_536];

    void copy(TimedInput in, long n) throws IOException {
      long left = n;
      while (left > 0) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (r < 0) {
          if (n == Long.MAX_VALUE) {
            return;
          }
          throw new IOException("connection closed " + left + " bytes before the end of the body");
        }
        int keep = Math.min(r, KEEP_BODY_BYTES - kept.size());
        if (keep > 0) {
          kept.write(buf, 0, keep);
        }
        left -= r;
      }
    }

    byte[] bytes() {
      return kept.toByteArray();
    }
  }

  /**
   * The gateway's reason codes: the {@code reasons} array of a JSON object body, joined by commas (as
   * {@code jq -r '.reasons | join(",")'}); empty for any other body, SonarQube's own errors included.
   */
  static String reasons(String body) {
    String trimmed = body.strip();
    if (!trimmed.startsWith("{")) {
      return "";
    }
    Object value;
    try {
      value = new Json(trimmed).document();
    } catch (IllegalArgumentException e) {
      return "";
    }
    if (!(value instanceof Map<?, ?> map) || !(map.get("reasons") instanceof List<?> list)) {
      return "";
    }
    List<String> codes = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        return "";
      }
      codes.add(s);
    }
    return String.join(",", codes);
  }

  /** A strict JSON reader: objects as maps, arrays as lists, strings, numbers as text, booleans, null. */
  static final class Json {
    private final String s;
    private int i;

    Json(String s) {
      this.s = s;
    }

    Object document() {
      Object v = value(0);
      space();
      if (i != s.length()) {
        throw new IllegalArgumentException("trailing text");
      }
      return v;
    }

    private Object value(int depth) {
      if (depth > 64) {
        throw new IllegalArgumentException("too deep");
      }
      space();
      if (i >= s.length()) {
        throw new IllegalArgumentException("end of input");
      }
      char c = s.charAt(i);
      if (c == '{') {
        i++;
        Map<String, Object> map = new LinkedHashMap<>();
        space();
        if (peek('}')) {
          return map;
        }
        do {
          space();
          String key = string();
          space();
          expect(':');
          map.put(key, value(depth + 1));
          space();
        } while (peek(','));
        expect('}');
        return map;
      }
      if (c == '[') {
        i++;
        List<Object> list = new ArrayList<>();
        space();
        if (peek(']')) {
          return list;
        }
        do {
          list.add(value(depth + 1));
          space();
        } while (peek(','));
        expect(']');
        return list;
      }
      if (c == '"') {
        return string();
      }
      for (String word : List.of("true", "false", "null")) {
        if (s.startsWith(word, i)) {
          i += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      Matcher m = NUMBER.matcher(s).region(i, s.length());
      if (m.lookingAt()) {
        i = m.end();
        return m.group();
      }
      throw new IllegalArgumentException("unexpected '" + c + "'");
    }

    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        if (i >= s.length()) {
          throw new IllegalArgumentException("unterminated string");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          throw new IllegalArgumentException("control character in string");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (i >= s.length()) {
          throw new IllegalArgumentException("unterminated escape");
        }
        char e = s.charAt(i++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw new IllegalArgumentException("short \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException x) {
              throw new IllegalArgumentException("bad \\u escape");
            }
            i += 4;
          }
          default -> throw new IllegalArgumentException("bad escape");
        }
      }
    }

    private void space() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
    }

    private boolean peek(char c) {
      if (i < s.length() && s.charAt(i) == c) {
        i++;
        return true;
      }
      return false;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw new IllegalArgumentException("expected '" + c + "'");
      }
    }
  }

  // --- the run ---------------------------------------------------------------------------------------

  private Path table;
  private Base gateway;
  private Base upstream;
  private Path tokenFile;
  private String auth;
  private final List<InetAddress> sources = new ArrayList<>();
  private String label = "gateway";
  private final SecureRandom random = new SecureRandom();

  static final String USAGE = "usage: java Probes.java --table FILE --gateway URL [--upstream URL] [--token-file FILE]"
      + " [--auth bearer|basic|none] [--source-ip IP[,IP...]] [--label TEXT]";

  public static void main(String[] args) {
    PrintStream out = System.out;
    Probes probes = new Probes();
    try {
      probes.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("Probes: " + e.getMessage());
      System.err.println(USAGE);
      out.println("probes: 0 passed, 1 failed");
      out.flush();
      System.exit(2);
    }
    int[] counts;
    try {
      counts = probes.run(out);
    } catch (IOException | IllegalArgumentException e) {
      String cause = e instanceof IllegalArgumentException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
      out.println("FAIL " + probes.label + " table " + probes.table + ": " + cause);
      counts = new int[] {0, 1};
    }
    out.println("probes: " + counts[0] + " passed, " + counts[1] + " failed");
    out.flush();
    System.exit(counts[1] == 0 ? 0 : 1);
  }

  void parse(String[] args) {
    for (int k = 0; k < args.length; k++) {
      String a = args[k];
      if (k + 1 >= args.length) {
        throw new IllegalArgumentException(a.startsWith("--") ? a + " needs a value" : "unexpected argument " + a);
      }
      String v = args[++k];
      switch (a) {
        case "--table" -> table = Path.of(v);
        case "--gateway" -> gateway = Base.parse(v);
        case "--upstream" -> upstream = Base.parse(v);
        case "--token-file" -> tokenFile = Path.of(v);
        case "--auth" -> {
          if (!Set.of("bearer", "basic", "none").contains(v)) {
            throw new IllegalArgumentException("--auth is bearer, basic or none, not " + v);
          }
          auth = v;
        }
        case "--source-ip" -> {
          for (String ip : v.split(",", -1)) {
            sources.add(literal(ip));
          }
        }
        case "--label" -> {
          if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("--label must be one word (no spaces)");
          }
          label = v;
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (table == null || gateway == null) {
      throw new IllegalArgumentException("--table and --gateway are required");
    }
    if (auth == null) {
      auth = tokenFile == null ? "none" : "basic";
    }
    if (!auth.equals("none") && tokenFile == null) {
      throw new IllegalArgumentException("--auth " + auth + " needs --token-file");
    }
  }

  /** An IP literal (never a name to resolve). */
  static InetAddress literal(String ip) {
    if (!ip.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
      throw new IllegalArgumentException("--source-ip takes IP addresses, not '" + ip + "'");
    }
    try {
      return InetAddress.getByName(ip);
    } catch (IOException e) {
      throw new IllegalArgumentException("--source-ip: bad address '" + ip + "'");
    }
  }

  String authorization() throws IOException {
    if (auth.equals("none")) {
      return null;
    }
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException("the token file " + tokenFile + " is empty or holds a space or control character");
    }
    return auth.equals("bearer")
        ? "Bearer " + token
        : "Basic " + Base64.getEncoder().encodeToString((token + ":").getBytes(StandardCharsets.UTF_8));
  }

  int[] run(PrintStream out) throws IOException {
    List<Row> rows = readTable(table);
    if (sources.size() > 1 && sources.size() != rows.size()) {
      throw new IllegalArgumentException("--source-ip names " + sources.size() + " addresses for " + rows.size()
          + " rows: give one, or one per row");
    }
    String authorization = authorization();
    int passed = 0;
    int failed = 0;
    for (int k = 0; k < rows.size(); k++) {
      Row row = rows.get(k);
      InetAddress source = sources.isEmpty() ? null : sources.get(sources.size() == 1 ? 0 : k);
      String credential = row.anonymous() ? null : authorization;
      Answer direct = null;
      if (upstream != null && row.direct()) {
        direct = exchange(upstream, row, credential, source);
      }
      Answer answer = exchange(gateway, row, credential, source);
      Expectation expect = row.expectation(credential != null);
      boolean ok = expect.met(answer, direct);
      StringBuilder line = new StringBuilder(160)
          .append(ok ? "PASS " : "FAIL ").append(label).append(' ').append(row.method()).append(' ')
          .append(row.target()).append(": gateway ").append(answer);
      if (direct != null) {
        line.append(" (sonarqube ").append(direct).append(')');
      }
      if (row.anonymous() && authorization != null) {
        line.append("; no credential");
      }
      line.append("; expected ").append(expect);
      if (expect.sameAsDirect() && direct == null) {
        line.append(upstream == null ? " (needs --upstream)" : " (the row's direct column is -)");
      }
      out.println(line);
      out.flush();
      if (ok) {
        passed++;
      } else {
        failed++;
      }
    }
    return new int[] {passed, failed};
  }

  /** Sends the row (a fresh token name for {@code {TOKEN_NAME}}); notes a minted token on a 2xx. */
  Answer exchange(Base base, Row row, String authorization, InetAddress source) {
    String name = null;
    String target = row.target();
    if (target.contains(TOKEN_NAME)) {
      name = "e2e-probe-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
      target = target.replace(TOKEN_NAME, name);
    }
    Answer answer = send(base, row.method(), target, authorization, source);
    return name != null && answer.error() == null && answer.status() / 100 == 2 ? answer.withMinted(name) : answer;
  }
}
