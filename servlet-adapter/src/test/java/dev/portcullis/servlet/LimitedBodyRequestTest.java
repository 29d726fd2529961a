package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimitedBodyRequestTest {

  private static final Decision ALLOW =
      Decision.allow(List.of("test"), "Allowed.").forTarget("/upload");

  private static final int LIMIT = 1000;

  @Test
  void aBodyOfExactlyTheLimitReadsWhole() throws IOException {
    LimitedBodyRequest request =
        new LimitedBodyRequest(request(new ContainerStream(LIMIT, 64)), LIMIT, null, ALLOW);

    assertThat(request.getInputStream().readAllBytes()).hasSize(LIMIT);
    assertThat(request.refusalOn(Thread.currentThread())).isNull();
  }

  @Test
  void aBlockingReadPastTheLimitFailsAndHandsOutNoByteBeyondIt() throws IOException {
    LimitedBodyRequest request =
        new LimitedBodyRequest(request(new ContainerStream(LIMIT + 1, 300)), LIMIT, null, ALLOW);
    InputStream body = request.getInputStream();
    ByteArrayOutputStream handedOut = new ByteArrayOutputStream();
    byte[] buffer = new byte[300];

    assertThatThrownBy(
            () -> {
              for (int read; (read = body.read(buffer)) > 0; ) {
                handedOut.write(buffer, 0, read);
              }
            })
        .isInstanceOf(BodyTooLargeException.class);

    assertThat(handedOut.size()).isEqualTo(LIMIT);
    assertThatThrownBy(body::read)
        .as("every later read fails too")
        .isInstanceOf(BodyTooLargeException.class);
    assertThat(request.refusalOn(Thread.currentThread())).isInstanceOf(BodyTooLargeException.class);
    assertThat(request.getInputStream().isReady())
        .as("a waiting reader must meet the failure")
        .isTrue();
  }

  @Test
  void singleByteReadsAndTheReaderCountToo() throws IOException {
    LimitedBodyRequest bytes =
        new LimitedBodyRequest(request(new ContainerStream(LIMIT + 5, 1)), LIMIT, null, ALLOW);
    assertThatThrownBy(
            () -> {
              while (bytes.getInputStream().read() >= 0) {
                // reading
              }
            })
        .isInstanceOf(BodyTooLargeException.class);

    LimitedBodyRequest text =
        new LimitedBodyRequest(request(new ContainerStream(LIMIT + 5, 100)), LIMIT, null, ALLOW);
    assertThatThrownBy(
            () -> {
              char[] chars = new char[100];
              while (text.getReader().read(chars) >= 0) {
                // reading
              }
            })
        .isInstanceOf(BodyTooLargeException.class);
  }

  @Test
  void aReadListenerMeetsTheFailureInOnError() throws IOException {
    ContainerStream container = new ContainerStream(3 * LIMIT, 256);
    LimitedBodyRequest request = new LimitedBodyRequest(request(container), LIMIT, null, ALLOW);
    ServletInputStream body = request.getInputStream();
    List<Throwable> errors = new ArrayList<>();
    long[] handedOut = new long[1];

    body.setReadListener(
        new ReadListener() {
          @Override
          public void onDataAvailable() throws IOException {
            byte[] buffer = new byte[256];
            while (body.isReady()) {
              int read = body.read(buffer);
              if (read < 0) {
                return;
              }
              handedOut[0] += read;
            }
          }

          @Override
          public void onAllDataRead() {
            errors.add(new AssertionError("the whole body was read"));
          }

          @Override
          public void onError(Throwable t) {
            errors.add(t);
          }
        });
    container.deliver();

    assertThat(errors).singleElement().isInstanceOf(BodyTooLargeException.class);
    assertThat(handedOut[0]).isEqualTo(LIMIT);
  }

  @Test
  void aLaterDispatchGoesOnCountingWhereTheFirstStopped() throws IOException {
    ContainerStream container = new ContainerStream(LIMIT + 1, 600);
    LimitedBodyRequest first = new LimitedBodyRequest(request(container), LIMIT, null, ALLOW);
    assertThat(first.getInputStream().read(new byte[600])).isEqualTo(600);

    LimitedBodyRequest later = new LimitedBodyRequest(request(container), first);

    assertThat(later.getInputStream().read(new byte[600])).isEqualTo(LIMIT - 600);
    assertThatThrownBy(() -> later.getInputStream().read(new byte[600]))
        .isInstanceOf(BodyTooLargeException.class);
  }

  @Test
  void causedByLooksThroughWrappers() {
    BodyTooLargeException tooLarge = new BodyTooLargeException(LIMIT);

    assertThat(BodyTooLargeException.causedBy(new IOException(new RuntimeException(tooLarge))))
        .isTrue();
    assertThat(BodyTooLargeException.causedBy(new IOException("other"))).isFalse();
    assertThat(BodyTooLargeException.causedBy(null)).isFalse();
  }

  private static HttpServletRequest request(ContainerStream body) {
    return (HttpServletRequest)
        Proxy.newProxyInstance(
            HttpServletRequest.class.getClassLoader(),
            new Class<?>[] {HttpServletRequest.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "getInputStream":
                  return body;
                case "getCharacterEncoding":
                  return null;
                default:
                  throw new UnsupportedOperationException(method.getName());
              }
            });
  }

  /**
   * A container's body stream of {@code size} bytes arriving {@code chunk} bytes at a time. With a
   * read listener it calls back like a container: {@code onDataAvailable} while data is ready,
   * {@code onError} when that throws.
   */
  private static final class ContainerStream extends ServletInputStream {
    private final byte[] data;
    private final int chunk;
    private int position;
    private ReadListener listener;

    ContainerStream(int size, int chunk) {
      this.data = new byte[size];
      Arrays.fill(data, (byte) 'x');
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return position < data.length ? data[position++] : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (position == data.length) {
        return -1;
      }
      int read = Math.min(Math.min(length, chunk), data.length - position);
      System.arraycopy(data, position, buffer, offset, read);
      position += read;
      return read;
    }

    @Override
    public boolean isFinished() {
      return position == data.length;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      this.listener = listener;
    }

    void deliver() {
      try {
        listener.onDataAvailable();
        if (isFinished()) {
          listener.onAllDataRead();
        }
      } catch (IOException | RuntimeException e) {
        listener.onError(e);
      }
    }
  }
}
