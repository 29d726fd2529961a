/**
 * The default policy engine: OPA Rego policies compiled to WebAssembly, run in-process by
 * opa-java-wasm on the Chicory runtime. The only package that touches {@code com.styra.opa.wasm}.
 */
package dev.portcullis.opa;
