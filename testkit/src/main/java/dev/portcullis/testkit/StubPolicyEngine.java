package dev.portcullis.testkit;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import java.util.List;
import java.util.Set;

/**
 * A policy engine whose rules depend on the canonical path only, for adapter tests.
 *
 * <table>
 *   <caption>Rules</caption>
 *   <tr><th>path</th><th>decision</th></tr>
 *   <tr><td>{@code /allowed}, {@code /allowed/**}, {@code /echo}, {@code /echo/**}</td><td>allow ({@code stub_allowed})</td></tr>
 *   <tr><td>{@code /parts}, {@code /parts/**}</td><td>allow ({@code stub_allowed}), a multipart body with the file part {@code report} only</td></tr>
 *   <tr><td>{@code /denied}</td><td>403 {@code stub_denied}</td></tr>
 *   <tr><td>{@code /unauthorized}</td><td>401 {@code stub_unauthorized}</td></tr>
 *   <tr><td>{@code /too-large}</td><td>413 {@code stub_too_large}</td></tr>
 *   <tr><td>{@code /engine-failure}</td><td>throws; the enforcer turns it into 500 {@code engine_error}</td></tr>
 *   <tr><td>anything else</td><td>403 {@code stub_no_rule}</td></tr>
 * </table>
 *
 * <p>Thread-safe and stateless.
 */
public final class StubPolicyEngine implements PolicyEngine {

  public static final String ALLOWED = "stub_allowed";
  public static final String DENIED = "stub_denied";
  public static final String UNAUTHORIZED = "stub_unauthorized";
  public static final String TOO_LARGE = "stub_too_large";
  public static final String NO_RULE = "stub_no_rule";

  /** The one multipart file part an allow under {@code /parts} lets a body carry. */
  public static final String REPORT_PART = "report";

  @Override
  public Decision evaluate(PolicyInput input) {
    String path = input.request().path();
    if (under(path, "/allowed") || under(path, "/echo")) {
      return Decision.allow(List.of(ALLOWED), "Allowed by the stub policy.");
    }
    if (under(path, "/parts")) {
      return Decision.allow(List.of(ALLOWED), "Allowed by the stub policy.")
          .withBodyParts(Set.of(REPORT_PART));
    }
    switch (path) {
      case "/denied":
        return Decision.deny(403, DENIED, "Denied by the stub policy.");
      case "/unauthorized":
        return Decision.deny(401, UNAUTHORIZED, "The stub policy wants a credential.");
      case "/too-large":
        return Decision.deny(413, TOO_LARGE, "The stub policy finds the request too large.");
      case "/engine-failure":
        throw new IllegalStateException("the stub engine fails on /engine-failure, as asked");
      default:
        return Decision.deny(403, NO_RULE, "No stub rule allows this path.");
    }
  }

  private static boolean under(String path, String prefix) {
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  @Override
  public String describe() {
    return "stub";
  }
}
