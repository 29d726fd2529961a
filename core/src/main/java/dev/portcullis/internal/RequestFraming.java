package dev.portcullis.internal;

import dev.portcullis.PolicyInput;
import dev.portcullis.RequestRejectedException;
import dev.portcullis.body.MultipartGuard;
import dev.portcullis.spi.RequestAccessor;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checks on a request's headers that need no policy: how many there are, how the body is
 * framed, the {@code Host} and {@code Content-Type} headers, and what {@code Connection} may name.
 * Each refusal is a {@link RequestRejectedException} with its own reason code; a request that
 * passes is described by its declared length and its {@link PolicyInput.Body}.
 *
 * <p>Not for public use: the enforcer's part. Thread-safe: immutable.
 */
public final class RequestFraming {

  /**
   * Headers a proxy must forward as judged; {@code Connection} naming one would make it drop them.
   */
  private static final Set<String> JUDGED_HEADERS =
      Set.of(
          "authorization",
          "proxy-authorization",
          "cookie",
          "content-length",
          "content-type",
          "transfer-encoding",
          "host",
          "forwarded",
          "x-forwarded-for");

  /** Per header field in the byte count: ": " and CRLF, as on the wire. */
  private static final int FIELD_OVERHEAD = 4;

  private final int maxHeaderCount;
  private final int maxHeaderBytes;
  private final Set<String> selectedHeaders;

  public RequestFraming(int maxHeaderCount, int maxHeaderBytes, Set<String> selectedHeaders) {
    this.maxHeaderCount = maxHeaderCount;
    this.maxHeaderBytes = maxHeaderBytes;
    this.selectedHeaders = Set.copyOf(selectedHeaders);
  }

  /** The declared length and the body of a request whose headers pass every check. */
  public record Framing(long contentLength, PolicyInput.Body body) {}

  /**
   * Checks the request's headers; {@code headerNames} are its lower-case header names.
   *
   * @throws RequestRejectedException when a check fails
   */
  public <R> Framing check(R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    checkHeaderSize(request, accessor, headerNames);
    checkConnectionHeader(request, accessor, headerNames);
    checkHost(request, accessor, headerNames);
    long contentLength = contentLength(request, accessor, headerNames);
    boolean chunked = transferEncoding(request, accessor, headerNames);
    String contentType =
        single(
            request,
            accessor,
            headerNames,
            "content-type",
            "content_type_ambiguous",
            "The request has more than one Content-Type.");
    boolean present = chunked || contentLength > 0;
    if (present && !MultipartGuard.hasUsableBoundary(contentType)) {
      // The adapters judge a multipart body's parts as it streams, by this boundary; one that
      // parsers may read differently (two of them, a comma, odd characters) cannot be judged.
      throw new RequestRejectedException(
          400,
          "multipart_malformed",
          "The multipart request has no boundary in the form the gateway accepts.");
    }
    return new Framing(contentLength, PolicyInput.Body.of(present, chunked, contentType));
  }

  /**
   * Caps the number of header fields and their total size before anything else reads them: every
   * header name reaches the policy, and a request with thousands of them would cost milliseconds
   * per decision.
   */
  private <R> void checkHeaderSize(
      R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    if (headerNames.size() > maxHeaderCount) {
      throw tooLarge();
    }
    long fields = 0;
    long bytes = 0;
    for (String name : headerNames) {
      for (String value : accessor.headerValues(request, name)) {
        fields++;
        bytes += name.length() + value.length() + FIELD_OVERHEAD;
      }
      if (fields > maxHeaderCount || bytes > maxHeaderBytes) {
        throw tooLarge();
      }
    }
  }

  private static RequestRejectedException tooLarge() {
    return new RequestRejectedException(
        431,
        "request_headers_too_large",
        "The request has too many header fields or they are too large.");
  }

