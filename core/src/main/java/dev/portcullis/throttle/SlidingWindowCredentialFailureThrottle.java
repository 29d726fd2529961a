package dev.portcullis.throttle;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.client.IpAddress;
import dev.portcullis.internal.ClockNanos;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Allows each client at most {@code maxFailures} failed credentials in any {@code window}-long
 * stretch of time (a sliding window): each verification in flight and each failure holds one of the
 * {@code maxFailures} places for a window from the moment it was reserved. A client refused waits
 * until its oldest failure is a window old, which {@code Retry-After} states: after a burst of
 * {@code maxFailures} guesses that is a full window, however long the client had been seen before,
 * and no stretch of a window ever holds more than {@code maxFailures} failures (a fixed-interval
 * refill would let a client fail {@code 2 × maxFailures} times across a refill and then wait
 * anything from nothing to a window). A success gives its place back and resets nothing. Because
 * places are taken before verification, a client with more than {@code maxFailures} verifications
 * in flight at once is refused the excess; a credential whose result is cached is verified at once,
 * so only new credentials count against that.
 *
 * <p>A client is an IPv4 address, or the /64 prefix of an IPv6 address, because one IPv6 host
 * usually owns a whole /64 and could otherwise try 2^64 addresses. A client's log holds at most
 * {@code maxFailures} times; logs live in a bounded Caffeine cache and expire a window after their
 * last use (when every time in them has aged out anyway), so memory stays bounded whatever an
 * attacker sends.
 *
 * <p>Counts are per process. With several gateway instances behind one load balancer, an attacker
 * gets {@code maxFailures} per instance; {@code RedisCredentialFailureThrottle} (artifact {@code
 * portcullis-throttle-redis}) keeps the same sliding window in Redis for all of them. For another
 * shared store, implement {@link CredentialFailureThrottle} with the same rule and {@link
 * #clientKey}.
 *
 * <p>Hosted CI agents (Azure DevOps, for one) reach the gateway through shared outbound addresses,
 * so a client key may stand for many pipelines: keep {@code maxFailures} well above what a
 * misconfigured pipeline produces and the window short.
 */
public final class SlidingWindowCredentialFailureThrottle implements CredentialFailureThrottle {

  /** The default number of failed credentials a client may present per window. */
  public static final int DEFAULT_MAX_FAILURES = 10;

  /** The default window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  private final int maxFailures;
  private final Duration window;
  private final long windowNanos;
  private final ClockNanos time;
  private final Cache<String, FailureLog> logs;

  private SlidingWindowCredentialFailureThrottle(Builder builder) {
    this.maxFailures = builder.maxFailures;
    this.window = builder.window;
    this.windowNanos = window.toNanos();
    this.time = ClockNanos.of(builder.clock);
    this.logs =
        Caffeine.newBuilder()
            .maximumSize(builder.maxClients)
            .expireAfterAccess(window)
            .ticker(time.monotonic() ? Ticker.systemTicker() : time::read)
            .build();
  }

  /** {@value #DEFAULT_MAX_FAILURES} failures per minute, for up to 100 000 clients at once. */
  public static SlidingWindowCredentialFailureThrottle withDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Duration reserve(IpAddress client) {
    long waitNanos =
        logs.get(clientKey(client), key -> new FailureLog(maxFailures))
            .reserve(time.read(), windowNanos);
    // Never zero when refused: a client refused must wait at least a moment.
    return waitNanos == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(1, waitNanos));
  }

  @Override
  public void release(IpAddress client) {
    FailureLog log = logs.getIfPresent(clientKey(client));
    if (log != null) {
      log.releaseNewest();
    }
  }

  /**
   * The times of one client's reservations within the last window, oldest first, in a ring of
   * {@code maxFailures}. A release cannot tell which reservation it gives back, so it gives back
   * the newest: the times kept may then be earlier than the true failures by at most the time a
   * verification takes, which shortens a block by as much.
   */
  private static final class FailureLog {
    private final long[] times;
    private int oldest;
    private int size;

    FailureLog(int capacity) {
      this.times = new long[capacity];
    }

    /** 0 when reserved at {@code now}, otherwise the positive nanoseconds to wait. */
    synchronized long reserve(long now, long windowNanos) {
      while (size > 0 && now - times[oldest] >= windowNanos) {
        oldest = (oldest + 1) % times.length;
        size--;
      }
      if (size < times.length) {
        times[(oldest + size) % times.length] = now;
        size++;
        return 0;
      }
      return Math.max(1, times[oldest] + windowNanos - now);
    }

    synchronized void releaseNewest() {
      if (size > 0) {
        size--;
      }
    }
  }

  /**
   * The key a client's failures are counted under: the address itself for IPv4 (and IPv4-mapped
   * IPv6), the /64 prefix for other IPv6 addresses, such as {@code 2001:db8:1:2::/64}.
   */
  public static String clientKey(IpAddress client) {
    if (client.isIpv4()) {
      return client.text();
    }
    byte[] bytes = client.bytes();
    StringBuilder prefix = new StringBuilder(24);
    for (int i = 0; i < 8; i += 2) {
      prefix
          .append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff)))
          .append(':');
    }
    return prefix.append(":/64").toString();
  }

  /**
   * {@link #clientKey(IpAddress)} of an IP literal's text, for a throttle keyed by text (one over a
   * shared store, say). Text that is not an IP literal is its own key; no name is ever resolved.
   */
  public static String clientKey(String clientIp) {
    try {
      return clientKey(IpAddress.parse(clientIp));
    } catch (IllegalArgumentException notAnAddress) {
      return String.valueOf(clientIp);
    }
  }

  @Override
  public String toString() {
    return maxFailures + " failed credentials per " + window + " per client";
  }

  /** Builds a {@link SlidingWindowCredentialFailureThrottle}. */
  public static final class Builder {
    private int maxFailures = DEFAULT_MAX_FAILURES;
    private Duration window = DEFAULT_WINDOW;
    private long maxClients = 100_000;
    private Clock clock;

    private Builder() {}

    /** How many failed credentials a client may present per window (at least 1). */
    public Builder maxFailures(int maxFailures) {
      if (maxFailures < 1) {
        throw new IllegalArgumentException("maxFailures must be at least 1, not " + maxFailures);
      }
      this.maxFailures = maxFailures;
      return this;
    }

    /** The window the failures are counted in, which is also the longest cool-down. */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("window must be positive, not " + window);
      }
      this.window = window;
      return this;
    }

    /** How many clients are tracked at once; the least recently seen are forgotten first. */
    public Builder maxClients(long maxClients) {
      this.maxClients = maxClients;
      return this;
    }

    /**
     * The time source, for tests; by default the system's monotonic nanosecond time, which a
     * wall-clock change cannot move.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public SlidingWindowCredentialFailureThrottle build() {
      return new SlidingWindowCredentialFailureThrottle(this);
    }
  }
}
