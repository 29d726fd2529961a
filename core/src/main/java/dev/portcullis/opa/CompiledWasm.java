package dev.portcullis.opa;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.CompiledModule;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy module parsed once and, in compiled mode, translated to JVM bytecode once, shared by
 * every instance of every engine that loads the same bytes: the generated classes, their metaspace
 * and their JIT-compiled code exist once, however many instances run them.
 *
 * <p>The bytecode comes, in order of preference, from a class compiled at build time by Chicory's
 * build-time compiler and indexed by the policy's SHA-256 under {@value #BUILD_TIME_INDEX} (the
 * bundled policy ships one), or from Chicory's runtime compiler, once per content hash.
 *
 * @param module the parsed module; every instance must be built from this very object
 * @param machineFactory the shared compiled code, or null to interpret
 * @param entrypoints the module's entrypoints, by name
 * @param compilation how the code was compiled, for the load log line
 */
record CompiledWasm(
    WasmModule module,
    Function<Instance, Machine> machineFactory,
    Map<String, Integer> entrypoints,
    String compilation) {

  /** Where a class compiled at build time is named, by the SHA-256 of the policy it was made of. */
  static final String BUILD_TIME_INDEX = "META-INF/portcullis/compiled-policies/";

  private static final Logger LOG = LoggerFactory.getLogger(CompiledWasm.class);

  /**
   * Loaded modules by content hash and mode. Weak values: a module lives as long as an engine uses
   * it, and its generated classes can be unloaded after the last one is closed and collected.
   */
  private static final Cache<String, CompiledWasm> LOADED =
      Caffeine.newBuilder().weakValues().build();

  CompiledWasm {
    entrypoints = Map.copyOf(entrypoints);
  }

  /**
   * The shared module for {@code wasm}, parsed and compiled on the first call for its content hash
   * only; concurrent first calls wait for one compilation.
   *
   * @throws UnsupportedPolicyException when the module needs what this runtime does not implement
   *     (host built-ins, another ABI version); the caller falls back to opa-java-wasm
   */
  static CompiledWasm load(byte[] wasm, String sha256, boolean compiled) {
    String key = sha256 + (compiled ? "/compiled" : "/interpreted");
    return LOADED.get(key, ignored -> create(wasm, sha256, compiled));
  }

  private static CompiledWasm create(byte[] wasm, String sha256, boolean compiled) {
    CompiledWasm candidate = compiled ? buildTime(sha256) : null;
    if (candidate == null) {
      WasmModule module = Parser.parse(wasm);
      candidate =
          new CompiledWasm(
              module,
              compiled ? MachineFactoryCompiler.compile(module) : null,
              Map.of(),
              compiled ? "runtime-compiled-once" : "interpreter");
    }
    return candidate.withEntrypoints(OpaAbiInstance.probe(candidate));
  }

  private CompiledWasm withEntrypoints(Map<String, Integer> found) {
    return new CompiledWasm(module, machineFactory, found, compilation);
  }

  /**
   * The class compiled at build time for this content hash, if one is on the class path and loads;
   * null otherwise (the runtime compiler then does the work).
   */
  private static CompiledWasm buildTime(String sha256) {
    ClassLoader loader = CompiledWasm.class.getClassLoader();
    String className;
    try (InputStream in = loader.getResourceAsStream(BUILD_TIME_INDEX + sha256)) {
      if (in == null) {
        return null;
      }
      className = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      LOG.warn("build-time policy index unreadable sha256={} cause={}", sha256, e.toString());
      return null;
    }
    try {
      CompiledModule compiledModule =
          (CompiledModule)
              Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
      return new CompiledWasm(
          compiledModule.wasmModule(),
          compiledModule.machineFactory(),
          Map.of(),
          "build-time:" + className);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warn(
          "build-time compiled policy class unusable, compiling at run time instead class={} cause={}",
          className,
          e.toString());
      return null;
    }
  }

  /** Why the shared runtime cannot run a module; the engine then uses opa-java-wasm. */
  static final class UnsupportedPolicyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedPolicyException(String reason) {
      super(reason);
    }
  }
}
