package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One watcher for the --data and --policy files; polls driven by hand here. */
class PolicyReloaderTest {

  @TempDir Path dir;

  @Test
  void aChangeOfEitherFileReloadsOnceAndAFailureIsCountedOnceUntilTheContentChangesAgain()
      throws Exception {
    Path data = Files.writeString(dir.resolve("data.json"), "{}");
    Path policy = Files.writeString(dir.resolve("policy.wasm"), "v1");
    AtomicInteger reloads = new AtomicInteger();
    AtomicInteger failing = new AtomicInteger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (PolicyReloader reloader =
        PolicyReloader.start(
            List.of(data, policy),
            () -> {
              reloads.incrementAndGet();
              if (failing.get() > 0) {
                throw new IllegalArgumentException("broken");
              }
              return "rev" + reloads.get();
            },
            registry,
            Duration.ofHours(1))) {
      reloader.check();
      assertThat(reloads).as("nothing changed").hasValue(0);

      Files.writeString(data, "{\"a\":1}");
      reloader.check();
      reloader.check();
      assertThat(reloads).hasValue(1);

      Files.writeString(policy, "v2");
      reloader.check();
      assertThat(reloads).hasValue(2);

      failing.set(1);
      Files.writeString(policy, "broken");
      reloader.check();
      reloader.check();
      assertThat(reloads).as("a failed content is not retried").hasValue(3);
      assertThat(count(registry, "failure")).isEqualTo(1);

      failing.set(0);
      Files.writeString(policy, "v3");
      reloader.check();
      assertThat(reloads).hasValue(4);
      assertThat(count(registry, "success")).isEqualTo(3);

      Files.delete(data);
      reloader.check();
      assertThat(reloads).as("a file missing for a moment is looked at again later").hasValue(4);
      Files.writeString(data, "{\"a\":2}");
      reloader.check();
      assertThat(reloads).hasValue(5);
    }
  }

  private static double count(SimpleMeterRegistry registry, String outcome) {
    return registry.get("portcullis.policy.reloads").tag("outcome", outcome).counter().count();
  }
}
