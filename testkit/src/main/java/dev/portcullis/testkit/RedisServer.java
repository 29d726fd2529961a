package dev.portcullis.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real {@code redis-server} for tests of a shared throttle: on loopback, on a free port, with
 * nothing persisted. It needs the binary on the {@code PATH} (Debian: {@code apt-get install
 * redis-server}; Portcullis's {@code .ci/run} installs it). {@link #stop()} and {@link
 * #startAgain()} play an outage on the same port.
 */
public final class RedisServer implements AutoCloseable {

  private final Path binary;
  private final int port;
  private final String password;
  private Process process;

  private RedisServer(Path binary, int port, String password) {
    this.binary = binary;
    this.port = port;
    this.password = password;
  }

  /**
   * Starts one.
   *
   * @throws IllegalStateException when there is no {@code redis-server}, saying what to install
   */
  public static RedisServer start() throws IOException, InterruptedException {
    return start("");
  }

  /**
   * Starts one that asks clients for {@code password} ({@code requirepass}); empty for none.
   *
   * @throws IllegalStateException when there is no {@code redis-server}, saying what to install
   */
  public static RedisServer start(String password) throws IOException, InterruptedException {
    RedisServer server = new RedisServer(binary(), freePort(), password);
    server.startAgain();
    return server;
  }

  private static Path binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "redis-server is not installed: these tests need a real Redis (Debian: apt-get install"
            + " redis-server; .ci/run installs it)");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The port it listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}, or {@code redis://:PASSWORD@127.0.0.1:PORT}. */
  public String url() {
    return "redis://" + (password.isEmpty() ? "" : ":" + password + "@") + "127.0.0.1:" + port;
  }

  /** Starts the server again on the same port, after {@link #stop()}; nothing was kept. */
  public void startAgain() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                List.of(
                    binary.toString(),
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--requirepass",
                    password))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server did not start on port " + port);
      }
      Thread.sleep(20);
    }
  }

  /** Stops the server, as an outage would. */
  public void stop() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      stop();
    }
  }
}
