package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that fails a test after which Netty reported a leaked buffer: one that was
 * garbage-collected without being released. Register it with
 * {@code @ExtendWith(NettyLeakCheck.class)}; property-based tests call {@link #assertNoLeaks()}
 * after each property instead.
 *
 * <p>Needs Netty on the test class path and two JVM options for the test run: {@code
 * -Dio.netty.leakDetection.level=paranoid}, so that every buffer is tracked, and {@code
 * -Dio.netty.customResourceLeakDetector=dev.portcullis.testkit.RecordingLeakDetector}, so that
 * leaks are recorded (see {@link RecordingLeakDetector}). It refuses to run without them, so leak
 * checking cannot be off without anyone noticing.
 *
 * <p>The check runs after the test's own {@code @AfterEach}, when its servers are closed: it
 * collects garbage a few times and allocates, because Netty reports a leak when it next tracks a
 * buffer after the leaked one was collected. A leak therefore surfaces only once its buffer is
 * unreachable, and may fail the test after the one that leaked; the records name the code that
 * touched the buffer last.
 */
public final class NettyLeakCheck
    implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private static final int ROUNDS = 4;

  /** Created by JUnit. */
  public NettyLeakCheck() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    assertInstalled();
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    assertNoLeaks(context.getDisplayName());
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    assertNoLeaks(context.getDisplayName());
  }

  /**
   * Fails if Netty reported a leaked buffer since the last check.
   *
   * @throws InterruptedException if interrupted while garbage is collected
   */
  public static void assertNoLeaks() throws InterruptedException {
    assertNoLeaks("the last check");
  }

  private static void assertNoLeaks(String test) throws InterruptedException {
    assertInstalled();
    for (int round = 0; round < ROUNDS; round++) {
      System.gc();
      // Cleared references reach the detector's queue on the reference handler thread, not at once.
      Thread.sleep(25);
      touchBuffers();
    }
    List<String> leaks = RecordingLeakDetector.drain();
    assertThat(leaks)
        .as("Netty buffers collected without release() by or before %s", test)
        .isEmpty();
  }

  private static void assertInstalled() {
    touchBuffers();
    assertThat(ResourceLeakDetector.getLevel())
        .as("run the tests with -Dio.netty.leakDetection.level=paranoid")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    assertThat(RecordingLeakDetector.installed())
        .as(
            "run the tests with -Dio.netty.customResourceLeakDetector="
                + RecordingLeakDetector.class.getName())
        .isTrue();
  }

  private static void touchBuffers() {
    for (ByteBufAllocator allocator :
        List.of(
            ByteBufAllocator.DEFAULT,
            PooledByteBufAllocator.DEFAULT,
            UnpooledByteBufAllocator.DEFAULT)) {
      for (int i = 0; i < 8; i++) {
        allocator.directBuffer(16).release();
        allocator.heapBuffer(16).release();
      }
    }
  }
}
