package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchedStandardErrorTest {

  /** What reached the "file descriptor", and in how many writes. */
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();

  private final AtomicInteger writes = new AtomicInteger();
  private final OutputStream descriptor =
      new OutputStream() {
        @Override
        public void write(int b) {
          writes.incrementAndGet();
          written.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          writes.incrementAndGet();
          written.write(b, off, len);
        }
      };

  private PrintStream original;

  @BeforeEach
  void useTheBatchedStream() {
    original = System.err;
    System.setErr(BatchedStandardError.wrap(descriptor, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(original);
  }

  /** What slf4j-simple does for each line. */
  private static void logLine(String line) {
    System.err.println(line);
    System.err.flush();
  }

  @Test
  void aLineOutsideABatchIsWrittenAtOnce() {
    logLine("started");
    assertThat(text()).isEqualTo("started\n");
    logLine("again");
    assertThat(writes).hasValue(2);
  }

  @Test
  void aBatchOfLinesIsOneWriteWhenItEnds() {
    BatchedStandardError.batch(
        () -> {
          for (int i = 0; i < 100; i++) {
            logLine("line " + i);
          }
          assertThat(writes).hasValue(0);
        });
    assertThat(writes).hasValue(1);
    assertThat(text().lines()).hasSize(100).startsWith("line 0").endsWith("line 99");
  }

  @Test
  void anotherThreadsLineIsNotHeldBackByABatch() throws Exception {
    BatchedStandardError.batch(
        () -> {
          logLine("batched");
          Thread other = new Thread(() -> logLine("warning"));
          other.start();
          try {
            other.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          // Its flush wrote everything so far, in order.
          assertThat(text()).isEqualTo("batched\nwarning\n");
        });
  }

  @Test
  void aPrintlnWithoutFlushStillGoesOutAtOnceOutsideABatch() {
    System.err.println("uncaught exception");
    assertThat(text()).isEqualTo("uncaught exception\n");
  }

  @Test
  void withoutTheBatchedStreamABatchJustRunsItsLines() {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    System.setErr(new PrintStream(plain, true, StandardCharsets.UTF_8));
    BatchedStandardError.batch(
        () -> {
          logLine("direct");
          assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo("direct\n");
        });
  }

  private String text() {
    return written.toString(StandardCharsets.UTF_8);
  }
}
