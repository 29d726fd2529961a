package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
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
 * Fails a test after which Netty reported a leaked buffer. Needs paranoid leak detection and {@link
 * RecordingLeakDetector} (the pom's surefire argLine); refuses to run without them, so leak
 * checking cannot be off without anyone noticing.
 *
 * <p>Runs after the test's {@code @AfterEach} (the gateway is closed by then): collects garbage and
 * allocates a few buffers, because Netty reports a leak when it next tracks a buffer after the
 * leaked one was collected.
 */
public final class LeakCheck implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    touchBuffers();
    assertThat(ResourceLeakDetector.getLevel())
        .as("run with -Dio.netty.leakDetection.level=paranoid")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    assertThat(RecordingLeakDetector.installed())
        .as(
            "run with -Dio.netty.customResourceLeakDetector="
                + RecordingLeakDetector.class.getName())
        .isTrue();
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    check(context.getDisplayName());
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    check(context.getDisplayName());
  }

  private static void check(String test) throws InterruptedException {
    for (int round = 0; round < 3; round++) {
      System.gc();
      Thread.sleep(50);
      touchBuffers();
    }
    List<String> leaks = RecordingLeakDetector.drain();
    assertThat(leaks).as("buffers leaked by or before %s", test).isEmpty();
  }

  private static void touchBuffers() {
    for (ByteBufAllocator allocator :
        List.of(
            ByteBufAllocator.DEFAULT,
            PooledByteBufAllocator.DEFAULT,
            UnpooledByteBufAllocator.DEFAULT)) {
      for (int i = 0; i < 8; i++) {
        ByteBuf buffer = allocator.directBuffer(16);
        buffer.release();
        buffer = allocator.heapBuffer(16);
        buffer.release();
      }
    }
  }
}
