package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BackgroundWriterTest {

  private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();

  @Test
  void itemsOfferedWhileTheFirstLingersAreWrittenAsOneBatch() throws Exception {
    CountDownLatch written = new CountDownLatch(1);
    try (BackgroundWriter<Integer> writer =
        new BackgroundWriter<>("test-writer", 100, Duration.ofSeconds(1), recording(written))) {
      for (int i = 0; i < 50; i++) {
        assertThat(writer.offer(i)).isTrue();
      }
      assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
    }
    // One wake-up, one batch, in order: the writer slept through the other 49 offers.
    assertThat(batches.get(0)).hasSize(50).isSorted();
  }

  @Test
  void withoutLingerAnItemIsWrittenWithoutWaitingForOthers() throws Exception {
    CountDownLatch written = new CountDownLatch(1);
    try (BackgroundWriter<Integer> writer =
        new BackgroundWriter<>("test-writer", 100, recording(written))) {
      writer.offer(1);
      assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(batches.get(0)).containsExactly(1);
  }

  /** A sink that keeps each batch and counts {@code written} down. */
  private Consumer<List<Integer>> recording(CountDownLatch written) {
    return batch -> {
      batches.add(List.copyOf(batch));
      written.countDown();
    };
  }

  @Test
  void closeWritesWhatIsQueuedEvenWhileLingering() {
    BackgroundWriter<Integer> writer =
        new BackgroundWriter<>(
            "test-writer", 100, Duration.ofMillis(200), batch -> batches.add(List.copyOf(batch)));
    for (int i = 0; i < 10; i++) {
      writer.offer(i);
    }
    writer.close();
    List<Integer> all = new ArrayList<>();
    batches.forEach(all::addAll);
    assertThat(all).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void aFullQueueDropsInsteadOfBlocking() {
    CountDownLatch release = new CountDownLatch(1);
    try (BackgroundWriter<Integer> writer =
        new BackgroundWriter<>(
            "test-writer",
            2,
            batch -> {
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      List<Boolean> accepted = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        accepted.add(writer.offer(i));
      }
      release.countDown();
      assertThat(accepted).contains(false);
    }
  }

  @Test
  void aNegativeLingerIsRefused() {
    assertThatThrownBy(
            () -> new BackgroundWriter<Integer>("test-writer", 1, Duration.ofMillis(-1), b -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
