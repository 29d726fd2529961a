package dev.portcullis.benchmarks;

import com.styra.opa.wasm.OpaPolicy;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.internal.DecisionDocument;
import dev.portcullis.opa.OpaBundle;
import dev.portcullis.policies.SonarQubePolicy;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Where the time of one wasm decision goes, one stage at a time, on a bare {@link OpaPolicy} in
 * compiled mode (no pool, no watchdog bookkeeping).
 *
 * <ul>
 *   <li>{@link #serialize}: {@code PolicyInput.toJson()};
 *   <li>{@link #loadInput}: {@code OpaPolicy.input(json)}, copying the input into wasm memory and
 *       parsing it there ({@code opa_malloc} + {@code opa_json_parse});
 *   <li>{@link #rawEvaluate}: {@code OpaPolicy.evaluate(json)}, which is {@code loadInput} plus the
 *       policy evaluation and {@code opa_json_dump} of the result;
 *   <li>{@link #parseResult}: reading the result set into a {@code Decision} with the engine's own
 *       reader (core's internal {@code DecisionDocument}; the benchmarks are part of this build,
 *       not a user).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BreakdownBenchmark {

  @Param({"allowed", "denied"})
  public String request;

  /**
   * The policy: empty for the bundled default policy, or the path of an {@code opa build -t wasm}
   * bundle (policy and data) with the same entrypoint, to measure a restructured copy of the Rego.
   */
  @Param({""})
  public String bundle;

  private PolicyInput input;
  private String inputJson;
  private String resultSet;
  private OpaPolicy policy;

  @Setup(Level.Trial)
  public void setUp() {
    input = ScannerRequests.byName(request).input();
    inputJson = input.toJson();
    if (bundle.isEmpty()) {
      policy = OpaPolicy.builder().withPolicy(SonarQubePolicy.source().wasm()).build();
      policy.entrypoint(SonarQubePolicy.ENTRYPOINT);
      policy.data(SonarQubePolicy.data(null));
    } else {
      OpaBundle opaBundle = OpaBundle.read(Path.of(bundle));
      policy = OpaPolicy.builder().withPolicy(opaBundle.policy().wasm()).build();
      policy.entrypoint(SonarQubePolicy.ENTRYPOINT);
      policy.data(opaBundle.data());
    }
    resultSet = policy.evaluate(inputJson);
    Decision decision = DecisionDocument.parse(resultSet);
    if (decision.allow() != (ScannerRequests.byName(request) == ScannerRequests.ALLOWED)) {
      throw new IllegalStateException(
          "the policy decided " + decision + " for the " + request + " request");
    }
  }

  @Benchmark
  public String serialize() {
    return input.toJson();
  }

  @Benchmark
  public OpaPolicy loadInput() {
    return policy.input(inputJson);
  }

  @Benchmark
  public String rawEvaluate() {
    return policy.evaluate(inputJson);
  }

  @Benchmark
  public Decision parseResult() {
    return DecisionDocument.parse(resultSet);
  }
}
