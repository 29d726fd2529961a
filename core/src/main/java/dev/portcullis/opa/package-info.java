/**
 * The default policy engine: OPA Rego policies compiled to WebAssembly, run in-process on the
 * Chicory runtime, compiled to JVM bytecode once per policy and shared by every instance
 * (opa-java-wasm as the fallback). The only package that touches {@code com.styra.opa.wasm} and
 * {@code com.dylibso.chicory}.
 */
package dev.portcullis.opa;
