package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;
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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Per-decision latency of the two engines on the same inputs: the embedded wasm engine (compiled,
 * no decision cache) and the remote engine asking a real {@code opa run --server} on loopback with
 * the same policy and data, started by the benchmark with {@code tools/opa} (run from the
 * repository or below it). {@code PolicyEngine.evaluate}: input serialization, evaluation (for the
 * remote engine, an HTTP exchange on a kept-alive connection and OPA's own evaluation) and result
 * parsing. Sample time, so JMH reports percentiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RemoteEngineBenchmark {

  @Param({"embedded", "remote"})
  public String engine;

  @Param({"allowed", "denied"})
  public String request;

  private PolicyEngine policyEngine;
  private Process opa;
  private PolicyInput input;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ScannerRequests scannerRequest = ScannerRequests.byName(request);
    input = scannerRequest.input();
    if (engine.equals("embedded")) {
      policyEngine = SonarQubePolicy.engine(null).instances(2).build();
    } else {
      URI url = startOpa();
      RemoteOpaPolicyEngine remote =
          RemoteOpaPolicyEngine.builder()
              .url(url)
              .entrypoint(SonarQubePolicy.ENTRYPOINT)
              .requestTimeout(Duration.ofSeconds(5))
              .build();
      policyEngine = remote;
    }
    Decision decision = policyEngine.evaluate(input);
    if (decision.allow() != (scannerRequest == ScannerRequests.ALLOWED)) {
      throw new IllegalStateException(
          engine + " decided " + decision + " for the " + request + " request");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    policyEngine.close();
    if (opa != null) {
      opa.destroy();
      opa.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  public Decision evaluate() {
    return policyEngine.evaluate(input);
  }

  /** {@code opa run --server} with the policy's Rego and default data on a free loopback port. */
  private URI startOpa() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isRegularFile(root.resolve("tools/opa"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException("run from the repository: tools/opa not found");
    }
    Path work = Files.createTempDirectory("remote-engine-benchmark");
    Path rego = Files.createDirectories(work.resolve("rego"));
    try (Stream<Path> files = Files.walk(root.resolve("policies/src/main/rego"))) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".rego") && !p.toString().endsWith("_test.rego"))
              .toList()) {
        Files.copy(file, rego.resolve(file.getFileName()));
      }
    }
    Path data = Files.writeString(work.resolve("data.json"), SonarQubePolicy.defaultData());
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    opa =
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
                    rego.toString(),
                    data.toString()))
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("opa.log").toFile())
            .start();
    URI url = URI.create("http://127.0.0.1:" + port);
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && opa.isAlive()) {
      try {
        HttpResponse<Void> health =
            client.send(
                HttpRequest.newBuilder(url.resolve("/health")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (health.statusCode() == 200) {
          return url;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "opa run did not become healthy: " + Files.readString(work.resolve("opa.log")));
  }
}
