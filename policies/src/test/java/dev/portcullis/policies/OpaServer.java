package dev.portcullis.policies;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code opa run --server} (the pinned CLI, {@code tools/opa}) on a free loopback port, with
 * the default policy's Rego, a data document and any extra Rego files; stopped on close.
 */
final class OpaServer implements AutoCloseable {

  private final Process process;
  private final URI url;
  private final Path log;

  private OpaServer(Process process, URI url, Path log) {
    this.process = process;
    this.url = url;
    this.log = log;
  }

  /**
   * Starts OPA with the default policy's {@code .rego} files, {@code data} as the whole data
   * document (the shipped defaults merged with a user's, say) and {@code extraRego} files, and
   * waits until it answers.
   */
  static OpaServer start(Path workDir, String data, Path... extraRego) throws Exception {
    Path rego = Files.createDirectories(workDir.resolve("rego"));
    try (Stream<Path> files = Files.walk(Path.of("src/main/rego"))) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".rego") && !p.toString().endsWith("_test.rego"))
              .toList()) {
        Files.copy(file, rego.resolve(file.getFileName()));
      }
    }
    for (Path file : extraRego) {
      Files.copy(file, rego.resolve(file.getFileName()));
    }
    // The data document on its own: the shipped data.json next to the Rego would clash with it.
    Path dataFile = Files.writeString(workDir.resolve("data.json"), data);
    int port = freePort();
    Path log = workDir.resolve("opa.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                Path.of("../tools/opa").toAbsolutePath().normalize().toString(),
                "run",
                "--server",
                "--addr",
                "127.0.0.1:" + port,
                "--log-level",
                "error",
                "--skip-version-check",
                "--shutdown-grace-period",
                "1",
                rego.toString(),
                dataFile.toString()));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    OpaServer server = new OpaServer(process, URI.create("http://127.0.0.1:" + port), log);
    server.awaitHealthy();
    return server;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitHealthy() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "opa run exited " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<Void> health =
            client.send(
                HttpRequest.newBuilder(url.resolve("/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (health.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    close();
    throw new IllegalStateException("opa run did not become healthy: " + Files.readString(log));
  }

  /** Replaces OPA's whole data document. */
  void putData(String data) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(url.resolve("/v1/data"))
                    .PUT(HttpRequest.BodyPublishers.ofString(data, StandardCharsets.UTF_8))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204) {
      throw new IllegalStateException("PUT /v1/data: " + response.statusCode() + response.body());
    }
  }

  /** Where OPA listens, such as {@code http://127.0.0.1:40123}. */
  URI url() {
    return url;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
