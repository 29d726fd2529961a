package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The two requests every benchmark measures: a real scanner call that the default policy allows,
 * and a call to a denied family with an otherwise good credential.
 *
 * <p>The policy inputs are taken from the enforcer itself (through a listener), so the engine-level
 * benchmarks, the {@code opa bench} input files and the enforcer-level benchmarks all see the same
 * input.
 */
public enum ScannerRequests {

  /**
   * {@code GET /api/settings/values.protobuf?component=demo}, Basic {@code sqp_…:}, verified valid.
   */
  ALLOWED(
      new RawRequest("GET", "/api/settings/values.protobuf?component=demo", Map.of(), "203.0.113.7")
          .withHeader("Host", "sonar.example.com")
          .withHeader("User-Agent", "ScannerCLI/8.1.0.6389")
          .withHeader("Accept", "application/x-protobuf")
          .withHeader(
              "Authorization",
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString(
                          (Tokens.PROJECT_ANALYSIS + ":").getBytes(StandardCharsets.UTF_8)))),

  /** {@code GET /api/users/search?q=a}, Bearer {@code sqp_…}, verified valid. */
  DENIED(
      new RawRequest("GET", "/api/users/search?q=a", Map.of(), "203.0.113.7")
          .withHeader("Host", "sonar.example.com")
          .withHeader("User-Agent", "ScannerCLI/8.1.0.6389")
          .withHeader("Authorization", "Bearer " + Tokens.PROJECT_ANALYSIS));

  /** Treats every credential as verified valid, as a real verifier would for a good token. */
  public static final CredentialVerifier ASSERT_VALID =
      CredentialVerifier.of(
          credential -> new CredentialVerification(CredentialValidity.VALID, "benchmark"));

  private final RawRequest raw;

  ScannerRequests(RawRequest raw) {
    this.raw = raw;
  }

  /** The request as a proxy would hand it over. */
  public RawRequest raw() {
    return raw;
  }

  /** The {@code @Param} value: {@code allowed} or {@code denied}. */
  public static ScannerRequests byName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** An enforcer as the gateways build it, with every credential verified valid. */
  public static PolicyEnforcer enforcer(PolicyEngine engine) {
    return SonarQubePolicy.enforcer(engine).credentialVerifier(ASSERT_VALID).build();
  }

  /** The policy input the enforcer builds for this request. */
  public PolicyInput input() {
    AtomicReference<PolicyInput> seen = new AtomicReference<>();
    PolicyEngine capture =
        new PolicyEngine() {
          @Override
          public Decision evaluate(PolicyInput input) {
            seen.set(input);
            return Decision.deny(403, "captured", "Captured.");
          }

          @Override
          public String describe() {
            return "capture";
          }
        };
    SonarQubePolicy.enforcer(capture)
        .credentialVerifier(ASSERT_VALID)
        .build()
        .decide(raw, RawRequest.ACCESSOR);
    if (seen.get() == null) {
      throw new IllegalStateException(
          "the enforcer rejected the benchmark request " + raw + " before evaluation");
    }
    return seen.get();
  }

  private static final class Tokens {
    /** Shape of a SonarQube project analysis token; not a real one. */
    static final String PROJECT_ANALYSIS = "sqp_0123456789abcdef0123456789abcdef01234567";
  }
}
