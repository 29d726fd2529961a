package dev.portcullis.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * Collects a response body of at most {@code limit} bytes for the JDK HTTP client. A longer body is
 * not read further: the exchange is cancelled and the body fails with the exception {@code
 * tooLarge} makes, so that a server that answers without end, or a wrong URL that points at a large
 * file, cannot fill the heap of the caller that asked it.
 */
public final class LimitedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {

  private final int limit;
  private final Supplier<? extends RuntimeException> tooLarge;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private Flow.Subscription subscription;

  /**
   * @param limit the most bytes the body may have
   * @param tooLarge the failure of a longer body
   */
  public LimitedBodySubscriber(int limit, Supplier<? extends RuntimeException> tooLarge) {
    if (limit < 0) {
      throw new IllegalArgumentException("the limit must not be negative: " + limit);
    }
    this.limit = limit;
    this.tooLarge = Objects.requireNonNull(tooLarge, "tooLarge");
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (body.isDone()) {
      return;
    }
    for (ByteBuffer buffer : buffers) {
      if ((long) bytes.size() + buffer.remaining() > limit) {
        subscription.cancel();
        body.completeExceptionally(tooLarge.get());
        return;
      }
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      bytes.write(chunk, 0, chunk.length);
    }
  }

  @Override
  public void onError(Throwable failure) {
    body.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    body.complete(bytes.toByteArray());
  }
}
