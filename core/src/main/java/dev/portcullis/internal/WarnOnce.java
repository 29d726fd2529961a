package dev.portcullis.internal;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a repeating failure at WARN the first time per key (a reason code, a kind of failure) and at
 * DEBUG after, so that one broken dependency cannot flood the log while its first sign is never
 * missed.
 *
 * <p>Not for public use: shared by the core and the policies module of the same release, never by
 * adapters. Thread-safe.
 */
public final class WarnOnce {

  private final Logger log;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public WarnOnce(Logger log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Logs {@code format} with {@code arguments}: at WARN, followed by {@code " (<repeats> are logged
   * at DEBUG)"}, the first time {@code key} comes (or the first time since it was {@linkplain
   * #forget forgotten}); at DEBUG otherwise.
   *
   * @param repeats what the later lines are, such as {@code "further failures with this reason"}
   */
  public void log(String key, String repeats, String format, Object... arguments) {
    if (warned.add(key)) {
      if (log.isWarnEnabled()) {
        log.warn(format + " (" + repeats + " are logged at DEBUG)", arguments);
      }
    } else {
      log.debug(format, arguments);
    }
  }

  /** Forgets {@code key}, so that it warns again next time: the condition it stood for is over. */
  public void forget(String key) {
    warned.remove(key);
  }
}
