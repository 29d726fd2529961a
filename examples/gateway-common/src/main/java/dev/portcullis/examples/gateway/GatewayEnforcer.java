package dev.portcullis.examples.gateway;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.client.TrustedProxies;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.SwappablePolicyEngine;
import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import dev.portcullis.plan.PlanPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.throttle.CredentialFailureThrottle;
import dev.portcullis.throttle.SlidingWindowCredentialFailureThrottle;
import dev.portcullis.throttle.redis.RedisCredentialFailureThrottle;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enforcer both example gateways put in front of SonarQube: the SonarQube profile (the bundled
 * policy with the configured data and a 16 MiB decision cache, or a remote OPA server with {@code
 * --engine remote=URL}; SonarQube's token kinds, realm and secret headers), credentials verified as
 * configured, brute-force throttling per client IP, the configured trusted proxies, and one log
 * line per refused request.
 *
 * <p>Close it when the gateway stops: it owns the policy engine's pool.
 */
public final class GatewayEnforcer implements AutoCloseable {

  /** Room for tens of thousands of distinct requests; a scan repeats a few dozen. */
  static final long DECISION_CACHE_BYTES = 16L * 1024 * 1024;

  /** Policy instances: one per core. */
  static final int POLICY_INSTANCES = Runtime.getRuntime().availableProcessors();

  /**
   * Warm-up evaluations per policy instance, not the engine's default 200: the instances share one
   * compiled class, so the JIT's work is shared too, and a start spent evaluating the same input
   * hundreds of times is a start that cannot answer; the first requests finish the warm-up.
   */
  static final int WARM_UP_EVALUATIONS = 20;

  private static final Logger DENIALS = LoggerFactory.getLogger("dev.portcullis.gateway.denials");

  /** How long a replaced engine keeps serving evaluations that began on it: past every timeout. */
  private static final Duration RETIRE_AFTER = Duration.ofSeconds(30);

  private final PolicyEnforcer enforcer;
  private final SwappablePolicyEngine engine;
  private final CredentialFailureThrottle throttle;
  private final ShadowPolicy shadow;
  private final GatewayConfig config;
  private final GatewayOperations operations;
  private final String contextPath;
  private final String description;
  private final URI verifyingSonarQube;

  /** The OPA server that decides, or {@code null} when the embedded policy does. */
  private final RemoteOpaPolicyEngine remote;

  private GatewayEnforcer(
      PolicyEnforcer enforcer,
      SwappablePolicyEngine engine,
      CredentialFailureThrottle throttle,
      ShadowPolicy shadow,
      String description,
      URI verifyingSonarQube,
      GatewayConfig config,
      GatewayOperations operations,
      String contextPath,
      RemoteOpaPolicyEngine remote) {
    this.remote = remote;
    this.enforcer = enforcer;
    this.engine = engine;
    this.throttle = throttle;
    this.shadow = shadow;
    this.config = config;
    this.operations = operations;
    this.contextPath = contextPath;
    this.description = description;
    this.verifyingSonarQube = verifyingSonarQube;
  }

  /**
   * Loads and warms up the policy; fails with a message naming the bad setting when the
   * configuration is wrong.
   */
  public static GatewayEnforcer create(GatewayConfig config) {
    return create(config, null);
  }

  /**
   * Loads and warms up the policy, metered, logged and in report-only mode as {@code operations}
   * says ({@code null}: none of it).
   */
  static GatewayEnforcer create(GatewayConfig config, GatewayOperations operations) {
    String policyData = PolicyDataContextPath.reconcile(config.policyData(), config.contextPath());
    URI sonarQubeRoot = URI.create(config.upstream() + PolicyDataContextPath.of(policyData));
    TrustedProxies trustedProxies = TrustedProxies.of(config.trustedProxies());
    // Built beside the policy: SonarQube's verifier starts an HTTP client, whose TLS set-up (the
    // JDK's trust store) takes a core for a while; the policy's loading and warm-up takes the
    // other.
    FutureTask<CredentialVerifier> verifierTask =
        new FutureTask<>(() -> config.credentialCheck().verifier(sonarQubeRoot));
    Thread verifierThread = new Thread(verifierTask, "gateway-start-verifier");
    verifierThread.setDaemon(true);
    verifierThread.start();
    CredentialFailureThrottle throttle = throttle(config);
    PolicyFile policyFile = config.operations().policyFile();
    RemoteOpaPolicyEngine remote = config.remoteOpa() == null ? null : config.remoteOpa().engine();
    SwappablePolicyEngine engine =
        new SwappablePolicyEngine(
            remote != null ? remote : loadEngine(config, policyData, policyFile, operations),
            RETIRE_AFTER);
    CredentialVerifier verifier;
    try {
      verifier = built(verifierTask);
    } catch (RuntimeException | Error e) {
      engine.close();
      closeThrottle(throttle);
      throw e;
    }
    if (remote != null) {
      remote.warmUp(); // in the background: readiness waits for its answer, the start does not
    }
    PolicyEnforcer.Builder enforcerBuilder =
        SonarQubePolicy.enforcer(engine)
            .credentialVerifier(verifier)
            .credentialFailureThrottle(throttle)
            .trustedProxies(trustedProxies)
            .maxHeaders(config.maxHeaderCount(), config.maxHeaderBytes())
            .listener(GatewayEnforcer::logDenial);
    if (operations != null) {
      operations.instrument(enforcerBuilder);
    }
    PolicyEnforcer enforcer;
    ShadowPolicy shadow = null;
    try {
      // After the enforced policy, so a bad candidate stops the start only once the rest is sound.
      shadow = operations == null ? null : operations.shadow(policyData);
      if (shadow != null) {
        enforcerBuilder.recorder(shadow);
      }
      enforcer = enforcerBuilder.build();
    } catch (RuntimeException e) {
      if (shadow != null) {
        shadow.close();
      }
      engine.close();
      closeThrottle(throttle);
      throw e;
    }
    String description =
        "policy "
            + engine.describe()
            + ", credentials "
            + describe(config, sonarQubeRoot)
            + ", throttling "
            + throttle;
    URI verifyingSonarQube =
        config.credentialCheck().mode() == CredentialCheck.Mode.SONARQUBE
            ? config.credentialCheck().sonarQubeOr(sonarQubeRoot)
            : null;
    return new GatewayEnforcer(
        enforcer,
        engine,
        throttle,
        shadow,
        description,
        verifyingSonarQube,
        config,
        operations,
        PolicyDataContextPath.of(policyData),
        remote);
  }

  /**
   * Whether the engine can decide: always for the embedded policy; for a remote OPA, whether it
   * answered its last question with a well-formed decision. While it does not, each call asks it
   * again in the background (at most one question at a time), so readiness recovers on its own.
   */
  boolean engineAnswering() {
    if (remote == null) {
      return true;
    }
    if (!remote.answering()) {
      remote.warmUp();
    }
    return remote.answering();
  }

  private static CredentialFailureThrottle throttle(GatewayConfig config) {
    if (config.maxFailedCredentials() == 0) {
      return CredentialFailureThrottle.NONE;
    }
    if (config.throttleStore() != null) {
      return RedisCredentialFailureThrottle.builder(config.throttleStore())
          .maxFailures(config.maxFailedCredentials())
          .window(config.failureWindow())
          .build();
    }
    return SlidingWindowCredentialFailureThrottle.builder()
        .maxFailures(config.maxFailedCredentials())
        .window(config.failureWindow())
        .build();
  }

  private static void closeThrottle(CredentialFailureThrottle throttle) {
    if (throttle instanceof RedisCredentialFailureThrottle shared) {
      shared.close();
    }
  }

  /**
   * Whether the shared throttle store answers: false while a Redis throttle counts on its own
   * during an outage; true for a throttle in memory.
   */
  boolean throttleStoreAvailable() {
    return !(throttle instanceof RedisCredentialFailureThrottle shared) || shared.available();
  }

  /**
   * The bundled policy, or the user's {@code policyFile} read now, with {@code policyData}: loaded,
   * its entrypoint checked, warmed up and metered.
   */
  /** What {@code task} built, or what it threw, as it threw it. */
  private static CredentialVerifier built(FutureTask<CredentialVerifier> task) {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the credential verifier", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static PolicyEngine loadEngine(
      GatewayConfig config,
      String policyData,
      PolicyFile policyFile,
      GatewayOperations operations) {
    if (config.planEngine()) {
      // --engine plan: the bundled policy's plan on Java values, one shared plan, no pool.
      return PlanPolicyEngine.builder()
          .sonarQubePlan()
          .entrypoint(SonarQubePolicy.ENTRYPOINT)
          .data(SonarQubePolicy.data(policyData))
          .build();
    }
    if (policyFile != null) {
      // Not cached: nothing tells that a user's policy is pure (it may read the time).
      return policyFile.load(policyData, builder -> instrumented(builder, operations));
    }
    // The bundled policy is pure (input and data only), so requests equal in the input fields it
    // reads (SonarQubePolicy.INPUT_FIELDS, declared on its source) share a decision.
    return instrumented(
            SonarQubePolicy.engine(policyData).decisionCache(DECISION_CACHE_BYTES), operations)
        .build();
  }

  private static OpaWasmPolicyEngine.Builder instrumented(
      OpaWasmPolicyEngine.Builder builder, GatewayOperations operations) {
    // As many instances as threads that can evaluate at once (the Netty gateway's event loops, one
    // per core; the Jetty gateway's workers run on as many cores), not the core default of twice
    // that: an idle instance is only memory and start-up warm-up.
    builder.instances(POLICY_INSTANCES).warmUp(WARM_UP_EVALUATIONS);
    if (operations != null) {
      operations.instrument(builder);
    }
    return builder;
  }

  /**
   * Loads, checks and warms up the policy (the {@code --policy} file read again, or the bundled
   * one) with {@code userData} and swaps it in atomically; the engine serving now keeps serving
   * when anything fails. Its decision cache goes with it, so no decision of the old policy or data
   * is served afterwards. Then the shadow candidate, if any, is rebuilt with the new data; its
   * failure keeps the old candidate and does not undo the swap.
   *
   * @param userData the {@code --data} document as it is now, or {@code null} when there is none
   * @return the new revision
   * @throws RuntimeException naming what is wrong; nothing was swapped
   */
  String reload(String userData) {
    String policyData = PolicyDataContextPath.reconcile(userData, config.contextPath());
    if (!PolicyDataContextPath.of(policyData).equals(contextPath)) {
      throw new IllegalArgumentException(
          "context_path cannot change while the gateway runs (credentials are verified under it); restart");
    }
    PolicyEngine next =
        loadEngine(config, policyData, config.operations().policyFile(), operations);
    engine.swap(next);
    if (shadow != null) {
      shadow.reload(policyData);
    }
    return next.revision();
  }

  private static String describe(GatewayConfig config, URI sonarQubeRoot) {
    switch (config.credentialCheck().mode()) {
      case SONARQUBE:
        return "verified by "
            + config.credentialCheck().sonarQubeOr(sonarQubeRoot)
            + "/api/authentication/validate";
      case STATIC:
        return "verified against the token hashes in " + config.credentialCheck().tokenFile();
      default:
        return "not verified";
    }
  }

  /**
   * One line per refused request: what was refused and why, never a query value or a credential. A
   * request refused before it had a policy input (a malformed target, a failed verification) has
   * "-" for what is not known; its access log line has the path as received.
   */
  private static void logDenial(String method, PolicyInput input, Decision decision) {
    if (!decision.allow()) {
      DENIALS.info(
          "denied status={} reasons={} method={} path={} client={}",
          decision.status(),
          AccessLog.reasonsOf(decision.reasons()),
          AccessLog.methodOf(method),
          input == null ? "-" : input.request().path(),
          input != null
              ? input.client().ip()
              : decision.clientIp().isEmpty() ? "-" : decision.clientIp());
    }
  }

  /** The SonarQube that verifies credentials, or {@code null} when none does. */
  URI verifyingSonarQube() {
    return verifyingSonarQube;
  }

  /** The enforcer to give the adapter. */
  public PolicyEnforcer enforcer() {
    return enforcer;
  }

  /**
   * The policy, how credentials are verified and how failures are throttled, for the start-up line.
   */
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    if (shadow != null) {
      shadow.close();
    }
    engine.close();
    closeThrottle(throttle);
  }
}
