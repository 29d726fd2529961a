package dev.portcullis.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.client.IpAddress;
import dev.portcullis.testkit.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real {@code redis-server}: counts shared by instances, and an outage. */
class RedisCredentialFailureThrottleTest {

  private static final int MAX = 5;
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  private static RedisCredentialFailureThrottle.Builder throttle() {
    return RedisCredentialFailureThrottle.builder(RedisUrl.parse(redis.url()))
        .maxFailures(MAX)
        .window(Duration.ofMinutes(1));
  }

  @Test
  void aRedisThatRefusesThePasswordIsNamedAsRefusingNotAsUnreachable() throws Exception {
    try (RedisServer guarded = RedisServer.start("right-password")) {
      String wrong = guarded.url().replace("right-password", "wrong-password");
      assertThat(wrong).contains("wrong-password");

      assertThatThrownBy(
              () -> RedisCredentialFailureThrottle.builder(RedisUrl.parse(wrong)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("refused the connection")
          .hasMessageNotContaining("not reachable")
          .hasMessageNotContaining("wrong-password");
    }
  }

  @Test
  void twoInstancesShareOneCount() {
    IpAddress client = IpAddress.parse("203.0.113.10");
    try (var first = throttle().build();
        var second = throttle().build()) {
      int reserved = 0;
      for (int i = 0; i < 2 * MAX; i++) {
        var instance = i % 2 == 0 ? first : second;
        if (instance.reserveAsync(client).toCompletableFuture().join().isZero()) {
          reserved++;
        }
      }

      assertThat(reserved).isEqualTo(MAX);
      Duration wait = second.reserve(client);
      assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(first.available()).isTrue();
      assertThat(first.fallbacks()).isZero();
    }
  }

  @Test
  void aReleasedReservationIsGivenBackForEveryInstance() throws Exception {
    IpAddress client = IpAddress.parse("203.0.113.11");
    try (var first = throttle().build();
        var second = throttle().build()) {
      for (int i = 0; i < MAX; i++) {
        assertThat(first.reserve(client)).isZero();
      }
      assertThat(second.reserve(client)).isPositive();

      first.release(client);

      assertThat(eventually(() -> second.reserve(client).isZero())).isTrue();
    }
  }

  @Test
  void aBlockLastsAFullWindowHoweverLongAgoTheClientWasFirstSeen() throws Exception {
    IpAddress client = IpAddress.parse("203.0.113.15");
    Duration window = Duration.ofSeconds(4);
    try (var throttle = throttle().window(window).build()) {
      assertThat(throttle.reserve(client)).isZero();
      throttle.release(client);
      Thread.sleep(2_500);
      for (int i = 0; i < MAX; i++) {
        assertThat(throttle.reserve(client)).isZero();
      }

      // The burst's first reservation is younger than the time the burst took (well under 1 s on
      // any machine that runs this): the block lasts nearly the whole window from now.
      assertThat(throttle.reserve(client))
          .isGreaterThan(window.minusSeconds(1))
          .isLessThanOrEqualTo(window);
      assertThat(throttle.fallbacks()).as("counted in Redis").isZero();
    }
  }

  @Test
  void theOldestFailureAgeingOutFreesOnePlaceOnly() throws Exception {
    IpAddress client = IpAddress.parse("203.0.113.16");
    Duration window = Duration.ofSeconds(3);
    try (var throttle = throttle().window(window).build()) {
      assertThat(throttle.reserve(client)).isZero();
      Thread.sleep(1_500);
      for (int i = 1; i < MAX; i++) {
        assertThat(throttle.reserve(client)).isZero();
      }
      Duration untilTheFirstAgesOut = throttle.reserve(client);
      assertThat(untilTheFirstAgesOut).isPositive().isLessThanOrEqualTo(Duration.ofMillis(1_500));

      Thread.sleep(untilTheFirstAgesOut.toMillis() + 50);
      assertThat(throttle.reserve(client)).isZero();
      assertThat(throttle.reserve(client)).as("one place, not a new window's worth").isPositive();
      assertThat(throttle.fallbacks()).as("counted in Redis").isZero();
    }
  }

  @Test
  void oneIpv6SlashSixtyFourIsOneClient() {
    try (var throttle = throttle().build()) {
      for (int i = 0; i < MAX; i++) {
        assertThat(throttle.reserve(IpAddress.parse("2001:db8:5:6::" + (i + 1)))).isZero();
      }
      assertThat(throttle.reserve(IpAddress.parse("2001:db8:5:6:ffff::9"))).isPositive();
      assertThat(throttle.reserve(IpAddress.parse("2001:db8:5:7::1"))).isZero();
    }
  }

  @Test
  void duringAnOutageEachInstanceCountsOnItsOwnAndRedisIsUsedAgainAfter() throws Exception {
    AtomicLong now = new AtomicLong();
    IpAddress client = IpAddress.parse("203.0.113.12");
    IpAddress other = IpAddress.parse("203.0.113.13");
    try (var throttle =
        throttle()
            .commandTimeout(Duration.ofMillis(300))
            .retryInterval(Duration.ofSeconds(5))
            .nanoTime(now::get)
            .build()) {
      assertThat(throttle.reserve(other)).isZero();
      redis.stop();
      try {
        int reserved = 0;
        for (int i = 0; i < 3 * MAX; i++) {
          if (throttle.reserve(client).isZero()) {
            reserved++;
          }
        }
        assertThat(reserved).as("never unlimited: the local count applies").isEqualTo(MAX);
        assertThat(throttle.available()).isFalse();
        assertThat(throttle.fallbacks()).isPositive();
      } finally {
        redis.startAgain();
      }

      now.addAndGet(Duration.ofSeconds(5).toNanos());
      assertThat(
              eventually(
                  () -> {
                    now.addAndGet(Duration.ofSeconds(5).toNanos());
                    throttle.reserve(other);
                    return throttle.available();
                  }))
          .as("Redis counts again once it answers")
          .isTrue();
      IpAddress fresh = IpAddress.parse("203.0.113.14");
      try (var second = throttle().build()) {
        for (int i = 0; i < MAX; i++) {
          assertThat((i % 2 == 0 ? throttle : second).reserve(fresh)).isZero();
        }
        assertThat(throttle.reserve(fresh)).as("shared again").isPositive();
        assertThat(second.reserve(fresh)).isPositive();
      }
    }
  }

  @Test
  void anUnreachableRedisStopsTheStartWithoutThePassword() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    RedisUrl nowhere = RedisUrl.parse("redis://:hunter2@127.0.0.1:" + closedPort);

    assertThatThrownBy(() -> RedisCredentialFailureThrottle.builder(nowhere).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort)
        .message()
        .doesNotContain("hunter2");
  }

  private static boolean eventually(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}
