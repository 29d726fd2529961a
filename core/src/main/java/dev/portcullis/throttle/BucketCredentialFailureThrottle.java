package dev.portcullis.throttle;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.client.IpAddress;
import dev.portcullis.internal.ClockNanos;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Allows each client {@code maxFailures} failed credentials per {@code window}, counted with a
 * Bucket4j token bucket per client: the bucket holds {@code maxFailures} tokens, each verification
 * in flight and each failure holds one, and the bucket is refilled in full once per window
 * ("interval" refill, so a blocked client waits for the rest of its window, the cool-down, which
 * {@code Retry-After} states). A success gives its token back and resets nothing. Because tokens
 * are taken before verification, a client with more than {@code maxFailures} verifications in
 * flight at once is refused the excess; a credential whose result is cached is verified at once, so
 * only new credentials count against that.
 *
 * <p>A client is an IPv4 address, or the /64 prefix of an IPv6 address, because one IPv6 host
 * usually owns a whole /64 and could otherwise try 2^64 addresses. Buckets live in a bounded
 * Caffeine cache and expire two windows after their last use, so memory stays bounded whatever an
 * attacker sends.
 *
 * <p>Counts are per process. With several gateway instances behind one load balancer, an attacker
 * gets {@code maxFailures} per instance; {@code RedisCredentialFailureThrottle} (artifact {@code
 * portcullis-throttle-redis}) keeps the same buckets in Redis for all of them. For another shared
 * store, implement {@link CredentialFailureThrottle} over a Bucket4j {@code ProxyManager} with the
 * same bucket configuration and {@link #clientKey}.
 *
 * <p>Hosted CI agents (Azure DevOps, for one) reach the gateway through shared outbound addresses,
 * so a client key may stand for many pipelines: keep {@code maxFailures} well above what a
 * misconfigured pipeline produces and the window short.
 */
public final class BucketCredentialFailureThrottle implements CredentialFailureThrottle {

  /** The default number of failed credentials a client may present per window. */
  public static final int DEFAULT_MAX_FAILURES = 10;

  /** The default window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  private final int maxFailures;
  private final Duration window;
  private final TimeMeter time;
  private final Cache<String, Bucket> buckets;

  private BucketCredentialFailureThrottle(Builder builder) {
    this.maxFailures = builder.maxFailures;
    this.window = builder.window;
    ClockNanos nanos = ClockNanos.of(builder.clock);
    this.time =
        nanos.monotonic()
            ? TimeMeter.SYSTEM_NANOTIME
            : new TimeMeter() {
              @Override
              public long currentTimeNanos() {
                return nanos.read();
              }

              @Override
              public boolean isWallClockBased() {
                return true;
              }
            };
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(builder.maxClients)
            .expireAfterAccess(window.multipliedBy(2))
            .ticker(nanos.monotonic() ? Ticker.systemTicker() : nanos::read)
            .build();
  }

  /** {@value #DEFAULT_MAX_FAILURES} failures per minute, for up to 100 000 clients at once. */
  public static BucketCredentialFailureThrottle withDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Duration reserve(IpAddress client) {
    ConsumptionProbe probe =
        buckets.get(clientKey(client), key -> newBucket()).tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return Duration.ZERO;
    }
    // Never zero when refused: a client refused must wait at least a moment.
    return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
  }

  @Override
  public void release(IpAddress client) {
    Bucket bucket = buckets.getIfPresent(clientKey(client));
    if (bucket != null) {
      bucket.addTokens(1);
    }
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(maxFailures).refillIntervally(maxFailures, window))
        .withCustomTimePrecision(time)
        .build();
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

  /** Builds a {@link BucketCredentialFailureThrottle}. */
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

    public BucketCredentialFailureThrottle build() {
      return new BucketCredentialFailureThrottle(this);
    }
  }
}
