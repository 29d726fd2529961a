package dev.portcullis.examples.jetty;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The slowest a request body may arrive: on average at least {@code bytesPerSecond} from the end of
 * the request's headers, checked on every read once the body has taken longer than {@code grace}
 * (the header timeout), so a short pause early in an upload is no failure. A read that finds the
 * body too slow fails with {@link TooSlowException} and hands out nothing; the proxy then aborts
 * the upstream request and answers 408. A body that stops altogether is the idle timeout's to end.
 *
 * <p>Why not Jetty's {@code HttpConfiguration.setMinRequestDataRate}: it checks from the first body
 * read with no grace, so an upload that sends a small first part and then pauses (a multipart
 * preamble, then the report) can fail within the header timeout (in a trial, 200 bytes and a 0.9 s
 * pause under a 1 s header timeout did), and its failure reaches the client through the proxy
 * servlet as a 502.
 *
 * <p>Only {@link HttpServletRequest#getInputStream()} is checked: the proxy servlet reads nothing
 * else.
 */
final class MinimumBodyRate {

  private final long bytesPerSecond;
  private final long graceNanos;
  private final LongSupplier nanoClock;

  /**
   * @param nanoClock the clock of {@code startNanos} and of every check, such as {@code
   *     System::nanoTime}
   */
  MinimumBodyRate(long bytesPerSecond, Duration grace, LongSupplier nanoClock) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be positive");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.graceNanos = grace.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * {@code request} with a body that must keep up, timed from {@code startNanos} (the end of its
   * headers).
   */
  HttpServletRequest apply(HttpServletRequest request, long startNanos) {
    return new HttpServletRequestWrapper(request) {
      private ServletInputStream body;

      @Override
      public synchronized ServletInputStream getInputStream() throws IOException {
        if (body == null) {
          body = new CheckedInputStream(super.getInputStream(), startNanos);
        }
        return body;
      }
    };
  }

  /** A body read that found the body arriving slower than the minimum rate. */
  static final class TooSlowException extends IOException {
    private static final long serialVersionUID = 1L;

    TooSlowException(long bytesPerSecond) {
      super("The request body arrived slower than " + bytesPerSecond + " bytes per second");
    }
  }

  private final class CheckedInputStream extends ServletInputStream {
    private final ServletInputStream body;
    private final long startNanos;
    private long count;
    private volatile TooSlowException failure;

    CheckedInputStream(ServletInputStream body, long startNanos) {
      this.body = body;
      this.startNanos = startNanos;
    }

    @Override
    public int read() throws IOException {
      failIfTooSlow();
      int read = body.read();
      if (read >= 0) {
        counted(1);
      }
      return read;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      failIfTooSlow();
      int read = body.read(buffer, offset, length);
      if (read > 0) {
        counted(read);
      }
      return read;
    }

    private void counted(int read) throws TooSlowException {
      count += read;
      long elapsed = nanoClock.getAsLong() - startNanos;
      // In floating point: rate times elapsed nanoseconds overflows a long after a few hours.
      if (elapsed > graceNanos && count < (long) (bytesPerSecond * (elapsed / 1e9))) {
        failure = new TooSlowException(bytesPerSecond);
        throw failure;
      }
    }

    private void failIfTooSlow() throws TooSlowException {
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public boolean isReady() {
      return failure != null || body.isReady();
    }

    @Override
    public boolean isFinished() {
      return failure == null && body.isFinished();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      body.setReadListener(listener);
    }

    @Override
    public int available() throws IOException {
      return failure != null ? 0 : body.available();
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }
}