  /**
   * Refuses a {@code Connection} header that names a header the decision depends on: a proxy
   * removes the headers {@code Connection} lists (RFC 9110 section 7.6.1), so the upstream would
   * get a request other than the one judged, such as one without the credential that was verified.
   */
  private <R> void checkConnectionHeader(
      R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    if (!headerNames.contains("connection")) {
      return;
    }
    for (String value : accessor.headerValues(request, "connection")) {
      for (String option : value.split(",", -1)) {
        String name = option.strip().toLowerCase(Locale.ROOT);
        if (JUDGED_HEADERS.contains(name) || selectedHeaders.contains(name)) {
          throw badRequest(
              "connection_header_invalid",
              "The Connection header names a header the decision depends on.");
        }
      }
    }
  }

  /**
   * One {@code Host} header with one value (RFC 9112 section 3.2): two of them let a front end and
   * a back end disagree about the virtual host, and HTTP/1.1 requires one.
   */
  private static <R> void checkHost(
      R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    if (!headerNames.contains("host")) {
      if ("HTTP/1.1".equalsIgnoreCase(accessor.protocol(request))) {
        throw badRequest("host_header_missing", "An HTTP/1.1 request needs a Host header.");
      }
      return;
    }
    List<String> values = accessor.headerValues(request, "host");
    if (values.size() != 1 || values.get(0).indexOf(',') >= 0) {
      throw badRequest("host_header_invalid", "The request must have exactly one Host.");
    }
  }

  private static <R> long contentLength(
      R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    if (!headerNames.contains("content-length")) {
      return PolicyInput.NO_CONTENT_LENGTH;
    }
    if (headerNames.contains("transfer-encoding")) {
      // Both framings at once is the classic request-smuggling shape (RFC 9112 section 6.3).
      throw badRequest(
          "conflicting_body_length", "The request has both Content-Length and Transfer-Encoding.");
    }
    long length = PolicyInput.NO_CONTENT_LENGTH;
    for (String value : accessor.headerValues(request, "content-length")) {
      for (String part : value.split(",", -1)) {
        long parsed = parseContentLength(part.strip());
        if (length != PolicyInput.NO_CONTENT_LENGTH && length != parsed) {
          throw badRequest(
              "invalid_content_length", "The request declares different Content-Length values.");
        }
        length = parsed;
      }
    }
    if (length == PolicyInput.NO_CONTENT_LENGTH) {
      throw badRequest("invalid_content_length", "The Content-Length header is empty.");
    }
    return length;
  }

  private static long parseContentLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      throw badRequest("invalid_content_length", "The Content-Length is not a number.");
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        throw badRequest("invalid_content_length", "The Content-Length is not a number.");
      }
    }
    return Long.parseLong(value);
  }

  /**
   * Whether the body is chunked. {@code chunked} is the only transfer coding accepted: any other
   * one (alone, stacked, or listed twice) is a body whose end a front end and a back end may find
   * in different places, and RFC 9112 section 6.1 answers a coding the server does not understand
   * with 501. HTTP/1.0 has no transfer codings: RFC 9112 section 6.1 makes such a request's framing
   * faulty, since an HTTP/1.0 front end may frame it by Content-Length or the connection's end.
   */
  private static <R> boolean transferEncoding(
      R request, RequestAccessor<R> accessor, Set<String> headerNames) {
    if (!headerNames.contains("transfer-encoding")) {
      return false;
    }
    if ("HTTP/1.0".equalsIgnoreCase(accessor.protocol(request))) {
      throw badRequest(
          "transfer_encoding_in_http10", "An HTTP/1.0 request cannot have a Transfer-Encoding.");
    }
    List<String> values = accessor.headerValues(request, "transfer-encoding");
    if (values.size() != 1 || !values.get(0).strip().equalsIgnoreCase("chunked")) {
      throw new RequestRejectedException(
          501, "transfer_encoding_not_supported", "Only the chunked transfer coding is supported.");
    }
    return true;
  }

  /** The one value of a header that may appear at most once; "" when absent. */
  private static <R> String single(
      R request,
      RequestAccessor<R> accessor,
      Set<String> headerNames,
      String name,
      String reason,
      String message) {
    if (!headerNames.contains(name)) {
      return "";
    }
    List<String> values = accessor.headerValues(request, name);
    if (values.size() > 1) {
      throw badRequest(reason, message);
    }
    return values.isEmpty() ? "" : values.get(0);
  }

  private static RequestRejectedException badRequest(String reason, String message) {
    return new RequestRejectedException(400, reason, message);
  }
}
