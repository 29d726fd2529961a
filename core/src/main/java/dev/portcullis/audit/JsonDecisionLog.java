package dev.portcullis.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portcullis.Decision;
import dev.portcullis.DecisionRecord;
import dev.portcullis.DecisionRecorder;
import dev.portcullis.internal.PolicyInputJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decision log: one JSON line per decision, in OPA's decision-log field names ({@code
 * decision_id}, {@code timestamp}, {@code path}, {@code input}, {@code result}, {@code revision},
 * {@code labels}, {@code metrics.timer_rego_query_eval_ns}), plus {@code enforced}, false for a
 * deny forwarded in report-only mode.
 *
 * <p>Denies are always logged, allows sampled ({@link Builder#sampleAllows}). Recording never
 * blocks the deciding thread: records go to a bounded queue that a background thread writes out,
 * and a record that finds the queue full is dropped and counted ({@link #dropped()}, and {@code
 * portcullis.decision.log.dropped} when a registry was given). The input holds no credential, only
 * its kind and verified validity, so neither does the log; and the values of query parameters whose
 * names say they hold a secret ({@code password}, {@code previousPassword}, {@code token}, {@code
 * passcode}, {@code secret}, ...) are written as {@code "[redacted]"}: a client can put a password
 * in a query string (SonarQube reads {@code /api/authentication/login?password=}) even though the
 * policy refuses it.
 *
 * <p>Thread-safe. Close it to write what is queued and stop the writer; the stream is not closed.
 */
public final class JsonDecisionLog implements DecisionRecorder, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JsonDecisionLog.class);
  private static final JsonFactory JSON = new JsonFactory();

  private final OutputStream out;
  private final String path;
  private final Map<String, String> labels;
  private final double allowSampleRatio;
  private final BackgroundWriter<DecisionRecord> writer;
  private final AtomicLong dropped = new AtomicLong();
  private final LongConsumer droppedMetric;
  private volatile boolean closed;

  private JsonDecisionLog(Builder builder) {
    this.out = builder.out;
    this.path = builder.path;
    this.labels = Map.copyOf(builder.labels);
    this.allowSampleRatio = builder.allowSampleRatio;
    this.droppedMetric = builder.droppedMetric;
    this.writer =
        new BackgroundWriter<>("portcullis-decision-log", builder.queueCapacity, this::writeBatch);
  }

  /** A log writing to {@code out}, such as {@code System.out} or a file. */
  public static Builder builder(OutputStream out) {
    return new Builder(out);
  }

  @Override
  public void record(DecisionRecord record) {
    if (closed || !sampled(record)) {
      return;
    }
    if (!writer.offer(record)) {
      dropped.incrementAndGet();
      droppedMetric.accept(1);
    }
  }

  private boolean sampled(DecisionRecord record) {
    if (!record.decision().allow() || allowSampleRatio >= 1) {
      return true;
    }
    return allowSampleRatio > 0 && ThreadLocalRandom.current().nextDouble() < allowSampleRatio;
  }

  /** How many records were dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  private void writeBatch(List<DecisionRecord> batch) {
    for (DecisionRecord record : batch) {
      write(record);
    }
    try {
      out.flush();
    } catch (IOException e) {
      LOG.warn("decision log flush failed cause={}", e.toString());
    }
  }

  private void write(DecisionRecord record) {
    try {
      out.write(line(record).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      LOG.warn("decision log write failed cause={}", e.toString());
    }
  }

  /** One record as its JSON line, newline included. */
  String line(DecisionRecord record) throws IOException {
    StringWriter text = new StringWriter(512);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      json.writeStringField("decision_id", UUID.randomUUID().toString());
      json.writeStringField("timestamp", Instant.ofEpochMilli(record.epochMillis()).toString());
      json.writeStringField("path", path);
      if (record.input() != null) {
        json.writeFieldName("input");
        json.writeRawValue(
            PolicyInputJson.write(
                record.input(), JsonDecisionLog::secretParameter, JsonDecisionLog::withoutTokens));
      }
      json.writeFieldName("result");
      result(json, record.decision());
      json.writeBooleanField("enforced", record.enforced());
      json.writeStringField("revision", record.revision());
      json.writeObjectFieldStart("labels");
      for (Map.Entry<String, String> label : labels.entrySet()) {
        json.writeStringField(label.getKey(), label.getValue());
      }
      json.writeEndObject();
      json.writeObjectFieldStart("metrics");
      json.writeNumberField("timer_rego_query_eval_ns", record.evaluationNanos());
      json.writeNumberField("timer_server_handler_ns", record.durationNanos());
      json.writeEndObject();
      json.writeEndObject();
    }
    return text.append('\n').toString();
  }

  private static void result(JsonGenerator json, Decision decision) throws IOException {
    json.writeStartObject();
    json.writeBooleanField("allow", decision.allow());
    json.writeNumberField("status", decision.status());
    json.writeArrayFieldStart("reasons");
    for (String reason : decision.reasons()) {
      json.writeString(reason);
    }
    json.writeEndArray();
    if (decision.maxBodyBytes() != Decision.NO_BODY_LIMIT) {
      json.writeNumberField("max_body_bytes", decision.maxBodyBytes());
    }
    if (!decision.bodyParts().isEmpty()) {
      json.writeArrayFieldStart("body_parts");
      for (String part : new TreeSet<>(decision.bodyParts())) {
        json.writeString(part);
      }
      json.writeEndArray();
    }
    json.writeEndObject();
  }

  /** Writes what is queued (waiting up to five seconds) and stops the writer. */
  @Override
  public void close() {
    closed = true;
    writer.close();
  }

  /** Whether a query parameter's name says its value is a secret; case does not matter. */
  static boolean secretParameter(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String secret : SECRET_PARAMETER_PARTS) {
      if (lower.contains(secret)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code text} with everything shaped like a SonarQube token replaced by {@value
   * PolicyInputJson#REDACTED}: a prefixed token ({@code sqp_}, {@code squ_}, {@code sqa_}, ...
   * followed by 20 or more letters and digits) or a legacy one (40 hexadecimal digits on their
   * own), wherever a client put it, under whatever parameter name.
   */
  static String withoutTokens(String text) {
    if (text.length() < 24) {
      return text; // shorter than any token: the common case, without a regex
    }
    return TOKEN_SHAPED.matcher(text).replaceAll(PolicyInputJson.REDACTED);
  }

  private static final Pattern TOKEN_SHAPED =
      Pattern.compile("(?i)sq[a-z]_[a-z0-9]{20,}|(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])");

  private static final List<String> SECRET_PARAMETER_PARTS =
      List.of(
          "password",
          "passwd",
          "sonar.login",
          "passcode",
          "pwd",
          "token",
          "secret",
          "credential",
          "apikey",
          "api_key",
          "private");

  /** Builds a {@link JsonDecisionLog}. */
  public static final class Builder {
    private final OutputStream out;
    private String path = "";
    private final Map<String, String> labels = new LinkedHashMap<>();
    private double allowSampleRatio = 1;
    private int queueCapacity = 10_000;
    private LongConsumer droppedMetric = n -> {};

    private Builder(OutputStream out) {
      this.out = Objects.requireNonNull(out, "out");
    }

    /** The policy's entrypoint, such as {@code portcullis/sonarqube/decision}: OPA's "path". */
    public Builder path(String entrypoint) {
      this.path = Objects.requireNonNull(entrypoint, "entrypoint");
      return this;
    }

    /** A label every line carries, such as the gateway's id and version. */
    public Builder label(String name, String value) {
      labels.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The share of allows logged, from 0 (none) to 1 (all, the default); denies are all logged. */
    public Builder sampleAllows(double ratio) {
      if (!(ratio >= 0 && ratio <= 1)) {
        throw new IllegalArgumentException("the allow sample ratio is from 0 to 1, not " + ratio);
      }
      this.allowSampleRatio = ratio;
      return this;
    }

    /** The most records waiting to be written; more are dropped. Default 10 000. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("the queue capacity must be positive");
      }
      this.queueCapacity = capacity;
      return this;
    }

    /**
     * Counts dropped records as {@code portcullis.decision.log.dropped} in {@code registry}.
     * Micrometer is an optional dependency: needed on the classpath only when this is called.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Counter counter =
          Counter.builder("portcullis.decision.log.dropped")
              .description("Decision log records dropped because the write queue was full")
              .register(Objects.requireNonNull(registry, "registry"));
      this.droppedMetric = counter::increment;
      return this;
    }

    public JsonDecisionLog build() {
      return new JsonDecisionLog(this);
    }
  }
}
