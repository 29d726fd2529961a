package dev.portcullis.opa;

import java.util.Map;

/**
 * The default runtime: every instance is a new Chicory instance of one shared {@link CompiledWasm},
 * so an instance costs its wasm memory and a few objects, not a compilation.
 */
final class SharedWasmModule implements PolicyModule {

  private final CompiledWasm compiled;
  private final int maxMemoryPages;

  SharedWasmModule(CompiledWasm compiled, int maxMemoryPages) {
    this.compiled = compiled;
    this.maxMemoryPages = maxMemoryPages;
  }

  @Override
  public Map<String, Integer> entrypoints() {
    return compiled.entrypoints();
  }

  @Override
  public PolicyInstance instantiate(int entrypoint, String data) {
    return OpaAbiInstance.create(compiled, maxMemoryPages, entrypoint, data);
  }

  @Override
  public String runtime() {
    return "shared/" + compiled.compilation();
  }
}
