package dev.portcullis.opa;

import com.styra.opa.wasm.OpaPolicy;
import java.util.Map;

/**
 * The fallback runtime: opa-java-wasm's {@link OpaPolicy}, which parses (and, when compiled,
 * compiles) the module again for every instance, but implements in Java the built-ins the wasm
 * target leaves to the host (such as {@code sprintf} or {@code json.marshal}).
 */
final class OpaJavaWasmModule implements PolicyModule {

  private final byte[] wasm;
  private final boolean compiled;
  private final int maxMemoryPages;
  private final Map<String, Integer> entrypoints;

  OpaJavaWasmModule(byte[] wasm, boolean compiled, int maxMemoryPages) {
    this.wasm = wasm;
    this.compiled = compiled;
    this.maxMemoryPages = maxMemoryPages;
    this.entrypoints = Map.copyOf(newPolicy().entrypoints());
  }

  private OpaPolicy newPolicy() {
    OpaPolicy.Builder builder = OpaPolicy.builder().withPolicy(wasm).withMaxMemory(maxMemoryPages);
    if (!compiled) {
      builder.disableCompiler();
    }
    return builder.build();
  }

  @Override
  public Map<String, Integer> entrypoints() {
    return entrypoints;
  }

  @Override
  public PolicyInstance instantiate(int entrypoint, String data) {
    OpaPolicy policy = newPolicy().entrypoint(entrypoint);
    policy.data(data);
    return policy::evaluate;
  }

  @Override
  public String runtime() {
    return "opa-java-wasm" + (compiled ? "/compiled-per-instance" : "/interpreter");
  }
}
