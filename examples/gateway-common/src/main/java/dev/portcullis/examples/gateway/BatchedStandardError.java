package dev.portcullis.examples.gateway;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The gateways' standard error, where slf4j-simple writes every log line, made able to write a
 * batch of lines with one system call. slf4j-simple flushes after each line, which costs one {@code
 * write} per access log line, a quarter of the Netty gateway's CPU time per request. Here a flush
 * made inside {@link #batch} waits until the batch ends; a flush anywhere else, by any other
 * thread, happens at once, so every other log line is out as soon as it is logged, as before.
 *
 * <p>When {@link #install} was not called (an embedding application, a test), {@link #batch} just
 * runs its lines, each flushed as its logger does.
 */
final class BatchedStandardError {

  private static final int BUFFER_BYTES = 64 * 1024;
  private static final ThreadLocal<Boolean> IN_BATCH = ThreadLocal.withInitial(() -> false);
  private static PrintStream installed;

  private BatchedStandardError() {}

  /** Replaces {@link System#err} with a buffered stream whose flushes {@link #batch} can defer. */
  static synchronized void install() {
    if (installed != null && System.err == installed) {
      return;
    }
    String encoding = System.getProperty("sun.stderr.encoding");
    Charset charset = encoding == null ? Charset.defaultCharset() : Charset.forName(encoding);
    System.err.flush();
    installed = wrap(new FileOutputStream(FileDescriptor.err), charset);
    System.setErr(installed);
  }

  /**
   * {@code out} as the stream {@link #install} puts in place of {@link System#err}: flushing at
   * each line like the standard one, so deferring is the only change. A plain {@code PrintStream},
   * not a subclass: only then does {@code println} write the line and its end as one.
   */
  static PrintStream wrap(OutputStream out, Charset charset) {
    return new PrintStream(new DeferringFlush(out, BUFFER_BYTES), true, charset);
  }

  /** Runs {@code lines}, writing what they log to standard error when they are done. */
  static void batch(Runnable lines) {
    IN_BATCH.set(true);
    try {
      lines.run();
    } finally {
      IN_BATCH.set(false);
      System.err.flush();
    }
  }

  /** A buffer that ignores flushes asked for inside a batch; a full buffer is written anyway. */
  private static final class DeferringFlush extends BufferedOutputStream {
    DeferringFlush(OutputStream out, int size) {
      super(out, size);
    }

    @Override
    public synchronized void flush() throws IOException {
      if (!IN_BATCH.get()) {
        super.flush();
      }
    }
  }
}
