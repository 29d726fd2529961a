package dev.portcullis.examples.netty;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's leak detector, also keeping every leak report for {@link LeakCheck}. Installed for the
 * whole test JVM with {@code -Dio.netty.customResourceLeakDetector} (see the pom), so it is in
 * place before the first buffer is allocated.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

  private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  @SuppressWarnings("deprecation")
  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
    super(resourceType, samplingInterval);
    INSTANCES.incrementAndGet();
  }

  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
    this(resourceType, samplingInterval);
  }

  static boolean installed() {
    return INSTANCES.get() > 0;
  }

  /** The leaks reported since the last call. */
  static List<String> drain() {
    List<String> leaks = new ArrayList<>();
    for (String leak; (leak = LEAKS.poll()) != null; ) {
      leaks.add(leak);
    }
    return leaks;
  }

  @Override
  protected boolean needReport() {
    return true;
  }

  @Override
  protected void reportTracedLeak(String resourceType, String records) {
    LEAKS.add(resourceType + " leaked:" + records);
    super.reportTracedLeak(resourceType, records);
  }

  @Override
  protected void reportUntracedLeak(String resourceType) {
    LEAKS.add(resourceType + " leaked (untraced)");
    super.reportUntracedLeak(resourceType);
  }
}
