package dev.portcullis;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the policy decided about one request: allow or deny, the HTTP status to answer a denied
 * request with, machine-readable reason codes and a short human message.
 *
 * <p>{@code forwardTarget} is the canonical request target (path and query) that the policy judged;
 * an adapter that allows the request forwards exactly this target upstream. It is empty on a deny.
 *
 * @param allow whether the request may proceed
 * @param status 200 when allowed; the 4xx/5xx status to answer with when denied
 * @param reasons stable snake_case reason codes, most important first; never empty
 * @param message a short sentence for people; never contains request values or secrets
 * @param forwardTarget the judged canonical origin-form target, or "" when denied
 * @param retryAfter how long the client should wait before trying again ({@code Retry-After}), or
 *     {@link Duration#ZERO} when the decision says nothing about it; only a deny carries one
 * @param maxBodyBytes the most body bytes an adapter may forward for this allowed request, however
 *     they are framed (a chunked upload declares no length), or {@link #NO_BODY_LIMIT}; an adapter
 *     that counts more answers 413 and closes the connection
 * @param clientIp for an allow, the client it was made for, resolved behind trusted proxies, for
 *     the forwarding headers a proxy sends upstream; "" on a deny
 * @param realm the protection space a 401 names in its {@code WWW-Authenticate} challenges, such as
 *     the product behind the gateway; {@link #DEFAULT_REALM} unless the enforcer or the engine set
 *     one, and unused on any other status
 * @param bodyParts for an allow, the names of the file parts a {@code multipart/*} body may carry,
 *     each at most once; a multipart body with any other part, or with a form field, is refused as
 *     it streams ({@link dev.portcullis.body.MultipartGuard}). Empty by default, so a multipart
 *     body must be allowed part by part. Names are 1 to 64 of {@code A-Z a-z 0-9 . _ -}; a deny has
 *     none
 */
public record Decision(
    boolean allow,
    int status,
    List<String> reasons,
    String message,
    String forwardTarget,
    Duration retryAfter,
    long maxBodyBytes,
    String clientIp,
    String realm,
    Set<String> bodyParts) {

  /** {@link #maxBodyBytes} of a decision that does not limit the body. */
  public static final long NO_BODY_LIMIT = -1;

  /** The {@link #realm} of a decision nobody gave one. */
  public static final String DEFAULT_REALM = "Portcullis";

  public Decision {
    reasons = List.copyOf(Objects.requireNonNull(reasons, "reasons"));
    bodyParts = Set.copyOf(Objects.requireNonNull(bodyParts, "bodyParts"));
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(forwardTarget, "forwardTarget");
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(clientIp, "clientIp");
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a decision needs at least one reason");
    }
    if (allow && status != 200) {
      throw new IllegalArgumentException("an allow has status 200, not " + status);
    }
    if (!allow && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("a deny needs a 4xx or 5xx status, not " + status);
    }
    if (!allow && !forwardTarget.isEmpty()) {
      throw new IllegalArgumentException("a deny forwards nothing");
    }
    if (retryAfter.isNegative() || (allow && !retryAfter.isZero())) {
      throw new IllegalArgumentException(
          "only a deny carries a Retry-After, and it is not negative");
    }
    if (!allow && !clientIp.isEmpty()) {
      throw new IllegalArgumentException("a deny is bound to no client");
    }
    if (maxBodyBytes < NO_BODY_LIMIT) {
      throw new IllegalArgumentException(
          "maxBodyBytes must be >= 0 or NO_BODY_LIMIT, not " + maxBodyBytes);
    }
    checkRealm(realm);
    if (!allow && !bodyParts.isEmpty()) {
      throw new IllegalArgumentException("a deny allows no body parts");
    }
    for (String part : bodyParts) {
      if (!isBodyPartName(part)) {
        throw new IllegalArgumentException(
            "a body part name is 1 to 64 of A-Z a-z 0-9 . _ -, not " + part);
      }
    }
  }

  /**
   * A decision without body parts: as the canonical constructor with an empty {@code bodyParts}.
   */
  public Decision(
      boolean allow,
      int status,
      List<String> reasons,
      String message,
      String forwardTarget,
      Duration retryAfter,
      long maxBodyBytes,
      String clientIp,
      String realm) {
    this(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        retryAfter,
        maxBodyBytes,
        clientIp,
        realm,
        Set.of());
  }

  /**
   * Whether {@code name} can be one of {@link #bodyParts}: 1 to 64 ASCII letters, digits, dots,
   * underscores and hyphens, which no multipart parser decodes into another name.
   */
  public static boolean isBodyPartName(String name) {
    if (name == null || name.isEmpty() || name.length() > 64) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alphanumeric =
          (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alphanumeric && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** A decision without a {@code Retry-After}, a body limit, a client or a realm of its own. */
  public Decision(
      boolean allow, int status, List<String> reasons, String message, String forwardTarget) {
    this(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        Duration.ZERO,
        NO_BODY_LIMIT,
        "",
        DEFAULT_REALM);
  }

  /** A decision without a body limit, a client or a realm of its own. */
  public Decision(
      boolean allow,
      int status,
      List<String> reasons,
      String message,
      String forwardTarget,
      Duration retryAfter) {
    this(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        retryAfter,
        NO_BODY_LIMIT,
        "",
        DEFAULT_REALM);
  }

  /**
   * Checks that {@code realm} can stand in an HTTP quoted string as it is: not empty, at most 64
   * characters, printable ASCII without {@code "} or {@code \}.
   *
   * @throws IllegalArgumentException when it cannot
   */
  static String checkRealm(String realm) {
    Objects.requireNonNull(realm, "realm");
    if (realm.isEmpty()
        || realm.length() > 64
        || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
      throw new IllegalArgumentException(
          "a realm is 1 to 64 printable ASCII characters without '\"' or '\\'");
    }
    return realm;
  }

  /** An allow with the given reasons, not yet bound to a target. */
  public static Decision allow(List<String> reasons, String message) {
    return new Decision(true, 200, reasons, message, "");
  }

  /** A deny with one reason code. */
  public static Decision deny(int status, String reason, String message) {
    return new Decision(false, status, List.of(reason), message, "");
  }

  /** A deny with several reason codes. */
  public static Decision deny(int status, List<String> reasons, String message) {
    return new Decision(false, status, reasons, message, "");
  }

  /** This decision bound to the target it judged; a deny stays unbound. */
  public Decision forTarget(String judgedTarget) {
    return allow
        ? new Decision(
            true,
            status,
            reasons,
            message,
            judgedTarget,
            retryAfter,
            maxBodyBytes,
            clientIp,
            realm,
            bodyParts)
        : this;
  }

  /** This allow bound to the client it was made for; a deny stays unbound. */
  public Decision forClient(String resolvedClientIp) {
    return allow
        ? new Decision(
            true,
            status,
            reasons,
            message,
            forwardTarget,
            retryAfter,
            maxBodyBytes,
            resolvedClientIp,
            realm,
            bodyParts)
        : this;
  }

  /**
   * This deny telling the client to wait {@code delay} before trying again (rounded up to whole
   * seconds on the wire).
   */
  public Decision withRetryAfter(Duration delay) {
    return new Decision(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        delay,
        maxBodyBytes,
        clientIp,
        realm,
        bodyParts);
  }

  /**
   * This decision limiting the forwarded body to {@code limit} bytes ({@link #NO_BODY_LIMIT}: no
   * limit).
   */
  public Decision withMaxBodyBytes(long limit) {
    return new Decision(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        retryAfter,
        limit,
        clientIp,
        realm,
        bodyParts);
  }

  /**
   * This allow letting a multipart body carry the file parts {@code names}, each at most once
   * ({@link #bodyParts}).
   */
  public Decision withBodyParts(Set<String> names) {
    return new Decision(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        retryAfter,
        maxBodyBytes,
        clientIp,
        realm,
        names);
  }

  /** This decision naming {@code protectionSpace} in the challenges of a 401. */
  public Decision withRealm(String protectionSpace) {
    return new Decision(
        allow,
        status,
        reasons,
        message,
        forwardTarget,
        retryAfter,
        maxBodyBytes,
        clientIp,
        protectionSpace,
        bodyParts);
  }

  /** Whether this allow limits the body, and {@code bytes} exceed that limit. */
  public boolean bodyLimitExceededBy(long bytes) {
    return maxBodyBytes != NO_BODY_LIMIT && bytes > maxBodyBytes;
  }

  /** The first reason code. */
  public String primaryReason() {
    return reasons.get(0);
  }

  /**
   * The deny for a request Portcullis itself could not decide about (a broken accessor, a bug): 500
   * {@code internal_error}. Adapters answer it when a decision is missing; the enforcer when it
   * fails.
   */
  public static final Decision INTERNAL_ERROR =
      deny(500, "internal_error", "Portcullis could not decide about the request.");

  /**
   * The deny an adapter answers when an allowed request's body grows past {@link #maxBodyBytes}
   * while it streams; the connection is closed after it, since the rest of the body is never read.
   */
  public static Decision bodyTooLarge() {
    return deny(413, "body_too_large", "The request body is larger than the gateway allows.");
  }
}
