package dev.portcullis.throttle.redis;

import dev.portcullis.client.IpAddress;
import dev.portcullis.throttle.CredentialFailureThrottle;
import dev.portcullis.throttle.SlidingWindowCredentialFailureThrottle;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed-credential counts shared by every gateway instance that names the same Redis: the sliding
 * window of {@link SlidingWindowCredentialFailureThrottle} (at most {@code maxFailures} in any
 * window, same client keys, IPv6 by /64), kept in Redis as one sorted set of reservation times per
 * client and changed only by Lua scripts, so each check-and-reserve is atomic and an attacker gets
 * {@code maxFailures} per window in all, not per instance. The times are Redis's own ({@code
 * TIME}), so the instances' clocks need not agree.
 *
 * <p>Never blocks the deciding thread: {@link #reserveAsync} completes when Redis answers.
 *
 * <p><b>When Redis is unavailable</b> (down, unreachable, or slower than the command timeout) the
 * throttle counts in this process instead, with the same limits, so an outage never lets unlimited
 * guesses through and never stops a valid credential: each instance then allows {@code maxFailures}
 * per window on its own. The first failure is logged at WARN (never the password), the return at
 * INFO; while Redis is out, it is tried again once per {@code retryInterval} rather than on every
 * request. {@link #available()} says which store counts now, for a readiness check. A reservation
 * taken in one store and given back in the other may leave a client one failure short or ahead for
 * one window.
 *
 * <p>Redis (5.0 or later) must be reachable when the throttle is built: a wrong address stops the
 * start.
 *
 * <p>Thread-safe. {@link #close()} closes the connection.
 */
public final class RedisCredentialFailureThrottle
    implements CredentialFailureThrottle, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisCredentialFailureThrottle.class);

  /** The prefix of every key this throttle writes. */
  public static final String KEY_PREFIX = "portcullis:credential-failures:";

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final String windowMicros;
  private final String maxFailuresText;
  private final SlidingWindowCredentialFailureThrottle local;
  private final String where;
  private final long retryIntervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong unavailableSince = new AtomicLong(NEVER);
  private final AtomicLong fallbacks = new AtomicLong();
  private final ExecutorService continuations =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "portcullis-throttle-redis");
            thread.setDaemon(true);
            return thread;
          });
  private final int maxFailures;
  private final Duration window;

  private static final long NEVER = Long.MIN_VALUE;

  /**
   * Drops the client's reservations a window old or older, then reserves one at Redis's time unless
   * {@code maxFailures} remain: 0 when reserved, otherwise the microseconds until the oldest is a
   * window old. ARGV: window in microseconds, maxFailures, a nonce that keeps members unique.
   */
  private static final String RESERVE =
      """
      if redis.replicate_commands then redis.replicate_commands() end
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
      local window = tonumber(ARGV[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
      if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
        redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
        redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1)
        return 0
      end
      local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
      return math.max(1, tonumber(oldest[2]) + window - now)
      """;

  /** Gives back the client's newest reservation, as the in-memory throttle does. */
  private static final String RELEASE_NEWEST = "return #redis.call('ZPOPMAX', KEYS[1])";

  private static final SecureRandom NONCES = new SecureRandom();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private RedisCredentialFailureThrottle(Builder builder) {
    RedisUrl url = builder.url;
    this.where = url.redacted();
    this.maxFailures = builder.maxFailures;
    this.window = builder.window;
    this.windowMicros = Long.toString(Math.max(1, window.toNanos() / 1000));
    this.maxFailuresText = Integer.toString(maxFailures);
    this.retryIntervalNanos = builder.retryInterval.toNanos();
    this.nanoTime = builder.nanoTime;
    RedisURI uri = url.toRedisUri();
    // The URI's timeout bounds connecting and the handshake, which loads classes the first time;
    // every later command gets the short command timeout.
    uri.setTimeout(CONNECT_TIMEOUT);
    this.client = RedisClient.create(uri);
    // Fail fast while disconnected instead of queueing requests behind a reconnect.
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
            .timeoutOptions(TimeoutOptions.enabled(builder.commandTimeout))
            .build());
    try {
      this.connection = client.connect(StringCodec.UTF8);
    } catch (RuntimeException unreachable) {
      client.shutdown();
      throw new IllegalStateException(whyNotConnected(where, unreachable), unreachable);
    }
    this.local =
        SlidingWindowCredentialFailureThrottle.builder()
            .maxFailures(maxFailures)
            .window(window)
            .build();
  }

  /**
   * Why a connection to {@code where} failed: Redis's own error when it answered (a wrong or
   * missing password, a database that does not exist; its errors never quote the password), else
   * that it is not reachable and why.
   */
  static String whyNotConnected(String where, Throwable failure) {
    Throwable cause = failure;
    Throwable root = failure;
    for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
      if (cause instanceof RedisCommandExecutionException) {
        return "Redis at " + where + " refused the connection: " + cause.getMessage();
      }
      root = cause;
    }
    return "Redis at "
        + where
        + " is not reachable: "
        + failure.getClass().getSimpleName()
        + (root != failure && root.getMessage() != null ? " (" + root.getMessage() + ")" : "");
  }

  /** A builder for the Redis at {@code url} ({@link RedisUrl#parse}). */
  public static Builder builder(RedisUrl url) {
    return new Builder(url);
  }

  @Override
  public Duration reserve(IpAddress client) {
    return reserveAsync(client).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<Duration> reserveAsync(IpAddress client) {
    if (!tryRedis()) {
      return CompletableFuture.completedFuture(local.reserve(client));
    }
    CompletableFuture<Long> waitMicros;
    try {
      waitMicros =
          connection
              .async()
              .<Long>eval(
                  RESERVE,
                  ScriptOutputType.INTEGER,
                  new String[] {key(client)},
                  windowMicros,
                  maxFailuresText,
                  nonce())
              .toCompletableFuture();
    } catch (RuntimeException e) {
      waitMicros = CompletableFuture.failedFuture(e);
    }
    // Completed off Lettuce's I/O thread: the enforcer goes on to verify and evaluate the policy
    // on the thread that completes this stage, which must not be the one reading Redis replies.
    return waitMicros.handleAsync(
        (answer, failure) -> {
          if (failure != null) {
            unavailable(failure);
            return local.reserve(client);
          }
          recovered();
          return answer == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(1, answer) * 1000);
        },
        continuations);
  }

  @Override
  public void release(IpAddress client) {
    if (!tryRedis()) {
      local.release(client);
      return;
    }
    try {
      connection
          .async()
          .<Long>eval(RELEASE_NEWEST, ScriptOutputType.INTEGER, key(client))
          .whenComplete(
              (done, failure) -> {
                if (failure != null) {
                  unavailable(failure);
                  local.release(client);
                }
              });
    } catch (RuntimeException e) {
      unavailable(e);
      local.release(client);
    }
  }

  /** Whether Redis counts now; false while this instance counts on its own during an outage. */
  public boolean available() {
    return unavailableSince.get() == NEVER;
  }

  /** How many reservations and releases fell back to this instance's own counts so far. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** Whether to ask Redis: yes unless it failed less than a retry interval ago. */
  private boolean tryRedis() {
    long since = unavailableSince.get();
    return since == NEVER || nanoTime.getAsLong() - since >= retryIntervalNanos;
  }

  private void unavailable(Throwable failure) {
    fallbacks.incrementAndGet();
    long now = nanoTime.getAsLong();
    if (unavailableSince.getAndSet(now) == NEVER) {
      LOG.warn(
          "Redis at {} is unavailable ({}); counting failed credentials in this instance only,"
              + " {} per {} per client, until it answers again",
          where,
          rootCause(failure),
          maxFailures,
          window);
    }
  }

  private void recovered() {
    if (unavailableSince.get() != NEVER && unavailableSince.getAndSet(NEVER) != NEVER) {
      LOG.info("Redis at {} answers again; failed credentials are counted there", where);
    }
  }

  private static String rootCause(Throwable failure) {
    Throwable cause = failure;
    for (int depth = 0; cause.getCause() != null && depth < 8; depth++) {
      cause = cause.getCause();
    }
    // The class only: a Redis error message may quote a command's arguments.
    return cause.getClass().getSimpleName();
  }

  private static String nonce() {
    byte[] bytes = new byte[8];
    NONCES.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The Redis key of a client's reservations: {@link #KEY_PREFIX} and the shared client key. */
  static String key(IpAddress client) {
    return KEY_PREFIX + SlidingWindowCredentialFailureThrottle.clientKey(client);
  }

  @Override
  public void close() {
    continuations.shutdown();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return maxFailures + " failed credentials per " + window + " per client, shared in " + where;
  }

  /** Builds a {@link RedisCredentialFailureThrottle}. */
  public static final class Builder {
    private final RedisUrl url;
    private int maxFailures = SlidingWindowCredentialFailureThrottle.DEFAULT_MAX_FAILURES;
    private Duration window = SlidingWindowCredentialFailureThrottle.DEFAULT_WINDOW;
    private Duration commandTimeout = Duration.ofMillis(500);
    private Duration retryInterval = Duration.ofSeconds(5);
    private LongSupplier nanoTime = System::nanoTime;

    private Builder(RedisUrl url) {
      this.url = Objects.requireNonNull(url, "url");
    }

    /** How many failed credentials a client may present per window, in all instances. */
    public Builder maxFailures(int maxFailures) {
      if (maxFailures < 1) {
        throw new IllegalArgumentException("maxFailures must be at least 1, not " + maxFailures);
      }
      this.maxFailures = maxFailures;
      return this;
    }

    /** The window the failures are counted in, which is also the longest cool-down. */
    public Builder window(Duration window) {
      this.window = positive(window, "window");
      return this;
    }

    /** How long a Redis command may take before this instance counts on its own (500 ms). */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = positive(commandTimeout, "commandTimeout");
      return this;
    }

    /** How long after a failure Redis is asked again (5 s). */
    public Builder retryInterval(Duration retryInterval) {
      this.retryInterval = positive(retryInterval, "retryInterval");
      return this;
    }

    /** The monotonic time of the retry interval, for tests. */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Connects to Redis.
     *
     * @throws IllegalStateException when Redis is not reachable; the message names the host and
     *     port, never the password
     */
    public RedisCredentialFailureThrottle build() {
      return new RedisCredentialFailureThrottle(this);
    }

    private static Duration positive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + duration);
      }
      return duration;
    }
  }
}
