package dev.portcullis.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when a Netty buffer was garbage-collected without being released. The run sets
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked; this check collects
 * garbage a few times and then allocates, which is when Netty's detector reports what it found.
 *
 * <p>A leak surfaces only once its buffer is unreachable, so it may fail the test after the one
 * that leaked; the records name the code that touched the buffer last.
 */
public final class LeakCheck implements AfterEachCallback, AfterAllCallback {

  private static final int ROUNDS = 4;

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    assertNoLeaks();
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    assertNoLeaks();
  }

  static void assertNoLeaks() throws InterruptedException {
    assertThat(ResourceLeakDetector.getLevel())
        .as("run the tests with -Dio.netty.leakDetection.level=paranoid")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    for (int round = 0; round < ROUNDS; round++) {
      System.gc();
      // Cleared references reach the detector's queue on the reference handler thread, not at once.
      Thread.sleep(25);
      for (int i = 0; i < 32; i++) {
        ByteBufAllocator.DEFAULT.buffer(8).release();
        UnpooledByteBufAllocator.DEFAULT.directBuffer(8).release();
      }
    }
    assertThat(LeakRecorder.recordsBufferLeaks())
        .as("LeakDetectionSession must install the recorder before the first buffer is allocated")
        .isTrue();
    assertThat(LeakRecorder.takeLeaks()).as("Netty buffers collected without release()").isEmpty();
  }
}
