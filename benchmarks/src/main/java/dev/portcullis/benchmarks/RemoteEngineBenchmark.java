package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.OpaServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * the same policy and data, started by the benchmark with the testkit's {@link OpaServer} (run from
 * the repository or below it). {@code PolicyEngine.evaluate}: input serialization, evaluation (for
 * the remote engine, an HTTP exchange on a kept-alive connection and OPA's own evaluation) and
 * result parsing. Sample time, so JMH reports percentiles.
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
  private OpaServer opa;
  private PolicyInput input;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ScannerRequests scannerRequest = ScannerRequests.byName(request);
    input = scannerRequest.input();
    if (engine.equals("embedded")) {
      policyEngine = SonarQubePolicy.engine(null).instances(2).build();
    } else {
      opa = startOpa();
      RemoteOpaPolicyEngine remote =
          RemoteOpaPolicyEngine.builder()
              .url(opa.url())
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
  public void tearDown() {
    policyEngine.close();
    if (opa != null) {
      opa.close();
    }
  }

  @Benchmark
  public Decision evaluate() {
    return policyEngine.evaluate(input);
  }

  /** {@code opa run --server} with the policy's Rego and default data on a free loopback port. */
  private static OpaServer startOpa() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isDirectory(root.resolve("policies/src/main/rego"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException("run from the repository: policies/src/main/rego not found");
    }
    return OpaServer.builder()
        .policy(root.resolve("policies/src/main/rego"))
        .data(SonarQubePolicy.defaultData())
        .start();
  }
}
