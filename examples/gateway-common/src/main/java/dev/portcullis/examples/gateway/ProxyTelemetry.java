package dev.portcullis.examples.gateway;

/**
 * What a proxy reports to as it works: upstream responses and the access log.
 *
 * @param upstream upstream responses by status class and their latency
 * @param access one line per request
 */
public record ProxyTelemetry(UpstreamMetrics upstream, AccessLog access) {

  /** Reports nowhere. */
  public static final ProxyTelemetry NONE =
      new ProxyTelemetry(UpstreamMetrics.NONE, AccessLog.NONE);
}
