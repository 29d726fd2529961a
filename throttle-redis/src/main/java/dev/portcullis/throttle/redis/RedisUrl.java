package dev.portcullis.throttle.redis;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where the shared counts live: {@code redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]}, or {@code
 * rediss://...} for TLS. A password with {@code @}, {@code :} or {@code /} in it is
 * percent-encoded. {@link #toString()} and every error message leave the password out.
 *
 * @param tls whether the connection uses TLS ({@code rediss})
 * @param user the ACL user, or empty for the default user
 * @param password the password, or empty for none; never printed
 * @param host the host name or address
 * @param port the port, 6379 unless given
 * @param database the database number, 0 unless given
 */
public record RedisUrl(
    boolean tls, String user, String password, String host, int port, int database) {

  /** Parses {@code url}; the message of the exception it throws never quotes the URL. */
  public static RedisUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException notAUri) {
      throw new IllegalArgumentException(
          "not a Redis URL (redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]); percent-encode the"
              + " password's special characters");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException("a Redis URL starts with redis:// or rediss://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("a Redis URL names a host: redis://HOST:PORT");
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("a Redis URL has no query or fragment");
    }
    String user = "";
    String password = "";
    if (uri.getUserInfo() != null) {
      String info = uri.getUserInfo();
      int colon = info.indexOf(':');
      user = colon < 0 ? "" : info.substring(0, colon);
      password = colon < 0 ? info : info.substring(colon + 1);
    }
    return new RedisUrl(
        scheme.equals("rediss"),
        user,
        password,
        uri.getHost().startsWith("[")
            ? uri.getHost().substring(1, uri.getHost().length() - 1)
            : uri.getHost(),
        uri.getPort() < 0 ? RedisURI.DEFAULT_REDIS_PORT : uri.getPort(),
        database(uri.getPath()));
  }

  private static int database(String path) {
    if (path == null || path.isEmpty() || path.equals("/")) {
      return 0;
    }
    String number = path.substring(1);
    if (!number.matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException("a Redis URL's path is a database number: /0 to /65535");
    }
    return Integer.parseInt(number);
  }

  /** Lettuce's form of this URL. */
  RedisURI toRedisUri() {
    RedisURI.Builder builder =
        RedisURI.builder().withHost(host).withPort(port).withDatabase(database).withSsl(tls);
    if (!password.isEmpty()) {
      builder =
          user.isEmpty()
              ? builder.withPassword(password.toCharArray())
              : builder.withAuthentication(user, password.toCharArray());
    }
    return builder.build();
  }

  /** The URL without the password, for logs. */
  public String redacted() {
    String credentials = password.isEmpty() ? (user.isEmpty() ? "" : user + "@") : (user + ":***@");
    String hostPart = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "rediss://" : "redis://") + credentials + hostPart + ":" + port + "/" + database;
  }

  /** {@link #redacted()}: the password never reaches a log through this record. */
  @Override
  public String toString() {
    return redacted();
  }
}
