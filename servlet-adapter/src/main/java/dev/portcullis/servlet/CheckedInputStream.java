package dev.portcullis.servlet;

import dev.portcullis.body.MultipartGuard;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * A request body judged by a {@link BodyCheck} as it is read: the stream counts the bytes it hands
 * out and asks the check after every read, and at the end. A read the check fails hands out
 * nothing, and every later read fails the same way, whether the reader blocks or reads in a {@link
 * ReadListener}.
 *
 * <p>The filter wraps an allowed request's body in one with {@link BodyCheck#maxBytes}; a gateway
 * can wrap it again with its own check, such as a minimum rate. Reads of one request never run
 * concurrently (Servlet 6.1, section 3.1.5); the failure is visible to any thread.
 */
public final class CheckedInputStream extends ServletInputStream {

  /** What a {@link CheckedInputStream} checks as the body arrives. */
  public interface BodyCheck {

    /**
     * Fails the body after a read, by throwing the exception the reader is to see; {@code
     * handedOut} counts every byte so far, this read's included.
     */
    void afterRead(long handedOut) throws IOException;

    /**
     * Fails the body for the bytes a read took from the container, {@code length} bytes of {@code
     * buffer} from {@code offset}, before they are handed out; called after {@link #afterRead}. By
     * default the bytes themselves do not matter.
     */
    default void inspect(byte[] buffer, int offset, int length) throws IOException {}

    /**
     * Fails the body when the container says it has ended ({@code handedOut} bytes in all), so that
     * the reader sees a failure instead of the end. By default any end is fine.
     */
    default void atEnd(long handedOut) throws IOException {}

    /** This check, then {@code next}: the body fails when either fails it. */
    default BodyCheck and(BodyCheck next) {
      BodyCheck first = this;
      return new BodyCheck() {
        @Override
        public void afterRead(long handedOut) throws IOException {
          first.afterRead(handedOut);
          next.afterRead(handedOut);
        }

        @Override
        public void inspect(byte[] buffer, int offset, int length) throws IOException {
          first.inspect(buffer, offset, length);
          next.inspect(buffer, offset, length);
        }

        @Override
        public void atEnd(long handedOut) throws IOException {
          first.atEnd(handedOut);
          next.atEnd(handedOut);
        }

        @Override
        public int nextReadLength(long handedOut, int requested) {
          return next.nextReadLength(handedOut, first.nextReadLength(handedOut, requested));
        }
      };
    }

    /**
     * A multipart body judged by {@code guard} (see {@link MultipartGuard}): the read that holds a
     * refused byte fails with a {@link MultipartBodyException}, and so does the end of a body that
     * did not close.
     */
    static BodyCheck multipart(MultipartGuard guard) {
      Objects.requireNonNull(guard, "guard");
      return new BodyCheck() {
        @Override
        public void afterRead(long handedOut) {}

        @Override
        public void inspect(byte[] buffer, int offset, int length) throws MultipartBodyException {
          if (guard.check(buffer, offset, length) != null) {
            throw new MultipartBodyException(guard);
          }
        }

        @Override
        public void atEnd(long handedOut) throws MultipartBodyException {
          if (guard.end() != null) {
            throw new MultipartBodyException(guard);
          }
        }
      };
    }

    /**
     * The most bytes the next read may take from the container, given the bytes handed out so far
     * and the reader's buffer space ({@code requested}, at least 1). By default all of it; a limit
     * asks for no more than one byte past itself, so that the bytes before that one are handed out.
     */
    default int nextReadLength(long handedOut, int requested) {
      return requested;
    }

    /**
     * A body of at most {@code maxBytes}: the read that goes past fails with a {@link
     * BodyTooLargeException}; a body of exactly {@code maxBytes} passes.
     */
    static BodyCheck maxBytes(long maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxBytes must not be negative");
      }
      return new BodyCheck() {
        @Override
        public void afterRead(long handedOut) throws BodyTooLargeException {
          if (handedOut > maxBytes) {
            throw new BodyTooLargeException(maxBytes);
          }
        }

        @Override
        public int nextReadLength(long handedOut, int requested) {
          // Up to the limit, then one byte: enough to tell a body of exactly the limit from a
          // longer one, without handing out that byte or losing the ones before it.
          long allowed = maxBytes - handedOut;
          return allowed <= 0 ? 1 : (int) Math.min(requested, allowed);
        }
      };
    }
  }

  private final ServletInputStream body;
  private final BodyCheck check;
  // The byte of a single-byte read, for the check: reads of one request never run concurrently.
  private final byte[] oneByte = new byte[1];
  private long handedOut;
  private volatile IOException failure;
  private volatile Thread failedOn;

  /** {@code body}, as the container hands it out, checked by {@code check}. */
  public CheckedInputStream(ServletInputStream body, BodyCheck check) {
    this.body = Objects.requireNonNull(body, "body");
    this.check = Objects.requireNonNull(check, "check");
  }

  @Override
  public int read() throws IOException {
    rethrowFailure();
    int read = body.read();
    if (read >= 0) {
      oneByte[0] = (byte) read;
      handedOut(oneByte, 0, 1);
    } else {
      ended();
    }
    return read;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    rethrowFailure();
    if (length == 0) {
      return 0;
    }
    int read = body.read(buffer, offset, check.nextReadLength(handedOut, length));
    if (read > 0) {
      handedOut(buffer, offset, read);
    } else if (read < 0) {
      ended();
    }
    return read;
  }

  private void handedOut(byte[] buffer, int offset, int read) throws IOException {
    handedOut += read;
    try {
      check.afterRead(handedOut);
      check.inspect(buffer, offset, read);
    } catch (IOException e) {
      fail(e);
    }
  }

  private void ended() throws IOException {
    try {
      check.atEnd(handedOut);
    } catch (IOException e) {
      fail(e);
    }
  }

  private void fail(IOException e) throws IOException {
    failedOn = Thread.currentThread();
    failure = e;
    throw e;
  }

  private void rethrowFailure() throws IOException {
    IOException failed = failure;
    if (failed != null) {
      throw failed;
    }
  }

  /** The failure the check raised, or null while the body passes. */
  public IOException failure() {
    return failure;
  }

  /** Whether the check failed a read made on {@code thread}. */
  public boolean failedOn(Thread thread) {
    return failure != null && failedOn == thread;
  }

  /** Ready once failed, so that a reader waiting for data reads and meets the failure. */
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
