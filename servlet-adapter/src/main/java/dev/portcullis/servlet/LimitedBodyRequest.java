package dev.portcullis.servlet;

import dev.portcullis.CanonicalTarget;
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
import java.util.List;
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
 * instead. For a multipart body, what the container parsed is judged before it is handed out:
 * {@code getParts} and {@code getPart} return only file parts the decision names, each at most
 * once, and the parameter methods only parameters whose values all come from the query. A refusal
 * fails the call, with a {@link MultipartBodyException} ({@code getParts}, {@code getPart}) or an
 * {@link UncheckedIOException} around one (the parameter methods, which declare no exception).
 */
final class LimitedBodyRequest extends HttpServletRequestWrapper {

  private final Body body;

  /**
   * {@code request} with a body of at most {@code maxBodyBytes} ({@link Decision#NO_BODY_LIMIT} for
   * none), judged by {@code guard} when it is not null.
   */
  LimitedBodyRequest(
      HttpServletRequest request, long maxBodyBytes, MultipartGuard guard, Decision decision) {
    super(request);
    this.body = new Body(maxBodyBytes, guard, decision);
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
    checkParametersComeFromTheQuery();
    return super.getParameter(name);
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    checkParametersComeFromTheQuery();
    return super.getParameterMap();
  }

  @Override
  public Enumeration<String> getParameterNames() {
    checkParametersComeFromTheQuery();
    return super.getParameterNames();
  }

  @Override
  public String[] getParameterValues(String name) {
    checkParametersComeFromTheQuery();
    return super.getParameterValues(name);
  }

  /**
   * Judges the parameters the container read, the way it will hand them out: each value must come
   * from the query, which the policy judged, so a parameter has as many values as the judged query
   * gives its name. A form field the container read from a multipart body adds one; so does a field
   * it kept from a parse that failed half-way (Tomcat, past {@code maxPostSize}), which a check of
   * the parts would not see.
   */
  private void checkParametersComeFromTheQuery() {
    if (body.guard == null || body.parametersFromQuery) {
      return;
    }
    Map<String, List<String>> query =
        CanonicalTarget.parse(body.judgedTarget, body.judgedTarget.length()).query();
    for (Map.Entry<String, String[]> parameter : super.getParameterMap().entrySet()) {
      List<String> judged = query.get(parameter.getKey());
      if (judged == null || judged.size() != parameter.getValue().length) {
        MultipartBodyException refusal =
            new MultipartBodyException(
                MultipartGuard.partNotAllowed(), "a parameter the container read from the body");
        refused(refusal);
        throw new UncheckedIOException(refusal);
      }
    }
    // The container parses once; what it hands out later is what was judged here.
    body.parametersFromQuery = true;
  }

  private void refused(BodyRefusedException refusal) {
    synchronized (body) {
      body.containerRefusal = refusal;
      body.containerRefusedOn = Thread.currentThread();
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
    // Failures are the container's own (no multipart configuration, a limit): no part is handed
    // out then.
    Collection<Part> parts = super.getParts();
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
        refused(refusal);
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
    final String judgedTarget;
    CheckedInputStream stream;
    BufferedReader reader;
    BodyRefusedException containerRefusal;
    Thread containerRefusedOn;
    volatile boolean parametersFromQuery;

    Body(long maxBodyBytes, MultipartGuard guard, Decision decision) {
      this.maxBodyBytes = maxBodyBytes;
      this.guard = guard;
      this.bodyParts = decision.bodyParts();
      this.judgedTarget = decision.forwardTarget();
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
