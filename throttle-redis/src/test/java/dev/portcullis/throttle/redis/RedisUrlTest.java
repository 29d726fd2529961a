package dev.portcullis.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisUrlTest {

  @Test
  void readsEveryPart() {
    assertThat(RedisUrl.parse("redis://cache.internal"))
        .isEqualTo(new RedisUrl(false, "", "", "cache.internal", 6379, 0));
    assertThat(RedisUrl.parse("rediss://portcullis:s%40cret@10.0.0.5:6380/2"))
        .isEqualTo(new RedisUrl(true, "portcullis", "s@cret", "10.0.0.5", 6380, 2));
    assertThat(RedisUrl.parse("redis://:only-a-password@[::1]:7000/"))
        .isEqualTo(new RedisUrl(false, "", "only-a-password", "::1", 7000, 0));
  }

  @Test
  void neverPrintsThePassword() {
    RedisUrl url = RedisUrl.parse("rediss://portcullis:hunter2@cache:6380/1");

    assertThat(url.toString())
        .isEqualTo(url.redacted())
        .isEqualTo("rediss://portcullis:***@cache:6380/1")
        .doesNotContain("hunter2");
    assertThat(RedisUrl.parse("redis://[::1]").redacted()).isEqualTo("redis://[::1]:6379/0");
  }

  @Test
  void refusesWhatIsNotARedisUrlWithoutQuotingIt() {
    for (String wrong :
        new String[] {
          "http://user:hunter2@cache:6379",
          "redis://:hunter2@",
          "redis://:hunter2@cache:6379/db",
          "redis://:hunter2@cache:6379/0?x=1",
          "redis://:hunt er2@cache",
          "cache:6379"
        }) {
      assertThatThrownBy(() -> RedisUrl.parse(wrong))
          .as(wrong)
          .isInstanceOf(IllegalArgumentException.class)
          .message()
          .doesNotContain("hunter2")
          .doesNotContain("hunt er2");
    }
  }
}
