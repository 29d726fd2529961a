package dev.portcullis.servlet;

import dev.portcullis.Decision;
import dev.portcullis.body.MultipartGuard;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * An allowed request whose body may not grow past its decision's {@link Decision#maxBodyBytes()},
 * however it is framed (a chunked upload declares no length): its input stream counts the bytes it
 * hands out and fails with a {@link BodyTooLargeException} on the read that would go past the
 * limit, whether the reader blocks or reads in a {@link ReadListener}. A multipart body is also
 * judged by a {@link MultipartGuard}, and the read that holds a refused byte fails with a {@link
 * MultipartBodyException}. {@link #getReader()} reads the same stream.
 *
 * <p>Parameters and parts ({@code getParameter}, {@code getParts}) are parsed by the container from
 * the body it reads itself, so they are bounded by the container's own form and multipart limits
 * instead. For a multipart body, the parts the container parsed are judged before any parameter or
 * part is returned: each must be a file part the decision names, at most once. A refusal fails the
 * call, with a {@link MultipartBodyException} ({@code getParts}, {@code getPart}) or an {@link
 * UncheckedIOException} around one (the parameter methods, which declare no exception).
 */
final class LimitedBodyRequest extends HttpServletRequestWrapper {

  private final Body body;

  /**
   * {@code request} with a body of at most {@code maxBodyBytes} ({@link Decision#NO_BODY_LIMIT} for
   * none), judged by {@code guard} when it is not null.
   */
  LimitedBodyRequest(
      HttpServletRequest request, long maxBodyBytes, MultipartGuard guard, Set<String> bodyParts) {
    super(request);
    this.body = new Body(maxBodyBytes, guard, bodyParts);
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
        body.stream = new CheckedInputStream(super.getInputStream(), body.check());
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

  @Override
  public Collection<Part> getParts() throws IOException, ServletException {
    checkContainerParts();
    return super.getParts();
  }

  @Override
  public Part getPart(String name) throws IOException, ServletException {
    checkContainerParts();
    return super.getPart(name);
  }

  @Override
  public String getParameter(String name) {
    checkContainerPartsUnchecked();
    return super.getParameter(name);
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    checkContainerPartsUnchecked();
    return super.getParameterMap();
  }

  @Override
  public Enumeration<String> getParameterNames() {
    checkContainerPartsUnchecked();
    return super.getParameterNames();
  }

  @Override
  public String[] getParameterValues(String name) {
    checkContainerPartsUnchecked();
    return super.getParameterValues(name);
  }

  private void checkContainerPartsUnchecked() {
    try {
      checkContainerParts();
    } catch (MultipartBodyException e) {
      throw new UncheckedIOException(e);
    } catch (IOException | ServletException e) {
      // The container could not parse the body: it reads no parameters from it either, and says
      // so itself when asked for the parts.
    }
  }

  /**
   * Judges the parts the container parsed from a multipart body, the way it will hand them out:
   * each a file part (it has a file name) that the decision names, at most once.
   */
  private void checkContainerParts() throws IOException, ServletException {
    if (body.guard == null) {
      return;
    }
    Collection<Part> parts;
    try {
      parts = super.getParts();
    } catch (IllegalStateException e) {
      // No multipart configuration for this servlet: the container parses no parts, so it reads no
      // parameters from the body either.
      return;
    }
    Set<String> seen = new HashSet<>();
    for (Part part : parts) {
      String why = null;
      if (!body.bodyParts.contains(part.getName())) {
        why = "a part has a name the decision does not allow";
      } else if (part.getSubmittedFileName() == null) {
        why = "a part is a form field, not a file";
      } else if (!seen.add(part.getName())) {
        why = "two parts have the same name";
      }
      if (why != null) {
        MultipartBodyException refusal =
            new MultipartBodyException(MultipartGuard.partNotAllowed(), why);
        synchronized (body) {
          body.containerRefusal = refusal;
          body.containerRefusedOn = Thread.currentThread();
        }
        throw refusal;
      }
    }
  }

  /** Why a read or a parse on {@code thread} failed the body; null when none did. */
  BodyRefusedException refusalOn(Thread thread) {
    synchronized (body) {
      if (body.containerRefusal != null && body.containerRefusedOn == thread) {
        return body.containerRefusal;
      }
      return body.stream != null && body.stream.failedOn(thread)
          ? BodyRefusedException.causeOf(body.stream.failure())
          : null;
    }
  }

  /** The body of one request, shared by its wrappers on every dispatch. */
  private static final class Body {
    final long maxBodyBytes;
    final MultipartGuard guard;
    final Set<String> bodyParts;
    CheckedInputStream stream;
    BufferedReader reader;
    BodyRefusedException containerRefusal;
    Thread containerRefusedOn;

    Body(long maxBodyBytes, MultipartGuard guard, Set<String> bodyParts) {
      this.maxBodyBytes = maxBodyBytes;
      this.guard = guard;
      this.bodyParts = Set.copyOf(bodyParts);
    }

    CheckedInputStream.BodyCheck check() {
      CheckedInputStream.BodyCheck limit =
          maxBodyBytes == Decision.NO_BODY_LIMIT
              ? handedOut -> {}
              : CheckedInputStream.BodyCheck.maxBytes(maxBodyBytes);
      return guard == null ? limit : limit.and(CheckedInputStream.BodyCheck.multipart(guard));
    }
  }
}
