package dev.portcullis.examples.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portcullis.audit.BackgroundWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request at INFO on the SLF4J logger {@value #LOGGER}, so users route or silence
 * it with their logging configuration. The proxies hand entries over without waiting: a bounded
 * queue and a background thread do the formatting and logging (a logger may write to a blocking
 * stream, which an event loop must never wait for), a batch at a time; entries that find the queue
 * full are dropped and counted.
 *
 * <p>The path is logged without its query, fragment and path parameters, and an absolute-form
 * target without its scheme and authority, so no query value and no user information (which may be
 * anything) is logged; nothing from the headers is logged.
 */
public final class AccessLog implements AutoCloseable {

  /** The logger's name. */
  public static final String LOGGER = "portcullis.access";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_PATH = 512;

  /**
   * How long a line waits for others before they are written together: under load the writer wakes,
   * and standard error is written, about a hundred times a second instead of once a request.
   */
  private static final Duration LINGER = Duration.ofMillis(10);

  /** Logs nothing: for gateways without operations. */
  public static final AccessLog NONE = new AccessLog();

  /**
   * One request.
   *
   * @param method the request method
   * @param target the request target as received; only its path is logged
   * @param status the status the client was answered with
   * @param bytes the response body bytes sent
   * @param durationNanos from the request's start to its response's end
   * @param client the client's IP address
   * @param decision {@code allow} when the request was let through, else {@code deny}
   * @param reasons the refusal's reason codes, such as {@code user_directory}; empty when the
   *     request was let through
   * @param upstreamStatus SonarQube's status, or 0 when SonarQube did not answer it
   */
  public record Entry(
      String method,
      String target,
      int status,
      long bytes,
      long durationNanos,
      String client,
      String decision,
      List<String> reasons,
      int upstreamStatus) {}

  private final BackgroundWriter<Entry> writer;
  private final Counter dropped;

  private AccessLog() {
    this.writer = null;
    this.dropped = null;
  }

  private AccessLog(MeterRegistry registry) {
    this.dropped =
        registry == null
            ? null
            : Counter.builder("portcullis.access.log.dropped")
                .description("Access log lines dropped because the queue was full")
                .register(registry);
    this.writer = new BackgroundWriter<>("gateway-access-log", 10_000, LINGER, AccessLog::writeAll);
  }

  /**
   * An access log, or {@link #NONE} when the {@value #LOGGER} logger is off at INFO.
   *
   * @param registry where to count dropped lines, or {@code null}
   */
  static AccessLog start(MeterRegistry registry) {
    return LOG.isInfoEnabled() ? new AccessLog(registry) : NONE;
  }

  /** Whether entries are logged at all; proxies skip gathering them when not. */
  public boolean enabled() {
    return writer != null;
  }

  /** Queues {@code entry}; never blocks. */
  public void log(Entry entry) {
    if (writer == null) {
      return;
    }
    if (!writer.offer(entry) && dropped != null) {
      dropped.increment();
    }
  }

  private static void writeAll(List<Entry> entries) {
    BatchedStandardError.batch(
        () -> {
          for (Entry entry : entries) {
            try {
              LOG.info(line(entry));
            } catch (IOException | RuntimeException e) {
              // A broken entry must not stop the log.
            }
          }
        });
  }

  static String line(Entry entry) throws IOException {
    StringWriter text = new StringWriter(256);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      json.writeStringField("method", methodOf(entry.method()));
      json.writeStringField("path", pathOf(entry.target()));
      json.writeNumberField("status", entry.status());
      json.writeNumberField("bytes", entry.bytes());
      json.writeNumberField("duration_ms", entry.durationNanos() / 1_000_000.0);
      json.writeStringField("client_ip", entry.client());
      json.writeStringField("decision", entry.decision());
      json.writeArrayFieldStart("reasons");
      for (String reason : entry.reasons()) {
        json.writeString(reason);
      }
      json.writeEndArray();
      if (entry.upstreamStatus() > 0) {
        json.writeNumberField("upstream_status", entry.upstreamStatus());
      }
      json.writeEndObject();
    }
    return text.toString();
  }

  /**
   * The path of {@code target} as received, without what may carry a secret: the query, a fragment,
   * each segment's path parameters ({@code ;jsessionid=...}, up to the segment's end), and the
   * scheme and authority of an absolute-form target ({@code http://user:password@host/...}). Such
   * targets are refused, but still logged.
   */
  static String pathOf(String target) {
    String path = target;
    if (!path.startsWith("/")) {
      int authority = path.indexOf("://");
      int slash = path.indexOf('/', authority < 0 ? 0 : authority + 3);
      path = slash >= 0 ? path.substring(slash) : path.indexOf('@') < 0 ? path : "";
    }
    StringBuilder logged = new StringBuilder(Math.min(path.length(), MAX_PATH + 16));
    boolean inParameters = false; // from a ';' to the end of its segment
    for (int i = 0; i < path.length() && logged.length() <= MAX_PATH; i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        break;
      }
      if (c == ';') {
        inParameters = true;
      } else if (c == '/') {
        inParameters = false;
      }
      if (!inParameters) {
        logged.append(c);
      }
    }
    return logged.length() > MAX_PATH ? logged.substring(0, MAX_PATH) + "..." : logged.toString();
  }

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /**
   * {@code method} for a log line when it is a standard one, else {@code OTHER}: a client may send
   * any token as its method, a credential included.
   */
  public static String methodOf(String method) {
    return method != null && METHODS.contains(method) ? method : "OTHER";
  }

  /**
   * A policy's reasons for a plain-text log line: at most 16, each at most 64 characters, control
   * characters replaced, so that a policy cannot split or flood the line.
   */
  public static List<String> reasonsOf(List<String> reasons) {
    List<String> safe = new ArrayList<>(Math.min(reasons.size(), 17));
    for (String reason : reasons) {
      if (safe.size() == 16) {
        safe.add("...");
        break;
      }
      StringBuilder text = new StringBuilder(Math.min(reason.length(), 64));
      for (int i = 0; i < reason.length() && text.length() < 64; i++) {
        char c = reason.charAt(i);
        text.append(c < 0x20 || c == 0x7f ? '?' : c);
      }
      safe.add(text.toString());
    }
    return safe;
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
  }
}
