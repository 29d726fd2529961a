package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One sweep per event loop, on an embedded loop whose clock only the test moves. */
class IdleSweepTest {

  private static final Duration PERIOD = Duration.ofMillis(100);

  private final List<String> swept = new ArrayList<>();
  private EmbeddedChannel channel;
  private IdleSweep sweep;

  @BeforeEach
  void start() {
    channel = new EmbeddedChannel();
    channel.freezeTime();
    sweep = new IdleSweeps(PERIOD).on(channel.eventLoop());
  }

  @AfterEach
  void finish() {
    channel.finishAndReleaseAll();
  }

  private IdleSweep.Swept recording(String name) {
    return now -> swept.add(name);
  }

  /** Moves the clock; returns when the next scheduled task is due, or -1 when none is. */
  private long advance(long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    return channel.runScheduledPendingTasks();
  }

  @Test
  void everyPartyIsSweptOncePerPeriodByOneTask() {
    sweep.register(recording("a"));
    sweep.register(recording("b"));
    sweep.register(recording("c"));

    advance(99);
    assertThat(swept).isEmpty();
    advance(1);
    assertThat(swept).containsExactlyInAnyOrder("a", "b", "c");
    swept.clear();
    advance(300);
    assertThat(swept).hasSize(9);
  }

  @Test
  void aCancelledPartyIsNotSweptAndTheTaskStopsWhenNoneIsLeft() {
    IdleSweep.Entry a = sweep.register(recording("a"));
    IdleSweep.Entry b = sweep.register(recording("b"));
    advance(100);
    a.cancel();
    a.cancel();
    swept.clear();

    advance(100);
    assertThat(swept).containsExactly("b");

    b.cancel();
    assertThat(sweep.registered()).isZero();
    assertThat(advance(100)).as("no task left once a run found nothing").isEqualTo(-1);

    sweep.register(recording("c"));
    swept.clear();
    advance(100);
    assertThat(swept).containsExactly("c");
  }

  @Test
  void partiesThatLeaveDuringASweepDoNotHideOthers() {
    List<IdleSweep.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = "p" + i;
      int index = i;
      entries.add(
          sweep.register(
              now -> {
                swept.add(name);
                entries.get(index).cancel(); // leaves, as a connection closed by its sweep does
                if (index == 4) {
                  entries.get(0).cancel(); // and takes another with it
                }
              }));
    }

    advance(100);

    assertThat(swept).contains("p1", "p2", "p3", "p4");
    assertThat(sweep.registered()).isZero();
  }

  @Test
  void thePeriodIsATenthOfTheShortestTimeoutWithinBounds() {
    assertThat(IdleSweep.periodFor(Duration.ofSeconds(10), Duration.ofMinutes(2)))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(IdleSweep.periodFor(Duration.ofSeconds(1), Duration.ofMinutes(2)))
        .isEqualTo(Duration.ofMillis(100));
    assertThat(IdleSweep.periodFor(Duration.ofMillis(20))).isEqualTo(Duration.ofMillis(10));
    assertThat(IdleSweep.periodFor(Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(1));
  }
}
