package dev.portcullis.credential;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.internal.ClockNanos;
import dev.portcullis.spi.CredentialVerifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A credential verifier that remembers another verifier's answers for a while, keyed by a salted
 * SHA-256 digest of the credential, never the credential itself.
 *
 * <p>A {@link CredentialValidity#VALID} answer is kept for the positive time-to-live, counted from
 * when it arrived however often it is used; any other answer for the negative one. The positive
 * time-to-live is how long a revoked token keeps passing Portcullis (the product behind it still
 * refuses it), so keep it short. A failed verification is never kept: the next request asks again.
 * Concurrent verifications of the same credential share one in-flight call, so fifty requests with
 * a new token cost one call. A token sent as Bearer and the same token sent as Basic are one entry.
 *
 * <p>Thread-safe and never blocks; the returned stage completes where the wrapped verifier's does,
 * or at once for a remembered answer. Each caller gets its own stage, so cancelling one never
 * affects others.
 */
public final class CachingCredentialVerifier implements CredentialVerifier {

  private final CredentialVerifier delegate;
  private final Duration positiveTtl;
  private final Duration negativeTtl;
  private final long maximumSize;
  private final byte[] salt;
  private final AsyncCache<CredentialDigest, Attempt> cache;

  private CachingCredentialVerifier(Builder builder) {
    this.delegate = builder.delegate;
    this.positiveTtl = builder.positiveTtl;
    this.negativeTtl = builder.negativeTtl;
    this.maximumSize = builder.maximumSize;
    this.salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    ClockNanos nanos = ClockNanos.of(builder.clock);
    Caffeine<Object, Object> caffeine =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .ticker(nanos.monotonic() ? Ticker.systemTicker() : nanos::read)
            .executor(builder.executor);
    this.cache =
        caffeine
            .expireAfter(
                Expiry.<CredentialDigest, Attempt>writing(
                    (key, attempt) -> attempt.timeToLive(positiveTtl, negativeTtl)))
            .buildAsync();
  }

  /**
   * A builder for a cache in front of {@code delegate}, such as a verifier that asks the product
   * behind the gateway.
   */
  public static Builder builder(CredentialVerifier delegate) {
    return new Builder(delegate);
  }

  @Override
  public CompletionStage<CredentialVerification> verify(Credential credential) {
    Objects.requireNonNull(credential, "credential");
    if (!credential.present()) {
      return delegate.verify(credential);
    }
    CredentialDigest key = CredentialDigest.of(credential, salt);
    boolean[] asked = {false};
    CompletableFuture<Attempt> attempt =
        cache.get(
            key,
            (k, executor) -> {
              asked[0] = true;
              return ask(credential);
            });
    if (!asked[0]
        && attempt.isDone()
        && !attempt.isCompletedExceptionally()
        && attempt.join().failure() != null) {
      // A failure that arrived before the cache expired it; failures are never served from the
      // cache.
      cache.asMap().remove(key, attempt);
      attempt = cache.get(key, (k, executor) -> ask(credential));
    }
    CompletableFuture<CredentialVerification> result = new CompletableFuture<>();
    attempt.whenComplete(
        (done, unexpected) -> {
          if (unexpected != null) {
            result.completeExceptionally(unexpected);
          } else if (done.failure() != null) {
            result.completeExceptionally(done.failure());
          } else {
            result.complete(done.verification());
          }
        });
    return result;
  }

  /**
   * The remembered answer for the credential, if one has arrived and not expired; never asks the
   * wrapped verifier.
   */
  @Override
  public Optional<CredentialVerification> remembered(Credential credential) {
    if (!credential.present()) {
      return Optional.empty();
    }
    CompletableFuture<Attempt> attempt = cache.getIfPresent(CredentialDigest.of(credential, salt));
    if (attempt == null || !attempt.isDone() || attempt.isCompletedExceptionally()) {
      return Optional.empty();
    }
    return Optional.ofNullable(attempt.join().verification());
  }

  /** Whether a verification of the credential is in flight, one {@link #verify} would join. */
  @Override
  public boolean verifying(Credential credential) {
    if (!credential.present()) {
      return false;
    }
    CompletableFuture<Attempt> attempt = cache.getIfPresent(CredentialDigest.of(credential, salt));
    return attempt != null && !attempt.isDone();
  }

  /**
   * Asks the wrapped verifier. The attempt never fails, so the cache never sees a failed future (it
   * would log each one); a failed attempt has no time to live instead.
   */
  private CompletableFuture<Attempt> ask(Credential credential) {
    CompletionStage<CredentialVerification> stage;
    try {
      stage = delegate.verify(credential);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Attempt.failed(e));
    }
    if (stage == null) {
      return CompletableFuture.completedFuture(
          Attempt.failed(new IllegalStateException("the credential verifier returned no result")));
    }
    return stage
        .toCompletableFuture()
        .handle(
            (verification, failure) -> {
              if (failure != null) {
                return Attempt.failed(
                    failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure);
              }
              if (verification == null) {
                return Attempt.failed(
                    new IllegalStateException(
                        "the credential verifier completed without a verification"));
              }
              return new Attempt(verification, null);
            });
  }

  /** The keys of the remembered and in-flight verifications; for tests. */
  Set<CredentialDigest> keys() {
    return Set.copyOf(cache.asMap().keySet());
  }

  @Override
  public String toString() {
    return "CachingCredentialVerifier[delegate="
        + delegate
        + ", positiveTtl="
        + positiveTtl
        + ", negativeTtl="
        + negativeTtl
        + ", maximumSize="
        + maximumSize
        + "]";
  }

  /** The wrapped verifier's answer or failure. */
  private record Attempt(CredentialVerification verification, Throwable failure) {
    static Attempt failed(Throwable failure) {
      return new Attempt(null, failure);
    }

    Duration timeToLive(Duration positiveTtl, Duration negativeTtl) {
      if (failure != null) {
        return Duration.ZERO;
      }
      return verification.validity() == CredentialValidity.VALID ? positiveTtl : negativeTtl;
    }
  }

  /** Builds a {@link CachingCredentialVerifier}; validated in {@link #build()}. */
  public static final class Builder {
    private final CredentialVerifier delegate;
    private Duration positiveTtl = Duration.ofSeconds(60);
    private Duration negativeTtl = Duration.ofSeconds(10);
    private long maximumSize = 10_000;
    private Clock clock;
    // The calling thread: the cache's upkeep is short and never blocks, and handing it to the
    // common pool cost a thread wake-up (a futex call) every few requests.
    private Executor executor = Runnable::run;

    private Builder(CredentialVerifier delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * How long a valid answer is remembered, from when it arrived; default 60 s. A revoked token
     * keeps passing Portcullis for at most this long. Zero remembers nothing but still shares
     * in-flight calls.
     */
    public Builder positiveTtl(Duration positiveTtl) {
      this.positiveTtl = Objects.requireNonNull(positiveTtl, "positiveTtl");
      return this;
    }

    /**
     * How long an invalid (or unknown) answer is remembered; default 10 s, so a repeated wrong
     * token costs one call per 10 s, and a token created a moment after it was first tried works
     * soon after.
     */
    public Builder negativeTtl(Duration negativeTtl) {
      this.negativeTtl = Objects.requireNonNull(negativeTtl, "negativeTtl");
      return this;
    }

    /** The most credentials remembered at once, in-flight ones included; default 10 000. */
    public Builder maximumSize(long maximumSize) {
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * The time source for expiry, for tests; by default the system's monotonic nanosecond time,
     * which a wall-clock change cannot move.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where the cache does its maintenance; default the calling thread (the upkeep is short and
     * never blocks).
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    public CachingCredentialVerifier build() {
      if (positiveTtl.isNegative() || negativeTtl.isNegative()) {
        throw new IllegalArgumentException(
            "positiveTtl and negativeTtl must not be negative, not "
                + positiveTtl
                + " and "
                + negativeTtl);
      }
      if (maximumSize < 1) {
        throw new IllegalArgumentException("maximumSize must be at least 1, not " + maximumSize);
      }
      return new CachingCredentialVerifier(this);
    }
  }
}
