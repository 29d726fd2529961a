package dev.portcullis.examples.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks SonarQube's public {@code /api/server/version} every two seconds until it answers 200 once,
 * for readiness: a gateway whose credentials SonarQube verifies cannot serve before SonarQube can.
 */
final class SonarQubeProbe implements AutoCloseable {

  private static final Duration INTERVAL = Duration.ofSeconds(2);

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "gateway-sonarqube-probe");
            thread.setDaemon(true);
            return thread;
          });
  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(INTERVAL)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final HttpRequest request;
  private final Runnable onAnswer;

  private SonarQubeProbe(URI sonarQubeRoot, Runnable onAnswer) {
    this.request =
        HttpRequest.newBuilder(URI.create(sonarQubeRoot + "/api/server/version"))
            .timeout(INTERVAL.multipliedBy(2))
            .GET()
            .build();
    this.onAnswer = onAnswer;
  }

  /** Starts asking {@code sonarQubeRoot}; {@code onAnswer} runs once, at the first 200. */
  static SonarQubeProbe start(URI sonarQubeRoot, Runnable onAnswer) {
    SonarQubeProbe probe = new SonarQubeProbe(sonarQubeRoot, onAnswer);
    probe.scheduler.execute(probe::ask);
    return probe;
  }

  private void ask() {
    try {
      if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
        onAnswer.run();
        scheduler.shutdown();
        return;
      }
    } catch (InterruptedException e) {
      return;
    } catch (Exception e) {
      // Not up yet: ask again.
    }
    if (!scheduler.isShutdown()) {
      scheduler.schedule(this::ask, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
