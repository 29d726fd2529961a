package dev.portcullis.examples.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code opa run --server} (the pinned CLI, {@code tools/opa}) on a free loopback port with
 * the default SonarQube policy's Rego and a data document, for gateways with {@code --engine
 * remote=URL}; stopped on close.
 */
public final class OpaServer implements AutoCloseable {

  private final Process process;
  private final URI url;

  private OpaServer(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  /** Starts OPA with the policy's {@code .rego} files and {@code data}, and waits until healthy. */
  public static OpaServer start(Path workDir, String data) throws Exception {
    Path root = repositoryRoot();
    Path rego = Files.createDirectories(workDir.resolve("opa-rego"));
    try (Stream<Path> files = Files.walk(root.resolve("policies/src/main/rego"))) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".rego") && !p.toString().endsWith("_test.rego"))
              .toList()) {
        Files.copy(file, rego.resolve(file.getFileName()));
      }
    }
    Path dataFile = Files.writeString(workDir.resolve("opa-data.json"), data);
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Path log = workDir.resolve("opa.log");
    Process process =
        new ProcessBuilder(
                List.of(
                    "bash",
                    root.resolve("tools/opa").toString(),
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
                    dataFile.toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    OpaServer server = new OpaServer(process, URI.create("http://127.0.0.1:" + port));
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (client
                .send(
                    HttpRequest.newBuilder(server.url.resolve("/health"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    server.close();
    throw new IllegalStateException("opa run did not become healthy: " + Files.readString(log));
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("tools/opa"))) {
        return dir;
      }
    }
    throw new IllegalStateException("tools/opa not found above " + Path.of("").toAbsolutePath());
  }

  /** Where OPA listens, such as {@code http://127.0.0.1:40123}. */
  public URI url() {
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
