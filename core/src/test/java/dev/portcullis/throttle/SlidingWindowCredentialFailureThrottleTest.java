package dev.portcullis.throttle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.ManualClock;
import dev.portcullis.client.IpAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlidingWindowCredentialFailureThrottleTest {

  private final ManualClock clock = new ManualClock();
  private final SlidingWindowCredentialFailureThrottle throttle =
      SlidingWindowCredentialFailureThrottle.builder()
          .maxFailures(3)
          .window(Duration.ofSeconds(60))
          .clock(clock)
          .build();

  private static IpAddress ip(String literal) {
    return IpAddress.parse(literal);
  }

  /** Reserves and keeps: one failure. */
  private void fail(String clientIp) {
    assertThat(throttle.reserve(ip(clientIp))).isZero();
  }

  @Test
  void aClientIsBlockedAfterMaxFailuresUntilItsWindowRefills() {
    for (int i = 0; i < 3; i++) {
      fail("203.0.113.7");
    }

    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(60));
    clock.advance(Duration.ofSeconds(45));
    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(15));
    clock.advance(Duration.ofSeconds(15));
    assertThat(throttle.reserve(ip("203.0.113.7"))).isZero();
  }

  @Test
  void aBlockLastsAFullWindowHoweverLongAgoTheClientWasFirstSeen() {
    // A scan verified a valid token 55 s before the burst: the burst's block still lasts a window.
    assertThat(throttle.reserve(ip("203.0.113.7"))).isZero();
    throttle.release(ip("203.0.113.7"));
    clock.advance(Duration.ofSeconds(55));
    for (int i = 0; i < 3; i++) {
      fail("203.0.113.7");
    }

    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(60));
    clock.advance(Duration.ofSeconds(10));
    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(50));
  }

  @Test
  void noWindowLongStretchEverHoldsMoreThanMaxFailures() {
    // One failure, then two just before the first is a window old: the first ageing out frees one
    // place only, never a fresh allowance of three.
    fail("203.0.113.7");
    clock.advance(Duration.ofSeconds(59));
    fail("203.0.113.7");
    fail("203.0.113.7");
    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(1));
    fail("203.0.113.7");
    assertThat(throttle.reserve(ip("203.0.113.7"))).isEqualTo(Duration.ofSeconds(59));
  }

  @Test
  void releasedReservationsAreNotFailures() {
    for (int i = 0; i < 50; i++) {
      assertThat(throttle.reserve(ip("203.0.113.7"))).isZero();
      throttle.release(ip("203.0.113.7"));
    }

    fail("203.0.113.7");
    fail("203.0.113.7");
    fail("203.0.113.7");
    assertThat(throttle.reserve(ip("203.0.113.7"))).isPositive();
  }

  @Test
  void parallelGuessesCannotOutrunTheCount() {
    // Three verifications in flight at once hold all three tokens: the fourth is refused before it
    // is verified, however fast the attacker opens connections.
    fail("203.0.113.7");
    fail("203.0.113.7");
    fail("203.0.113.7");

    assertThat(throttle.reserve(ip("203.0.113.7"))).isPositive();
  }

  @Test
  void failuresOfOneClientNeverBlockAnother() {
    for (int i = 0; i < 10; i++) {
      throttle.reserve(ip("203.0.113.7"));
    }

    assertThat(throttle.reserve(ip("203.0.113.7"))).isPositive();
    assertThat(throttle.reserve(ip("203.0.113.8"))).isZero();
    assertThat(throttle.reserve(ip("2001:db8::1"))).isZero();
  }

  @Test
  void failuresSpreadOverWindowsNeverBlock() {
    for (int window = 0; window < 5; window++) {
      fail("198.51.100.1");
      fail("198.51.100.1");
      fail("198.51.100.1");
      clock.advance(Duration.ofSeconds(61));
    }
  }

  @Test
  void anIpv6HostIsCountedByItsSlash64() {
    fail("2001:db8:1:2::1");
    fail("2001:db8:1:2:ffff::9");
    fail("2001:db8:1:2:abcd:1:2:3");

    assertThat(throttle.reserve(ip("2001:db8:1:2::77"))).isPositive();
    assertThat(throttle.reserve(ip("2001:db8:1:3::1"))).isZero();
  }

  @Test
  void clientKeysAreAddressesOrIpv6Prefixes() {
    assertThat(SlidingWindowCredentialFailureThrottle.clientKey("203.0.113.7"))
        .isEqualTo("203.0.113.7");
    assertThat(SlidingWindowCredentialFailureThrottle.clientKey("2001:db8:1:2:3:4:5:6"))
        .isEqualTo("2001:db8:1:2::/64");
    assertThat(SlidingWindowCredentialFailureThrottle.clientKey("::ffff:203.0.113.7"))
        .isEqualTo("203.0.113.7");
    assertThat(SlidingWindowCredentialFailureThrottle.clientKey("not:an:address:at:all"))
        .isEqualTo("not:an:address:at:all");
  }

  @Test
  void concurrentFailuresAreAllCounted() throws Exception {
    SlidingWindowCredentialFailureThrottle many =
        SlidingWindowCredentialFailureThrottle.builder()
            .maxFailures(1000)
            .window(Duration.ofHours(1))
            .clock(clock)
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      tasks.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 125; i++) {
                  assertThat(many.reserve(ip("192.0.2.1"))).isZero();
                }
                return null;
              }));
    }
    start.countDown();
    for (var task : tasks) {
      task.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(many.reserve(ip("192.0.2.1"))).isPositive();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> SlidingWindowCredentialFailureThrottle.builder().maxFailures(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SlidingWindowCredentialFailureThrottle.builder().window(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
