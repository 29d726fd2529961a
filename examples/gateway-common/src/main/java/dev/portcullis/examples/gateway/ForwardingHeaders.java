package dev.portcullis.examples.gateway;

import java.util.Set;

/**
 * The forwarding headers both gateways drop from a client's request before setting their own: a
 * client must never name itself, its host or its scheme to SonarQube. Lower case.
 */
public final class ForwardingHeaders {

  /** Set by proxies, never taken from a client. */
  public static final Set<String> CLIENT_SUPPLIED =
      Set.of(
          "forwarded",
          "x-forwarded-for",
          "x-forwarded-host",
          "x-forwarded-proto",
          "x-forwarded-port",
          "x-forwarded-prefix",
          "x-real-ip");

  private ForwardingHeaders() {}
}
