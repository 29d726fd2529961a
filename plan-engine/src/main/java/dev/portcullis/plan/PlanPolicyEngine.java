package dev.portcullis.plan;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates an OPA policy compiled to a plan ({@code opa build -t plan}, OPA's intermediate
 * representation) directly on Java values: no JSON text, no wasm, no pool.
 *
 * <p>The plan is loaded once into an immutable tree of statements that every thread shares; each
 * evaluation keeps its state (locals, the rules it has evaluated, its result set) to itself. The
 * input is built from the {@link PolicyInput} as values, the data document is parsed once. A plan
 * that uses an IR statement or a built-in this engine does not implement is refused at load, with a
 * message naming it, never per request.
 *
 * <p>Fails closed as the wasm engine does: an evaluation that runs past the evaluation timeout is
 * {@code engine_timeout} (503), an evaluation error (such as a complete rule with two values) is
 * {@code engine_error} (500), and an undefined or malformed result is a deny with its own reason
 * ({@code policy_result_undefined}, {@code policy_result_malformed}).
 *
 * <p>Thread-safe.
 */
public final class PlanPolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(PlanPolicyEngine.class);

  /** The default SonarQube policy's plan on the class path. */
  public static final String SONARQUBE_PLAN_RESOURCE = "dev/portcullis/plan/sonarqube/plan.json";

  /** The entrypoint of the plan at {@link #SONARQUBE_PLAN_RESOURCE}. */
  public static final String SONARQUBE_ENTRYPOINT = "portcullis/sonarqube/decision";

  private final Plan plan;
  private final int funcs;
  private final Object data;
  private final long timeoutNanos;
  private final String description;
  private final String revision;
  private volatile boolean closed;

  private PlanPolicyEngine(
      Plan plan, int funcs, Object data, long timeoutNanos, String description, String revision) {
    this.plan = plan;
    this.funcs = funcs;
    this.data = data;
    this.timeoutNanos = timeoutNanos;
    this.description = description;
    this.revision = revision;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision evaluate(PolicyInput input) {
    return DecisionValues.read(evaluateValue(InputValues.of(input), timeoutNanos));
  }

  /** The result set for an input given as values (for tests and tools): a set of objects. */
  TreeSet<Object> evaluateValue(Object input) {
    return evaluateValue(input, timeoutNanos);
  }

  private TreeSet<Object> evaluateValue(Object input, long timeoutNanos) {
    if (closed) {
      throw new PolicyEvaluationException(503, "engine_closed", "the policy engine is closed");
    }
    Evaluation evaluation = new Evaluation(funcs, System.nanoTime() + timeoutNanos);
    try {
      TreeSet<Object> results = plan.evaluate(evaluation, input, data);
      evaluation.checkDeadline();
      return results;
    } catch (PolicyEvaluationException e) {
      throw e;
    } catch (StackOverflowError e) {
      throw new PolicyEvaluationException(
          500, "engine_error", "policy evaluation failed: too deeply nested", e);
    } catch (RuntimeException e) {
      throw new PolicyEvaluationException(500, "engine_error", "policy evaluation failed", e);
    }
  }

  /** The result set for an input given as JSON text (for tests and tools), as JSON text. */
  public String evaluateJson(String inputJson) {
    try {
      return Values.toJson(evaluateValue(Values.parseJson(inputJson)));
    } catch (IOException e) {
      throw new IllegalArgumentException("input is not valid JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /**
   * The SHA-256 of the plan, a {@code +} and the first 16 hex digits of the data document's
   * SHA-256.
   */
  @Override
  public String revision() {
    return revision;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Builds a {@link PlanPolicyEngine}; everything is validated and loaded in {@link #build()}. */
  public static final class Builder {
    private String name;
    private byte[] plan;
    private String entrypoint;
    private String data = "{}";
    private boolean dataGiven;
    private PlanBundle bundle;
    private Duration evaluationTimeout = Duration.ofSeconds(1);

    private Builder() {}

    /** The plan JSON ({@code plan.json} of {@code opa build -t plan}). Required. */
    public Builder plan(String name, byte[] json) {
      this.name = Objects.requireNonNull(name, "name");
      this.plan = Objects.requireNonNull(json, "json").clone();
      this.bundle = null;
      return this;
    }

    /**
     * An {@code opa build -t plan} bundle (gzipped tar): its {@code /plan.json} and its data, every
     * {@code data.json} merged at its directory's path. A bundle with data and a {@link
     * #data(String)} together are refused at {@link #build()}: one data document, one source.
     * Archives with a {@code ..} path, links, or more than 64 MiB uncompressed are refused.
     */
    public Builder bundle(String name, byte[] tarGz) {
      PlanBundle read = PlanBundle.read(Objects.requireNonNull(name, "name"), tarGz);
      this.name = name;
      this.plan = read.plan();
      this.bundle = read;
      return this;
    }

    /** An {@code opa build -t plan} bundle in a file; see {@link #bundle(String, byte[])}. */
    public Builder bundle(Path file) {
      try {
        return bundle(file.getFileName().toString(), Files.readAllBytes(file));
      } catch (IOException e) {
        throw new PolicyLoadException(
            "Cannot read the bundle '" + file + "': " + e.getMessage(), e);
      }
    }

    /** The plan JSON in a file. */
    public Builder planFile(Path file) {
      try {
        return plan(file.getFileName().toString(), Files.readAllBytes(file));
      } catch (IOException e) {
        throw new PolicyLoadException("Cannot read the plan '" + file + "': " + e.getMessage(), e);
      }
    }

    /**
     * The default SonarQube policy's plan, shipped in this jar, and its entrypoint {@value
     * #SONARQUBE_ENTRYPOINT} unless {@link #entrypoint} names another.
     */
    public Builder sonarQubePlan() {
      if (entrypoint == null) {
        entrypoint = SONARQUBE_ENTRYPOINT;
      }
      try (InputStream in =
          PlanPolicyEngine.class.getClassLoader().getResourceAsStream(SONARQUBE_PLAN_RESOURCE)) {
        if (in == null) {
          throw new PolicyLoadException(
              "The plan resource " + SONARQUBE_PLAN_RESOURCE + " is missing from the class path.");
        }
        return plan("sonarqube-plan.json", in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * The entrypoint, such as {@code portcullis/sonarqube/decision}. Required, except after {@link
     * #sonarQubePlan}.
     */
    public Builder entrypoint(String entrypoint) {
      this.entrypoint = Objects.requireNonNull(entrypoint, "entrypoint");
      return this;
    }

    /** The data document (a JSON object). Default {@code {}}. */
    public Builder data(String json) {
      this.data = Objects.requireNonNull(json, "json");
      this.dataGiven = true;
      return this;
    }

    /** How long one evaluation may run before it is denied with 503 {@code engine_timeout}. */
    public Builder evaluationTimeout(Duration timeout) {
      this.evaluationTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Loads the plan and the data and evaluates a warm-up input once.
     *
     * @throws PolicyLoadException when the plan, its entrypoint or the data cannot be loaded, or
     *     the plan uses a statement or built-in this engine does not implement
     */
    @SuppressWarnings("unchecked")
    public PlanPolicyEngine build() {
      if (plan == null) {
        throw new PolicyLoadException("No plan given: call plan(...) before build().");
      }
      if (entrypoint == null) {
        throw new PolicyLoadException(
            "No entrypoint given for plan '" + name + "': call entrypoint(...).");
      }
      if (evaluationTimeout.isNegative() || evaluationTimeout.isZero()) {
        throw new IllegalArgumentException("the evaluation timeout must be positive");
      }
      if (bundle != null && bundle.hasData()) {
        if (dataGiven) {
          throw new PolicyLoadException(
              "Bundle '"
                  + name
                  + "' has its own data and data(...) was given too: use one source of data.");
        }
        data = Values.toJson(bundle.data());
      }
      long started = System.nanoTime();
      Object document;
      try {
        document = Values.parseJson(new String(plan, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new PolicyLoadException(
            "Plan '" + name + "' is not valid JSON: " + e.getMessage(), e);
      }
      if (!(document instanceof Map)) {
        throw new PolicyLoadException("Plan '" + name + "' is not a JSON object.");
      }
      Plan.Program program = Plan.load(name, (Map<Object, Object>) document);
      Plan selected = program.plans.get(entrypoint);
      if (selected == null) {
        throw new PolicyLoadException(
            "Entrypoint '"
                + entrypoint
                + "' not found in plan '"
                + name
                + "'; available: "
                + new TreeSet<>(program.plans.keySet())
                + ". Build the plan with 'opa build -t plan -e "
                + entrypoint
                + " ...'.");
      }
      Object dataValue;
      try {
        dataValue = Values.parseJson(data);
      } catch (IOException e) {
        throw new PolicyLoadException(
            "The data document for plan '" + name + "' is not valid JSON: " + e.getMessage(), e);
      }
      if (!(dataValue instanceof Map)) {
        throw new PolicyLoadException(
            "The data document for plan '" + name + "' must be a JSON object.");
      }
      int funcs = countFuncs((Map<Object, Object>) document);
      String revision =
          sha256(plan) + "+" + sha256(data.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
      String description = "opa-plan policy=" + name + " entrypoint=" + entrypoint;
      PlanPolicyEngine engine =
          new PlanPolicyEngine(
              selected, funcs, dataValue, evaluationTimeout.toNanos(), description, revision);
      // Not bound by the evaluation timeout: the first evaluation pays for class loading.
      Decision warmUp =
          DecisionValues.read(
              engine.evaluateValue(InputValues.of(warmUpInput()), TimeUnit.SECONDS.toNanos(60)));
      if (!warmUp.allow()
          && warmUp.status() == 500
          && warmUp.primaryReason().startsWith("policy_result_")) {
        LOG.warn(
            "plan returned no well-formed decision for the warm-up input reason={} plan={} entrypoint={}: "
                + "every request it does that for will be denied",
            warmUp.primaryReason(),
            name,
            entrypoint);
      }
      LOG.info(
          "plan loaded name={} revision={} entrypoint={} builtins={} ready_ms={}",
          name,
          revision,
          entrypoint,
          program.builtinsUsed,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return engine;
    }

    private static int countFuncs(Map<Object, Object> document) {
      Object funcs = document.get("funcs");
      if (funcs instanceof Map && ((Map<?, ?>) funcs).get("funcs") instanceof List) {
        return ((List<?>) ((Map<?, ?>) funcs).get("funcs")).size();
      }
      return 0;
    }

    private static String sha256(byte[] bytes) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    private static PolicyInput warmUpInput() {
      CanonicalTarget target = CanonicalTarget.parse("/api/server/version");
      return new PolicyInput(
          PolicyInput.Request.of(
              "GET", target, Map.of(), List.of("host"), PolicyInput.NO_CONTENT_LENGTH),
          new PolicyInput.Client("127.0.0.1"),
          PolicyInput.CredentialSummary.NONE);
    }
  }
}
