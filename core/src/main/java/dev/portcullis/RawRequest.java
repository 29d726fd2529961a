package dev.portcullis;

import dev.portcullis.spi.RequestAccessor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request as plain values, for callers without an HTTP stack of their own: the command line,
 * tests, and custom integrations. Read it with {@link #ACCESSOR}.
 *
 * @param method the method as sent
 * @param target the raw origin-form target as sent, not decoded
 * @param headers header names as sent to their values, in order
 * @param remoteAddress the peer's IP address as text
 */
public record RawRequest(
    String method, String target, Map<String, List<String>> headers, String remoteAddress) {

  /** Reads a {@link RawRequest}; header names are matched case-insensitively. */
  public static final RequestAccessor<RawRequest> ACCESSOR =
      new RequestAccessor<>() {
        @Override
        public String method(RawRequest request) {
          return request.method();
        }

        @Override
        public String rawTarget(RawRequest request) {
          return request.target();
        }

        @Override
        public Iterable<String> headerNames(RawRequest request) {
          return request.headers().keySet();
        }

        @Override
        public List<String> headerValues(RawRequest request, String name) {
          List<String> values = new ArrayList<>(1);
          request
              .headers()
              .forEach(
                  (header, headerValues) -> {
                    if (header.equalsIgnoreCase(name)) {
                      values.addAll(headerValues);
                    }
                  });
          return values;
        }

        @Override
        public String remoteAddress(RawRequest request) {
          return request.remoteAddress();
        }
      };

  public RawRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(remoteAddress, "remoteAddress");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    headers = Collections.unmodifiableMap(copy);
  }

  /** A request without headers. */
  public static RawRequest of(String method, String target, String remoteAddress) {
    return new RawRequest(method, target, Map.of(), remoteAddress);
  }

  /** This request with one more header value. */
  public RawRequest withHeader(String name, String value) {
    Map<String, List<String>> copy = new LinkedHashMap<>(headers);
    List<String> values = new ArrayList<>(copy.getOrDefault(name, List.of()));
    values.add(value);
    copy.put(name, values);
    return new RawRequest(method, target, copy, remoteAddress);
  }

  @Override
  public String toString() {
    // Header values may hold credentials; only their names are shown.
    return "RawRequest["
        + method
        + " "
        + target
        + " headers="
        + headers.keySet()
        + " from "
        + remoteAddress
        + "]";
  }
}
