package dev.portcullis.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detectors, made to record each leak they report so a test can fail on it (Netty
 * itself only logs them). Installed by {@link LeakDetectionSession} before any buffer class is
 * initialized, because each buffer class creates its detector once, in a static initializer.
 */
final class LeakRecorder {

  private static final List<String> LEAKS = new ArrayList<>();
  private static volatile boolean recordingBuffers;

  private LeakRecorder() {}

  static void install() {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  /**
   * Whether the detector of {@link ByteBuf}s is a recording one, that is, whether install() came in
   * time.
   */
  static boolean recordsBufferLeaks() {
    return recordingBuffers;
  }

  /** The leaks reported since the last call, each with its access records. */
  static List<String> takeLeaks() {
    synchronized (LEAKS) {
      List<String> leaks = List.copyOf(LEAKS);
      LEAKS.clear();
      return leaks;
    }
  }

  private static void record(String leak) {
    synchronized (LEAKS) {
      LEAKS.add(leak);
    }
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval) {
      if (resource == ByteBuf.class) {
        recordingBuffers = true;
      }
      return new RecordingDetector<>(resource, samplingInterval);
    }

    /** Abstract, though deprecated: Netty calls the two-argument form. */
    @Override
    @SuppressWarnings("deprecation")
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return newResourceLeakDetector(resource, samplingInterval);
    }
  }

  private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    /** Report even when Netty's own logger is quiet: the record is what fails the test. */
    @Override
    protected boolean needReport() {
      return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      record(resourceType + " leaked:" + records);
      super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      record(resourceType + " leaked (no access records)");
      super.reportUntracedLeak(resourceType);
    }
  }
}
