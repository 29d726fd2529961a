package dev.portcullis.benchmarks;

import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;

/** The engines the benchmarks compare, by their {@code @Param} names. */
final class Engines {

  static final String WASM_COMPILED = "wasm-compiled";
  static final String WASM_INTERPRETER = "wasm-interpreter";

  /**
   * The former runtime, for comparison: opa-java-wasm, which compiles the module again for every
   * instance (select with {@code -p engine=wasm-opa-java-wasm}).
   */
  static final String WASM_OPA_JAVA_WASM = "wasm-opa-java-wasm";

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
      case WASM_OPA_JAVA_WASM:
        String before = System.getProperty("portcullis.opa.runtime");
        System.setProperty("portcullis.opa.runtime", "opa-java-wasm");
        try {
          return SonarQubePolicy.engine(null).compiled(true).instances(instances).build();
        } finally {
          if (before == null) {
            System.clearProperty("portcullis.opa.runtime");
          } else {
            System.setProperty("portcullis.opa.runtime", before);
          }
        }
      case JAVA:
        return new JavaSonarQubeRules();
      default:
        throw new IllegalArgumentException(
            "unknown engine '"
                + name
                + "'; use wasm-compiled, wasm-interpreter, wasm-opa-java-wasm or java");
    }
  }
}
