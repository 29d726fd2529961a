package dev.portcullis.throttle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BucketCredentialFailureThrottleTest {

  private final ManualClock clock = new ManualClock();
  private final BucketCredentialFailureThrottle throttle = BucketCredentialFailureThrottle.builder()
      .maxFailures(3).window(Duration.ofSeconds(60)).clock(clock, clock).build();

  @Test
  void aClientIsBlockedAfterMaxFailuresUntilItsWindowRefills() {
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.blockedFor("203.0.113.7")).isZero();
      throttle.recordFailure("203.0.113.7");
    }

    assertThat(throttle.blockedFor("203.0.113.7")).isEqualTo(Duration.ofSeconds(60));
    clock.advance(Duration.ofSeconds(45));
    assertThat(throttle.blockedFor("203.0.113.7")).isEqualTo(Duration.ofSeconds(15));
    clock.advance(Duration.ofSeconds(15));
    assertThat(throttle.blockedFor("203.0.113.7")).isZero();
  }

  @Test
  void failuresOfOneClientNeverBlockAnother() {
    for (int i = 0; i < 10; i++) {
      throttle.recordFailure("203.0.113.7");
    }

    assertThat(throttle.blockedFor("203.0.113.7")).isPositive();
    assertThat(throttle.blockedFor("203.0.113.8")).isZero();
    assertThat(throttle.blockedFor("2001:db8::1")).isZero();
  }

  @Test
  void failuresSpreadOverWindowsNeverBlock() {
    for (int window = 0; window < 5; window++) {
      throttle.recordFailure("198.51.100.1");
      throttle.recordFailure("198.51.100.1");
      assertThat(throttle.blockedFor("198.51.100.1")).isZero();
      clock.advance(Duration.ofSeconds(61));
    }
  }

  @Test
  void anIpv6HostIsCountedByItsSlash64() {
    throttle.recordFailure("2001:db8:1:2::1");
    throttle.recordFailure("2001:db8:1:2:ffff::9");
    throttle.recordFailure("2001:db8:1:2:abcd:1:2:3");

    assertThat(throttle.blockedFor("2001:db8:1:2::77")).isPositive();
    assertThat(throttle.blockedFor("2001:db8:1:3::1")).isZero();
  }

  @Test
  void clientKeysAreAddressesOrIpv6Prefixes() {
    assertThat(BucketCredentialFailureThrottle.clientKey("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(BucketCredentialFailureThrottle.clientKey("2001:db8:1:2:3:4:5:6")).isEqualTo("2001:db8:1:2::/64");
    assertThat(BucketCredentialFailureThrottle.clientKey("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(BucketCredentialFailureThrottle.clientKey("not:an:address:at:all")).isEqualTo("not:an:address:at:all");
  }

  @Test
  void concurrentFailuresAreAllCounted() throws Exception {
    BucketCredentialFailureThrottle many = BucketCredentialFailureThrottle.builder()
        .maxFailures(1000).window(Duration.ofHours(1)).clock(clock, clock).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      tasks.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 125; i++) {
          many.recordFailure("192.0.2.1");
        }
        return null;
      }));
    }
    start.countDown();
    for (var task : tasks) {
      task.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(many.blockedFor("192.0.2.1")).isPositive();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> BucketCredentialFailureThrottle.builder().maxFailures(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketCredentialFailureThrottle.builder().window(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
