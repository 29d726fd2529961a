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
        body.stream =
            new CheckedInputStream(
                super.getInputStream(), CheckedInputStream.BodyCheck.maxBytes(body.maxBodyBytes));
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
      return body.stream != null && body.stream.failedOn(thread);
    }
  }

  /** The body of one request, shared by its wrappers on every dispatch. */
  private static final class Body {
    final long maxBodyBytes;
    CheckedInputStream stream;
    BufferedReader reader;

    Body(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
    }
  }
}
