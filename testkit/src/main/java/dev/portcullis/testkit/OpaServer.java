package dev.portcullis.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code opa run --server} on a free loopback port, for testing against a real OPA what asks
 * one over HTTP, such as {@link dev.portcullis.opa.remote.RemoteOpaPolicyEngine}. It runs the OPA
 * {@link OpaCli#locate()} finds (or the one given to {@link Builder#opa}), with the Rego and data
 * given to the {@link Builder}, and is stopped by {@link #stop()} or {@link #close()}:
 *
 * <pre>{@code
 * try (OpaServer opa = OpaServer.builder().policy(Path.of("src/main/rego")).data(json).start();
 *     RemoteOpaPolicyEngine engine =
 *         RemoteOpaPolicyEngine.builder().url(opa.url()).entrypoint("my/policy/decision").build()) {
 *   Decision decision = engine.evaluate(input);
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns once OPA answers {@code GET /health} with 200; when it exits
 * first or is not healthy within 60 s it is stopped and the {@link IllegalStateException} carries
 * OPA's log (a Rego parse or compile error, say). OPA logs at level {@code error} only and shuts
 * down with a grace period of 1 s. Its data file and log live in a temporary directory that {@link
 * #close()} deletes.
 *
 * <p>Thread-safe: {@link #url()} is immutable; stopping twice is harmless.
 */
public final class OpaServer implements AutoCloseable {

  private static final long HEALTHY_WITHIN_SECONDS = 60;

  private final Process process;
  private final URI url;
  private final Path workDir;

  private OpaServer(Process process, URI url, Path workDir) {
    this.process = process;
    this.url = url;
    this.workDir = workDir;
  }

  /** A builder of an OPA server with no policy and no data yet. */
  public static Builder builder() {
    return new Builder();
  }

  /** Where OPA listens, such as {@code http://127.0.0.1:40123}. */
  public URI url() {
    return url;
  }

  /**
   * Stops OPA (SIGTERM, then SIGKILL after 10 s) and waits for it to exit; what asks it afterwards
   * finds the port closed. Its temporary files stay until {@link #close()}.
   */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops OPA and deletes its temporary files. */
  @Override
  public void close() {
    stop();
    deleteRecursively(workDir);
  }

  @Override
  public String toString() {
    return "OpaServer[" + url + "]";
  }

  private String log() {
    try {
      return Files.readString(workDir.resolve("opa.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void awaitHealthy() throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health =
        HttpRequest.newBuilder(url.resolve("/health")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HEALTHY_WITHIN_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String log = log();
        close();
        throw new IllegalStateException("opa run exited " + process.exitValue() + ":\n" + log);
      }
      try {
        if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    stop();
    String log = log();
    close();
    throw new IllegalStateException(
        "opa run did not become healthy at "
            + url
            + " within "
            + HEALTHY_WITHIN_SECONDS
            + " s:\n"
            + log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans up
    }
  }

  /** What OPA loads; not thread-safe, each {@link #start()} starts a server of its own. */
  public static final class Builder {

    private final List<Path> policy = new ArrayList<>();
    private String data;
    private OpaCli opa;

    private Builder() {}

    /**
     * Adds Rego to load. A directory contributes every {@code .rego} file below it except the
     * {@code *_test.rego} tests, and none of its data files (a policy directory's {@code data.json}
     * would clash with the document given to {@link #data}); a file is given to {@code opa run} as
     * it is, a {@code .rego} module or a {@code .json}/{@code .yaml} document loaded at the root of
     * the data.
     */
    public Builder policy(Path... paths) {
      for (Path path : paths) {
        policy.add(Objects.requireNonNull(path, "path"));
      }
      return this;
    }

    /** The whole data document, a JSON object; none by default. */
    public Builder data(String json) {
      this.data = Objects.requireNonNull(json, "json");
      return this;
    }

    /** The OPA to run; {@link OpaCli#locate()} by default. */
    public Builder opa(OpaCli opa) {
      this.opa = Objects.requireNonNull(opa, "opa");
      return this;
    }

    /**
     * Starts OPA on a free loopback port and waits until it is healthy.
     *
     * @throws IllegalArgumentException when a policy path does not exist
     * @throws IllegalStateException when OPA exits or is not healthy within 60 s, with its log; or
     *     when there is no OPA (see {@link OpaCli#locate()})
     */
    public OpaServer start() throws IOException, InterruptedException {
      List<String> files = new ArrayList<>();
      for (Path path : policy) {
        files.addAll(regoFiles(path));
      }
      OpaCli cli = opa != null ? opa : OpaCli.locate();
      Path workDir = Files.createTempDirectory("portcullis-opa-server");
      try {
        if (data != null) {
          files.add(
              Files.writeString(workDir.resolve("data.json"), data, StandardCharsets.UTF_8)
                  .toString());
        }
        int port = freePort();
        List<String> command =
            new ArrayList<>(
                List.of(
                    cli.executable().toString(),
                    "run",
                    "--server",
                    "--addr",
                    "127.0.0.1:" + port,
                    "--log-level",
                    "error",
                    "--skip-version-check",
                    "--shutdown-grace-period",
                    "1"));
        command.addAll(files);
        Process process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("opa.log").toFile())
                .start();
        OpaServer server = new OpaServer(process, URI.create("http://127.0.0.1:" + port), workDir);
        try {
          server.awaitHealthy();
        } catch (InterruptedException e) {
          server.close();
          throw e;
        }
        return server;
      } catch (IOException | RuntimeException e) {
        deleteRecursively(workDir);
        throw e;
      }
    }

    private static List<String> regoFiles(Path path) {
      if (!Files.exists(path)) {
        throw new IllegalArgumentException("no such policy file or directory: " + path);
      }
      if (!Files.isDirectory(path)) {
        return List.of(path.toAbsolutePath().toString());
      }
      try (Stream<Path> files = Files.walk(path)) {
        return files
            .filter(Files::isRegularFile)
            .map(file -> file.toAbsolutePath().toString())
            .filter(name -> name.endsWith(".rego") && !name.endsWith("_test.rego"))
            .sorted()
            .toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + path, e);
      }
    }
  }
}
