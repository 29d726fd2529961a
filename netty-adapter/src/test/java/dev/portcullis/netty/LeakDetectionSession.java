package dev.portcullis.netty;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the {@link LeakRecorder} when the test run starts, before any test class loads a Netty
 * buffer (registered in {@code META-INF/services}).
 */
public final class LeakDetectionSession implements LauncherSessionListener {

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    LeakRecorder.install();
  }
}
