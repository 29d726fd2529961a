package dev.portcullis.benchmarks;

import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The thread CPU time of each {@code evaluate} call, as percentiles, for a machine too loaded for
 * wall-clock latencies to mean much: time a thread spends waiting for a core is not counted. {@code
 * threads} threads share an engine of as many instances, each measuring its own calls after a
 * warm-up.
 *
 * <pre>java -cp benchmarks.jar dev.portcullis.benchmarks.EvaluateCpuTime engine threads calls</pre>
 *
 * with {@code engine} one of {@link Engines}' names, such as wasm-compiled or wasm-opa-java-wasm.
 */
public final class EvaluateCpuTime {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private EvaluateCpuTime() {}

  public static void main(String[] args) throws Exception {
    String engineName = args.length > 0 ? args[0] : Engines.WASM_COMPILED;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
    for (ScannerRequests request : ScannerRequests.values()) {
      PolicyEngine engine = Engines.create(engineName, threads);
      PolicyInput input = request.input();
      ExecutorService pool =
          Executors.newFixedThreadPool(
              threads,
              runnable -> {
                Thread thread = new Thread(runnable);
                thread.setDaemon(true);
                return thread;
              });
      Future<?>[] running = new Future<?>[threads];
      long[][] samples = new long[threads][];
      for (int t = 0; t < threads; t++) {
        int thread = t;
        running[t] = pool.submit(() -> samples[thread] = measure(engine, input, calls));
      }
      for (Future<?> future : running) {
        future.get();
      }
      pool.shutdown();
      engine.close();
      long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
      System.out.printf(
          "engine=%s request=%s threads=%d calls=%d cpu_us p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f%n",
          engineName,
          request.name().toLowerCase(java.util.Locale.ROOT),
          threads,
          all.length,
          percentile(all, 0.50),
          percentile(all, 0.90),
          percentile(all, 0.99),
          percentile(all, 0.999));
    }
  }

  private static long[] measure(PolicyEngine engine, PolicyInput input, int calls) {
    for (int i = 0; i < calls; i++) {
      evaluate(engine, input);
    }
    long[] cpu = new long[calls];
    for (int i = 0; i < calls; i++) {
      long started = THREADS.getCurrentThreadCpuTime();
      evaluate(engine, input);
      cpu[i] = THREADS.getCurrentThreadCpuTime() - started;
    }
    return cpu;
  }

  /** Evaluates; an engine refusal (busy, timed out on a loaded machine) is printed, not fatal. */
  private static void evaluate(PolicyEngine engine, PolicyInput input) {
    try {
      engine.evaluate(input);
    } catch (PolicyEvaluationException e) {
      System.err.println("evaluation refused: " + e.getMessage());
    }
  }

  private static double percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1000.0;
  }
}
