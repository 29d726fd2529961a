package dev.portcullis.body;

import dev.portcullis.Decision;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Judges a {@code multipart/*} request body as it streams to the upstream, so that the upstream
 * finds no input in it that the policy never saw. A servlet container reads a multipart body's form
 * fields as request parameters (SonarQube does, even on GET); the policy judged the query only. So
 * every part must be a file part whose name the allow lists in {@link Decision#bodyParts()}, each
 * at most once, and the body must be framed in the one strict form every parser reads alike:
 *
 * <ul>
 *   <li>it opens with {@code --boundary CRLF}, without a preamble, and ends with {@code
 *       --boundary--}, optionally followed by one CRLF and nothing else;
 *   <li>each delimiter is {@code CRLF --boundary} followed by CRLF or {@code --}; an {@code LF
 *       --boundary} without its CR is refused, since lenient parsers take it for a delimiter; and a
 *       part whose content begins with {@code --boundary} ends there, as a parser that lets the
 *       CRLF ending the part's headers begin a delimiter reads it (Jetty does), so that what
 *       follows is judged as the next part;
 *   <li>part headers are CRLF-terminated lines of printable ASCII, at most {@value
 *       #MAX_HEADER_BYTES} bytes per part (see {@link PartHeaders} for the lines themselves).
 * </ul>
 *
 * <p>A refusal is a deny: 403 {@code body_part_not_allowed} for a part the decision does not allow
 * (a form field, or a file part under another name), 400 {@code multipart_malformed} for anything
 * else. Judging is byte by byte and keeps only the current header line, so a body of any size
 * streams through it; an adapter forwards the bytes of a check that passed and refuses the request
 * at the first check that did not, before forwarding its bytes. A refused header line is therefore
 * never forwarded whole, and neither is anything after it.
 *
 * <p>Not thread-safe: one per request body, fed in order.
 */
public final class MultipartGuard {

  /** The most bytes of headers one part may have. */
  public static final int MAX_HEADER_BYTES = 8 * 1024;

  /** The deny for a body that is not in the strict multipart form. */
  public static Decision malformed() {
    return Decision.deny(
        400,
        "multipart_malformed",
        "The multipart request body is not in the form the gateway accepts.");
  }

  /** The deny for a body that carries a part the decision does not allow. */
  public static Decision partNotAllowed() {
    return Decision.deny(
        403,
        "body_part_not_allowed",
        "The request body carries a part the gateway does not allow.");
  }

  private enum State {
    OPENING,
    AFTER_DELIMITER,
    AFTER_DELIMITER_CR,
    AFTER_DELIMITER_DASH,
    HEADERS,
    HEADER_CR,
    BODY,
    CLOSED,
    CLOSED_CR,
    CLOSED_CRLF,
    REFUSED
  }

  private final byte[] delimiter; // LF "--" boundary; CR is checked apart
  private final Set<String> allowedNames;
  private final Set<String> namesSeen = new HashSet<>();
  private final StringBuilder line = new StringBuilder();
  private State state;
  private int matched;
  private boolean crBeforeMatch;
  private boolean previousWasCr;
  private int headerBytes;
  private PartHeaders part;
  private long bytesSeen;
  private Decision refusal;
  private String why = "";

  private MultipartGuard(byte[] boundary, Set<String> allowedNames) {
    this.allowedNames = allowedNames;
    this.delimiter = new byte[boundary.length + 3];
    delimiter[0] = '\n';
    delimiter[1] = '-';
    delimiter[2] = '-';
    System.arraycopy(boundary, 0, delimiter, 3, boundary.length);
    // The body opens with the delimiter minus its CRLF: as if LF had just matched after a CR.
    state = State.OPENING;
    matched = 1;
  }

  /**
   * The guard for the body of a request allowed by {@code decision} whose {@code Content-Type} is
   * {@code contentType}, or null when there is nothing to judge: a deny, or a body that is not
   * {@code multipart/*}. A multipart {@code Content-Type} without a usable boundary gets a guard
   * that refuses at once ({@link #refusal()}).
   */
  public static MultipartGuard forBody(Decision decision, String contentType) {
    Objects.requireNonNull(decision, "decision");
    if (!decision.allow() || !isMultipart(contentType)) {
      return null;
    }
    byte[] boundary = MultipartBoundary.of(contentType);
    if (boundary == null) {
      MultipartGuard refused = new MultipartGuard(new byte[] {'-'}, Set.of());
      refused.refuse(malformed(), "the Content-Type has no usable boundary");
      return refused;
    }
    return new MultipartGuard(boundary, decision.bodyParts());
  }

  /** Whether {@code contentType}'s media type is {@code multipart/*}; false when it is null. */
  public static boolean isMultipart(String contentType) {
    if (contentType == null) {
      return false;
    }
    // Without allocating: every allowed request with a Content-Type asks.
    int start = 0;
    while (start < contentType.length() && Character.isWhitespace(contentType.charAt(start))) {
      start++;
    }
    return contentType.regionMatches(true, start, "multipart/", 0, "multipart/".length());
  }

  /**
   * Whether {@code contentType} is not multipart, or names its boundary in the strict form this
   * guard reads (one {@code boundary}, no commas, nothing but {@code charset} beside it).
   */
  public static boolean hasUsableBoundary(String contentType) {
    return !isMultipart(contentType) || MultipartBoundary.of(contentType) != null;
  }

  /**
   * Judges the next bytes of the body, from {@code bytes}' position to its limit, leaving the
   * buffer as it was.
   *
   * @return null while the body passes; the deny that refuses it otherwise, from then on every time
   */
  public Decision check(ByteBuffer bytes) {
    if (bytes.hasArray()) {
      return check(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    }
    int i = bytes.position();
    int end = bytes.limit();
    while (i < end && refusal == null) {
      if (state == State.BODY && matched == 0) {
        // Content between line feeds cannot start a delimiter: skip it in a tight loop.
        int start = i;
        while (i < end && bytes.get(i) != '\n') {
          i++;
        }
        skipped(start, i, i > start && bytes.get(i - 1) == '\r');
        if (i == end) {
          break;
        }
      }
      accept(bytes.get(i++));
    }
    return refusal;
  }

  /**
   * As {@link #check(ByteBuffer)}, for {@code length} bytes of {@code bytes} from {@code offset}.
   */
  public Decision check(byte[] bytes, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    int i = offset;
    int end = offset + length;
    while (i < end && refusal == null) {
      if (state == State.BODY && matched == 0) {
        int start = i;
        while (i < end && bytes[i] != '\n') {
          i++;
        }
        skipped(start, i, i > start && bytes[i - 1] == '\r');
        if (i == end) {
          break;
        }
      }
      accept(bytes[i++]);
    }
    return refusal;
  }

  /**
   * Judges the end of the body: it must have closed with its final delimiter. An empty body passes,
   * since no server reads anything from it.
   *
   * @return null when the body passes; the deny that refuses it otherwise
   */
  public Decision end() {
    if (refusal == null && bytesSeen > 0 && state != State.CLOSED && state != State.CLOSED_CRLF) {
      refuse(malformed(), "the body ended before its closing delimiter");
    }
    return refusal;
  }

  /** The deny that refused the body, or null while it passes. */
  public Decision refusal() {
    return refusal;
  }

  /** Why the body was refused, for a log line; quotes nothing from the body. "" while it passes. */
  public String why() {
    return why;
  }

  /** Content bytes from {@code start} to {@code end} passed over; the last was a CR or not. */
  private void skipped(int start, int end, boolean lastWasCr) {
    if (end > start) {
      bytesSeen += end - start;
      previousWasCr = lastWasCr;
    }
  }

  private void accept(byte b) {
    bytesSeen++;
    switch (state) {
      case BODY:
        matchDelimiter(b);
        break;
      case OPENING:
        if (b != delimiter[matched]) {
          refuse(malformed(), "the body does not open with its boundary");
        } else if (++matched == delimiter.length) {
          state = State.AFTER_DELIMITER;
        }
        break;
      case AFTER_DELIMITER:
        if (b == '\r') {
          state = State.AFTER_DELIMITER_CR;
        } else if (b == '-') {
          state = State.AFTER_DELIMITER_DASH;
        } else {
          refuse(malformed(), "a delimiter is followed by neither CRLF nor --");
        }
        break;
      case AFTER_DELIMITER_CR:
        if (b != '\n') {
          refuse(malformed(), "a delimiter is followed by neither CRLF nor --");
        } else {
          startPart();
        }
        break;
      case AFTER_DELIMITER_DASH:
        if (b != '-') {
          refuse(malformed(), "a delimiter is followed by neither CRLF nor --");
        } else {
          state = State.CLOSED;
        }
        break;
      case HEADERS:
        headerByte(b);
        break;
      case HEADER_CR:
        if (b != '\n') {
          refuse(malformed(), "a part header line has a CR without LF");
        } else {
          endHeaderLine();
        }
        break;
      case CLOSED:
        if (b != '\r') {
          refuse(malformed(), "bytes follow the closing delimiter");
        } else {
          state = State.CLOSED_CR;
        }
        break;
      case CLOSED_CR:
        if (b != '\n') {
          refuse(malformed(), "bytes follow the closing delimiter");
        } else {
          state = State.CLOSED_CRLF;
        }
        break;
      case CLOSED_CRLF:
        refuse(malformed(), "bytes follow the closing delimiter");
        break;
      default:
        break;
    }
  }

  /**
   * Finds {@code LF "--" boundary} in a part's content. LF occurs only first in it, so after a
   * mismatch the match restarts at this byte if it is an LF, else at nothing.
   */
  private void matchDelimiter(byte b) {
    if (b == delimiter[matched]) {
      if (matched == 0) {
        crBeforeMatch = previousWasCr;
      }
      if (++matched == delimiter.length) {
        if (!crBeforeMatch) {
          refuse(malformed(), "a delimiter is preceded by LF without CR");
          return;
        }
        state = State.AFTER_DELIMITER;
        matched = 0;
      }
    } else if (b == '\n') {
      crBeforeMatch = previousWasCr;
      matched = 1;
    } else {
      matched = 0;
    }
    previousWasCr = b == '\r';
  }

  private void startPart() {
    state = State.HEADERS;
    part = new PartHeaders(allowedNames, namesSeen);
    headerBytes = 0;
    line.setLength(0);
  }

  private void headerByte(byte b) {
    if (++headerBytes > MAX_HEADER_BYTES) {
      refuse(malformed(), "a part's headers are too large");
    } else if (b == '\r') {
      state = State.HEADER_CR;
    } else if (b == '\n') {
      refuse(malformed(), "a part header line ends with LF without CR");
    } else if ((b < 0x20 && b != '\t') || b >= 0x7f) {
      refuse(malformed(), "a part header has a byte that is not printable ASCII");
    } else {
      line.append((char) b);
    }
  }

  private void endHeaderLine() {
    try {
      if (line.length() == 0) {
        part.end();
        part = null;
        state = State.BODY;
        // Some parsers let the CRLF that ends the headers also begin a delimiter, so that "--"
        // boundary right after it ends an empty part: match as if that CRLF were the content's.
        matched = 1;
        crBeforeMatch = true;
        previousWasCr = false;
        return;
      }
      part.line(line.toString());
      line.setLength(0);
      state = State.HEADERS;
    } catch (PartHeaders.Refusal e) {
      refuse(e.notAllowed ? partNotAllowed() : malformed(), e.getMessage());
    }
  }

  private void refuse(Decision deny, String reason) {
    refusal = deny;
    why = reason;
    state = State.REFUSED;
  }

  @Override
  public String toString() {
    return "MultipartGuard[state=" + state + ", bytesSeen=" + bytesSeen + "]";
  }
}
