package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.spi.PolicyEngine;
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
 * One full decision of the default SonarQube policy, per engine and request.
 *
 * <p>{@link #evaluate} is {@code PolicyEngine.evaluate(PolicyInput)}: input serialization,
 * evaluation and result parsing. {@link #decide} is the whole {@code PolicyEnforcer.decide} path a
 * gateway runs, with canonicalization, header selection, credential parsing and verification added.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DecisionBenchmark {

  @Param({Engines.WASM_COMPILED, Engines.WASM_INTERPRETER, Engines.JAVA})
  public String engine;

  @Param({"allowed", "denied"})
  public String request;

  /**
   * Pooled wasm instances; at least the number of benchmark threads (run with -t 2 and -p
   * instances=2).
   */
  @Param({"2"})
  public int instances;

  private PolicyEngine policyEngine;
  private PolicyEnforcer enforcer;
  private PolicyInput input;
  private RawRequest raw;

  @Setup(Level.Trial)
  public void setUp() {
    ScannerRequests scannerRequest = ScannerRequests.byName(request);
    policyEngine = Engines.create(engine, instances);
    enforcer = ScannerRequests.enforcer(policyEngine);
    input = scannerRequest.input();
    raw = scannerRequest.raw();
    Decision decision = enforcer.decide(raw, RawRequest.ACCESSOR);
    if (decision.allow() != (scannerRequest == ScannerRequests.ALLOWED)) {
      throw new IllegalStateException(
          engine + " decided " + decision + " for the " + request + " request");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    policyEngine.close();
  }

  @Benchmark
  public Decision evaluate() {
    return policyEngine.evaluate(input);
  }

  @Benchmark
  public Decision decide() {
    return enforcer.decide(raw, RawRequest.ACCESSOR);
  }
}
