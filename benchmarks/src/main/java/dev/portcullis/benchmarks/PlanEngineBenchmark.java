package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.plan.PlanPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
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
 * {@code PolicyEngine.evaluate} of the default SonarQube policy on the plan engine (OPA's plan on
 * Java values) next to the wasm engine in the same run, per request. Run with {@code -t 2} to see
 * it at two threads: the plan engine has no pool, every thread shares one plan.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PlanEngineBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PlanEngineBenchmark {

  @Param({"plan", Engines.WASM_COMPILED})
  public String engine;

  @Param({"allowed", "denied"})
  public String request;

  private PolicyEngine policyEngine;
  private PolicyInput input;

  @Setup(Level.Trial)
  public void setUp() {
    ScannerRequests scannerRequest = ScannerRequests.byName(request);
    policyEngine =
        engine.equals("plan")
            ? PlanPolicyEngine.builder()
                .sonarQubePlan()
                .entrypoint(SonarQubePolicy.ENTRYPOINT)
                .data(SonarQubePolicy.data(null))
                .build()
            : Engines.create(engine, 2);
    input = scannerRequest.input();
    Decision decision = policyEngine.evaluate(input);
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
}
