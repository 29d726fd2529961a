package dev.portcullis.spi;

import java.util.List;

/**
 * Reads the raw attributes of one HTTP stack's request type. Each adapter implements it once, as a
 * stateless singleton; the core does all parsing and normalization, so an accessor never decodes,
 * lower-cases or interprets anything.
 *
 * <p>Implementations must be thread-safe (stateless).
 *
 * @param <R> the stack's request type
 */
public interface RequestAccessor<R> {

  /** The method exactly as received, such as {@code GET}. */
  String method(R request);

  /**
   * The request target exactly as received on the request line, before any decoding: path and
   * query, such as {@code /api/ce/submit?projectKey=demo}. A servlet accessor uses the raw request
   * URI and {@code getQueryString()}, never the container-decoded path.
   */
  String rawTarget(R request);

  /** The names of all headers present, in any case and order. */
  Iterable<String> headerNames(R request);

  /** All values of one header, looked up case-insensitively; empty when absent. */
  List<String> headerValues(R request, String name);

  /** The IP address of the peer that sent the request, as text. */
  String remoteAddress(R request);

  /**
   * The protocol version from the request line, such as {@code HTTP/1.1}; "" when the stack does
   * not say. The enforcer requires a {@code Host} header on HTTP/1.1 (RFC 9112 section 3.2).
   */
  default String protocol(R request) {
    return "";
  }
}
