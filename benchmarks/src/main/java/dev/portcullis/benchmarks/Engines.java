package dev.portcullis.benchmarks;

import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;

/** The engines the benchmarks compare, by their {@code @Param} names. */
final class Engines {

  static final String WASM_COMPILED = "wasm-compiled";
  static final String WASM_INTERPRETER = "wasm-interpreter";
  static final String JAVA = "java";

  private Engines() {}

  /**
   * A ready engine; the wasm ones keep {@code instances} pooled instances, one per benchmark
   * thread.
   */
  static PolicyEngine create(String name, int instances) {
    switch (name) {
      case WASM_COMPILED:
        return SonarQubePolicy.engine(null).compiled(true).instances(instances).build();
      case WASM_INTERPRETER:
        return SonarQubePolicy.engine(null).compiled(false).instances(instances).warmUp(20).build();
      case JAVA:
        return new JavaSonarQubeRules();
      default:
        throw new IllegalArgumentException(
            "unknown engine '" + name + "'; use wasm-compiled, wasm-interpreter or java");
    }
  }
}
