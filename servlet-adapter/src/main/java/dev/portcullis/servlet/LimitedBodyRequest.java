package dev.portcullis.servlet;

import dev.portcullis.Decision;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Objects;

/**
 * An allowed request whose body may not grow past its decision's {@link Decision#maxBodyBytes()},
 * however it is framed (a chunked upload declares no length): its input stream counts the bytes it
 * hands out and fails with a {@link BodyTooLargeException} on the read that would go past the
 * limit, whether the reader blocks or reads in a {@link ReadListener}. {@link #getReader()} reads
 * the same stream.
 *
 * <p>Parameters and parts ({@code getParameter}, {@code getParts}) are parsed by the container from
 * the body it reads itself, so they are bounded by the container's own form and multipart limits
 * instead.
 */
final class LimitedBodyRequest extends HttpServletRequestWrapper {

  private final Body body;

  LimitedBodyRequest(HttpServletRequest request, long maxBodyBytes) {
    super(request);
    this.body = new Body(maxBodyBytes);
  }

  /** The same request on a later dispatch: it goes on counting where {@code earlier} stopped. */
  LimitedBodyRequest(HttpServletRequest request, LimitedBodyRequest earlier) {
    super(request);
    this.body = earlier.body;
  }

  @Override
  public ServletInputStream getInputStream() throws IOException {
    synchronized (body) {
      // Lazily: asking the container for its stream rules out getParameter on a form body.
      if (body.stream == null) {
        body.stream = new LimitedInputStream(super.getInputStream(), body.maxBodyBytes);
      }
      return body.stream;
    }
  }

  @Override
  public BufferedReader getReader() throws IOException {
    synchronized (body) {
      if (body.reader == null) {
        body.reader = new BufferedReader(new InputStreamReader(getInputStream(), charset()));
      }
      return body.reader;
    }
  }

  private Charset charset() throws UnsupportedEncodingException {
    String encoding = getCharacterEncoding();
    if (encoding == null) {
      return StandardCharsets.ISO_8859_1;
    }
    try {
      return Charset.forName(encoding);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new UnsupportedEncodingException(encoding);
    }
  }

  /** Whether a read on {@code thread} went past the limit. */
  boolean bodyTooLargeOn(Thread thread) {
    synchronized (body) {
      return body.stream != null && body.stream.failedOn == thread;
    }
  }

  /** The body of one request, shared by its wrappers on every dispatch. */
  private static final class Body {
    final long maxBodyBytes;
    LimitedInputStream stream;
    BufferedReader reader;

    Body(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
    }
  }

  /**
   * Counts what it hands out; reads of one request never run concurrently (Servlet 6.1, section
   * 3.1.5).
   */
  static final class LimitedInputStream extends ServletInputStream {
    private final ServletInputStream body;
    private final long maxBodyBytes;
    private long count;
    private volatile BodyTooLargeException failure;
    private volatile Thread failedOn;

    LimitedInputStream(ServletInputStream body, long maxBodyBytes) {
      this.body = body;
      this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public int read() throws IOException {
      failIfTooLarge();
      int read = body.read();
      if (read >= 0) {
        counted(1);
      }
      return read;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, buffer.length);
      failIfTooLarge();
      if (length == 0) {
        return 0;
      }
      // Up to the limit, then one byte: enough to tell a body of exactly the limit from a longer
      // one,
      // without handing out that byte or losing the ones before it.
      long allowed = maxBodyBytes - count;
      int read = body.read(buffer, offset, allowed == 0 ? 1 : (int) Math.min(length, allowed));
      if (read > 0) {
        counted(read);
      }
      return read;
    }

    private void counted(int read) throws BodyTooLargeException {
      count += read;
      if (count > maxBodyBytes) {
        failedOn = Thread.currentThread();
        failure = new BodyTooLargeException(maxBodyBytes);
        throw failure;
      }
    }

    private void failIfTooLarge() throws BodyTooLargeException {
      if (failure != null) {
        throw failure;
      }
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
}
