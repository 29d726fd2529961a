package dev.portcullis.testkit;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's leak detector, also keeping every leak it reports so that {@link NettyLeakCheck} can fail
 * the test (Netty itself only logs leaks). Install it for the whole test JVM with {@code
 * -Dio.netty.customResourceLeakDetector=dev.portcullis.testkit.RecordingLeakDetector}: each buffer
 * class creates its detector once, in a static initializer, so a detector installed any later would
 * miss them. Needs Netty on the test class path.
 *
 * @param <T> the type of resource tracked
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

  private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * The constructor Netty calls for a custom detector.
   *
   * @param resourceType the type of resource tracked
   * @param samplingInterval how often Netty samples, in allocations
   */
  @SuppressWarnings("deprecation")
  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
    super(resourceType, samplingInterval);
    INSTANCES.incrementAndGet();
  }

  /**
   * The constructor older Netty versions call for a custom detector.
   *
   * @param resourceType the type of resource tracked
   * @param samplingInterval how often Netty samples, in allocations
   * @param maxActive ignored, as Netty does
   */
  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
    this(resourceType, samplingInterval);
  }

  /** Whether Netty created any detector of this class, that is, whether the JVM option is set. */
  static boolean installed() {
    return INSTANCES.get() > 0;
  }

  /** The leaks reported since the last call, each with its access records. */
  static List<String> drain() {
    List<String> leaks = new ArrayList<>();
    for (String leak; (leak = LEAKS.poll()) != null; ) {
      leaks.add(leak);
    }
    return leaks;
  }

  /** Reports even when Netty's own logger is quiet: the record is what fails the test. */
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
    LEAKS.add(resourceType + " leaked (no access records)");
    super.reportUntracedLeak(resourceType);
  }
}
