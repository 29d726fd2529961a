package dev.portcullis.examples.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the {@code --data} file and reloads the policy when its content changes: checked, loaded
 * and warmed up beside the serving policy, then swapped in. A change that fails keeps the last good
 * policy, is logged once and counted; the file is tried again when its content changes again. Polls
 * the content's hash every second rather than relying on file events, which editors and atomic
 * renames (a Kubernetes ConfigMap) make unreliable.
 */
final class DataReloader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DataReloader.class);
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  private final Path file;
  private final Function<String, String> reload;
  private final Counter successes;
  private final Counter failures;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "gateway-data-reloader");
            thread.setDaemon(true);
            return thread;
          });
  private byte[] lastSeen;

  /**
   * @param reload loads data and swaps it in, returning the new revision, or throws
   * @param registry where to count reloads, or {@code null}
   */
  private DataReloader(Path file, Function<String, String> reload, MeterRegistry registry) {
    this.file = file;
    this.reload = reload;
    this.successes = registry == null ? null : reloads(registry, "success");
    this.failures = registry == null ? null : reloads(registry, "failure");
  }

  private static Counter reloads(MeterRegistry registry, String outcome) {
    return Counter.builder("portcullis.policy.reloads")
        .description("Reloads of the --data file by outcome; a failure keeps the last good policy")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Starts watching {@code file}, whose current content is the one already loaded. */
  static DataReloader start(Path file, Function<String, String> reload, MeterRegistry registry) {
    DataReloader reloader = new DataReloader(file, reload, registry);
    reloader.lastSeen = reloader.hash();
    reloader.scheduler.scheduleWithFixedDelay(
        reloader::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return reloader;
  }

  private void check() {
    byte[] seen = hash();
    if (seen == null || Arrays.equals(seen, lastSeen)) {
      return; // unreadable for a moment (being replaced) or unchanged
    }
    lastSeen = seen;
    try {
      String revision = reload.apply(Files.readString(file));
      LOG.info("policy data reloaded file={} revision={}", file, revision);
      if (successes != null) {
        successes.increment();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "policy data reload failed, keeping the last good policy file={} cause={}",
          file,
          e.getMessage());
      if (failures != null) {
        failures.increment();
      }
    }
  }

  private byte[] hash() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (IOException e) {
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(30, TimeUnit.SECONDS); // a reload in progress finishes first
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
