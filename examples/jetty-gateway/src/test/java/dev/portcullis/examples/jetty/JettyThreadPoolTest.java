package dev.portcullis.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

class JettyThreadPoolTest {

  @Test
  void aSmallMachineGetsTheFloorNotJettysTwoHundred() {
    for (int cores : new int[] {1, 2}) {
      QueuedThreadPool threads = JettyGateway.threadPool(cores);

      assertThat(threads.getMaxThreads()).isEqualTo(16);
      assertThat(threads.getMinThreads()).isBetween(1, threads.getMaxThreads());
    }
  }

  @Test
  void aLargerMachineGetsEightThreadsPerCore() {
    QueuedThreadPool threads = JettyGateway.threadPool(8);

    assertThat(threads.getMaxThreads()).isEqualTo(64);
    assertThat(threads.getMinThreads()).isEqualTo(18);
  }
}
