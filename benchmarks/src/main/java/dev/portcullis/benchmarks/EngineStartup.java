package dev.portcullis.benchmarks;

import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.policies.SonarQubePolicy;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.Arrays;

/**
 * Start-up time and footprint of the default engine, in a fresh JVM: the wall-clock time of {@code
 * build()} (module loaded, every instance created and warmed up), the CPU time the process spent
 * meanwhile (all threads, JIT included: less dependent on the machine's load) and the heap (after a
 * full GC), metaspace and loaded classes it adds. Run once per configuration, choosing the runtime
 * with {@code -Dportcullis.opa.runtime=shared|opa-java-wasm}:
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.portcullis.benchmarks.EngineStartup 4 [warmUp]
 * </pre>
 */
public final class EngineStartup {

  private EngineStartup() {}

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    boolean fresh = args.length > 2 && args[2].equals("fresh");
    // Load the library classes (and the input) first, so only the policy's own cost is counted.
    PolicySource source =
        fresh
            ? PolicySource.bytes("fresh.wasm", withCustomSection(SonarQubePolicy.source().wasm()))
            : SonarQubePolicy.source();
    OpaWasmPolicyEngine.builder();
    Snapshot before = Snapshot.take();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStarted = os.getProcessCpuTime();
    long started = System.nanoTime();
    OpaWasmPolicyEngine engine =
        SonarQubePolicy.engine(null).policy(source).instances(instances).warmUp(warmUp).build();
    long readyMillis = (System.nanoTime() - started) / 1_000_000;
    long cpuMillis = (os.getProcessCpuTime() - cpuStarted) / 1_000_000;
    Snapshot after = Snapshot.take();
    System.out.printf(
        "runtime=%s%s instances=%d warm_up=%d ready_ms=%d cpu_ms=%d heap_mib=%.1f metaspace_mib=%.1f"
            + " classes=%d%n",
        System.getProperty("portcullis.opa.runtime", "shared"),
        fresh ? "(fresh hash)" : "",
        instances,
        warmUp,
        readyMillis,
        cpuMillis,
        (after.heap - before.heap) / 1048576.0,
        (after.metaspace - before.metaspace) / 1048576.0,
        after.classes - before.classes);
    engine.close();
  }

  /** The module plus an empty custom section named "x": same code, another SHA-256. */
  private static byte[] withCustomSection(byte[] wasm) {
    byte[] section = {0, 2, 1, 'x'};
    byte[] out = Arrays.copyOf(wasm, wasm.length + section.length);
    System.arraycopy(section, 0, out, wasm.length, section.length);
    return out;
  }

  private record Snapshot(long heap, long metaspace, long classes) {
    static Snapshot take() {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      long metaspace = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getName().equals("Metaspace")) {
          metaspace = pool.getUsage().getUsed();
        }
      }
      ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
      return new Snapshot(
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
          metaspace,
          classes.getLoadedClassCount());
    }
  }
}
