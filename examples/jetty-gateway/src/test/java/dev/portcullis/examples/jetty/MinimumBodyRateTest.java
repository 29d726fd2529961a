package dev.portcullis.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MinimumBodyRateTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** The clock of every check; the test moves it. */
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  private final long headersEnded = now.get();
  private final MinimumBodyRate rate = new MinimumBodyRate(1000, Duration.ofSeconds(10), now::get);

  @Test
  void aSlowBodyIsNotCheckedWithinTheGrace() throws IOException {
    InputStream body = rate.apply(request(), headersEnded).getInputStream();

    now.addAndGet(9 * SECOND);
    assertThat(body.read(new byte[10])).isEqualTo(10);
  }

  @Test
  void afterTheGraceAReadBelowTheAverageRateFails() throws IOException {
    InputStream body = rate.apply(request(), headersEnded).getInputStream();
    assertThat(body.read(new byte[10_000])).isEqualTo(10_000);

    now.addAndGet(11 * SECOND);

    assertThatThrownBy(() -> body.read(new byte[100]))
        .isInstanceOf(MinimumBodyRate.TooSlowException.class);
    assertThatThrownBy(body::read)
        .as("every later read fails too")
        .isInstanceOf(MinimumBodyRate.TooSlowException.class);
  }

  @Test
  void afterTheGraceABodyThatKeptTheAverageGoesOn() throws IOException {
    ServletInputStream body = rate.apply(request(), headersEnded).getInputStream();
    assertThat(body.read(new byte[10_000])).isEqualTo(10_000);

    now.addAndGet(11 * SECOND);

    assertThat(body.read(new byte[1_000])).isEqualTo(1_000);
  }

  @Test
  void theTimeBeforeTheFirstReadCounts() throws IOException {
    now.addAndGet(20 * SECOND);
    InputStream body = rate.apply(request(), headersEnded).getInputStream();

    assertThatThrownBy(() -> body.read(new byte[100]))
        .isInstanceOf(MinimumBodyRate.TooSlowException.class);
  }

  private static HttpServletRequest request() {
    ServletInputStream endless =
        new ServletInputStream() {
          @Override
          public int read() {
            return 'x';
          }

          @Override
          public int read(byte[] buffer, int offset, int length) {
            return length;
          }

          @Override
          public boolean isFinished() {
            return false;
          }

          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
          }
        };
    return (HttpServletRequest)
        Proxy.newProxyInstance(
            HttpServletRequest.class.getClassLoader(),
            new Class<?>[] {HttpServletRequest.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getInputStream")) {
                return endless;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
