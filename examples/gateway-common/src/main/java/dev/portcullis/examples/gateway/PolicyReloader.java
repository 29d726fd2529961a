package dev.portcullis.examples.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the files the policy is made of ({@code --data}, {@code --policy}) and reloads the policy
 * when any of their contents changes: loaded, checked and warmed up beside the serving policy, then
 * swapped in. A change that fails keeps the last good policy, is logged once (WARN, naming the
 * changed files and why) and counted; the files are tried again when a content changes again.
 *
 * <p>Polls the contents' hashes every {@value #INTERVAL_MILLIS} ms rather than relying on file
 * events, which editors and atomic renames (a Kubernetes ConfigMap's symlink swap) make unreliable;
 * a poll reads files of a few kilobytes to a few megabytes, which costs next to nothing.
 */
final class PolicyReloader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);
  static final long INTERVAL_MILLIS = 500;

  private final Map<Path, byte[]> lastSeen = new LinkedHashMap<>();
  private final Supplier<String> reload;
  private final Counter successes;
  private final Counter failures;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "gateway-policy-reloader");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * @param reload reads the files, loads the policy and swaps it in, returning the new revision, or
   *     throws saying what is wrong
   * @param registry where to count reloads, or {@code null}
   */
  private PolicyReloader(List<Path> files, Supplier<String> reload, MeterRegistry registry) {
    for (Path file : files) {
      lastSeen.put(file, hash(file)); // the contents already loaded
    }
    this.reload = reload;
    this.successes = registry == null ? null : reloads(registry, "success");
    this.failures = registry == null ? null : reloads(registry, "failure");
  }

  private static Counter reloads(MeterRegistry registry, String outcome) {
    return Counter.builder("portcullis.policy.reloads")
        .description(
            "Reloads of the --data and --policy files by outcome; a failure keeps the last good policy")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Starts watching {@code files}, whose current contents are the ones already loaded.
   *
   * @param interval how often the files are read
   */
  static PolicyReloader start(
      List<Path> files, Supplier<String> reload, MeterRegistry registry, Duration interval) {
    PolicyReloader reloader = new PolicyReloader(files, reload, registry);
    reloader.scheduler.scheduleWithFixedDelay(
        reloader::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return reloader;
  }

  /** {@link #start(List, Supplier, MeterRegistry, Duration)} every {@value #INTERVAL_MILLIS} ms. */
  static PolicyReloader start(List<Path> files, Supplier<String> reload, MeterRegistry registry) {
    return start(files, reload, registry, Duration.ofMillis(INTERVAL_MILLIS));
  }

  /** One poll: reloads once when any file changed. Runs on the scheduler's one thread only. */
  void check() {
    List<Path> changed = new ArrayList<>();
    Map<Path, byte[]> seen = new LinkedHashMap<>();
    for (Map.Entry<Path, byte[]> file : lastSeen.entrySet()) {
      byte[] now = hash(file.getKey());
      if (now == null) {
        return; // unreadable for a moment (being replaced): look again next time
      }
      seen.put(file.getKey(), now);
      if (!Arrays.equals(now, file.getValue())) {
        changed.add(file.getKey());
      }
    }
    if (changed.isEmpty()) {
      return;
    }
    lastSeen.putAll(seen);
    try {
      String revision = reload.get();
      LOG.info("policy reloaded changed={} revision={}", changed, revision);
      if (successes != null) {
        successes.increment();
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "policy reload failed, keeping the last good policy changed={} cause={}",
          changed,
          e.getMessage());
      if (failures != null) {
        failures.increment();
      }
    }
  }

  private static byte[] hash(Path file) {
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
