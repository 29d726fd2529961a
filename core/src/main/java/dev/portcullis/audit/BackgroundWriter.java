package dev.portcullis.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A bounded queue and one daemon thread that writes out what is queued, for logs written beside
 * requests: {@link #offer} never blocks the request's thread (a Netty event loop, say), and an item
 * that finds the queue full is dropped, which the caller counts. The writer takes what is queued in
 * batches and hands each batch to the sink, in order. With a linger, the writer waits that long
 * after the first item of a batch before taking the rest, so that under load it wakes, and the sink
 * writes, once per batch rather than once per item.
 *
 * <p>Thread-safe. {@link #close()} writes what is queued (waiting up to five seconds) and stops the
 * thread.
 *
 * @param <T> what is written
 */
public final class BackgroundWriter<T> implements AutoCloseable {

  private static final Object STOP = new Object();

  private final BlockingQueue<Object> queue;
  private final Consumer<List<T>> sink;
  private final Thread thread;
  private final long lingerNanos;
  private volatile boolean closed;

  /**
   * Starts the writer thread.
   *
   * @param threadName the thread's name, as thread dumps show it
   * @param capacity how many items wait at most
   * @param sink writes one batch of at least one item; what it throws is its own to report, and the
   *     writer goes on
   */
  public BackgroundWriter(String threadName, int capacity, Consumer<List<T>> sink) {
    this(threadName, capacity, Duration.ZERO, sink);
  }

  /**
   * Starts the writer thread, which waits {@code linger} after the first item of each batch.
   *
   * @param threadName the thread's name, as thread dumps show it
   * @param capacity how many items wait at most
   * @param linger how long an item may wait for others to join its batch; zero for none
   * @param sink writes one batch of at least one item; what it throws is its own to report, and the
   *     writer goes on
   */
  public BackgroundWriter(
      String threadName, int capacity, Duration linger, Consumer<List<T>> sink) {
    if (linger.isNegative()) {
      throw new IllegalArgumentException("linger must not be negative: " + linger);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sink = Objects.requireNonNull(sink, "sink");
    this.lingerNanos = linger.toNanos();
    this.thread = new Thread(this::writeAll, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues {@code item} without blocking: false when the queue is full and the item is dropped.
   * After {@link #close()} an item is ignored (and this answers true).
   */
  public boolean offer(T item) {
    return closed || queue.offer(Objects.requireNonNull(item, "item"));
  }

  @SuppressWarnings("unchecked")
  private void writeAll() {
    List<Object> taken = new ArrayList<>();
    List<T> batch = new ArrayList<>();
    while (true) {
      try {
        taken.add(queue.take());
        if (lingerNanos > 0 && !closed) {
          // Offers made meanwhile wake no one: the writer is asleep, not waiting on the queue.
          TimeUnit.NANOSECONDS.sleep(lingerNanos);
        }
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(taken);
      boolean stop = false;
      for (Object item : taken) {
        if (item == STOP) {
          stop = true;
          break;
        }
        batch.add((T) item);
      }
      if (!batch.isEmpty()) {
        try {
          sink.accept(batch);
        } catch (RuntimeException e) {
          // The sink reports its own failures; one bad batch must not stop the log.
        }
      }
      taken.clear();
      batch.clear();
      if (stop) {
        return;
      }
    }
  }

  /** Writes what is queued, waiting up to five seconds, and stops the writer thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (queue.offer(STOP, 1, TimeUnit.SECONDS)) {
        thread.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
  }
}
