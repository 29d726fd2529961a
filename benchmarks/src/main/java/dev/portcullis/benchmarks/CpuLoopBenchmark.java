package dev.portcullis.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The machine's own tail: a loop of pure arithmetic, no allocation, no memory beyond registers and
 * no locks, about as long as a policy evaluation. Run in sample mode at the threads of {@link
 * DecisionBenchmark}, its p99 / p50 is what any operation of that length gets from the machine
 * (timer interrupts, the hypervisor), so it tells a policy's own tail from the machine's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
public class CpuLoopBenchmark {

  /**
   * {@link Blackhole#consumeCPU} tokens; 12000 take about 17 µs on the 2-core machine of the
   * README's performance table, about a denied request's evaluation.
   */
  @Param({"12000"})
  public long tokens;

  @Benchmark
  public void loop() {
    Blackhole.consumeCPU(tokens);
  }
}
