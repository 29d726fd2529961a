package dev.portcullis.examples.jetty;

import dev.portcullis.servlet.CheckedInputStream;
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
          body = new CheckedInputStream(super.getInputStream(), from(startNanos));
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

  /** The check of one body, timed from the end of its headers. */
  private CheckedInputStream.BodyCheck from(long startNanos) {
    return handedOut -> {
      long elapsed = nanoClock.getAsLong() - startNanos;
      // In floating point: rate times elapsed nanoseconds overflows a long after a few hours.
      if (elapsed > graceNanos && handedOut < (long) (bytesPerSecond * (elapsed / 1e9))) {
        throw new TooSlowException(bytesPerSecond);
      }
    };
  }
}
