package dev.portcullis.opa;

import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.styra.opa.wasm.DefaultMappers;
import com.styra.opa.wasm.OpaWasm;
import com.styra.opa.wasm.OpaWasm_ModuleExports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One loaded OPA wasm module, evaluated through the ABI's single-call {@code opa_eval} export: the
 * input is written straight into wasm memory above the resident data, and one call parses it,
 * evaluates the entrypoint and dumps the result. opa-java-wasm's {@code OpaPolicy} takes the
 * step-by-step path instead (context, parse, set, eval, dump: a dozen calls across the wasm boundary),
 * which costs several microseconds per decision.
 *
 * <p>Not thread-safe: the engine's pool gives each instance to one thread at a time.
 */
final class WasmPolicyInstance {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int INITIAL_PAGES = 10;
  private static final int JSON_FORMAT = 0;

  private final OpaWasm wasm;
  private final OpaWasm_ModuleExports exports;
  private final Memory memory;
  private int entrypoint = -1;
  private int dataAddress;
  private int inputAddress;

  WasmPolicyInstance(byte[] module, boolean compiled, int maxMemoryPages) {
    OpaWasm.Builder builder = OpaWasm.builder()
        .withInputStream(new ByteArrayInputStream(module))
        .withJsonMapper(DefaultMappers.jsonMapper)
        .withYamlMapper(DefaultMappers.yamlMapper)
        .withMemory(new ByteBufferMemory(new MemoryLimits(INITIAL_PAGES, maxMemoryPages)))
        .withDefaultBuiltins(true);
    if (!compiled) {
      builder.disableCompiler();
    }
    this.wasm = builder.build();
    this.exports = wasm.exports();
    this.memory = wasm.memory();
    long major = exports.opaWasmAbiVersion().getValue();
    long minor = exports.opaWasmAbiMinorVersion().getValue();
    if (major != 1 || minor < 2) {
      throw new IllegalArgumentException("OPA wasm ABI " + major + "." + minor + " has no opa_eval; 1.2 or later is needed");
    }
  }

  /** The module's entrypoints by name. */
  Map<String, Integer> entrypoints() {
    try {
      return JSON.readValue(dumpJson(exports.entrypoints()), new TypeReference<Map<String, Integer>>() {});
    } catch (IOException e) {
      throw new IllegalStateException("the policy's entrypoint table is not JSON", e);
    }
  }

  /** Selects the entrypoint every evaluation runs. */
  WasmPolicyInstance entrypoint(int id) {
    this.entrypoint = id;
    return this;
  }

  /** Loads the data document once; it stays resident below the area each evaluation reuses. */
  WasmPolicyInstance data(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    int text = exports.opaMalloc(bytes.length);
    memory.write(text, bytes);
    dataAddress = exports.opaJsonParse(text, bytes.length);
    exports.opaFree(text);
    if (dataAddress == 0) {
      throw new IllegalArgumentException("the data document could not be parsed by the policy");
    }
    inputAddress = exports.opaHeapPtrGet();
    return this;
  }

  /** Evaluates the entrypoint for one input document; returns the result set as JSON. */
  String evaluate(String inputJson) {
    byte[] input = inputJson.getBytes(StandardCharsets.UTF_8);
    ensureCapacity(inputAddress + input.length);
    memory.write(inputAddress, input);
    int heap = inputAddress + input.length;
    int result = exports.opaEval(0, entrypoint, dataAddress, inputAddress, input.length, heap, JSON_FORMAT);
    return memory.readCString(result, StandardCharsets.UTF_8);
  }

  private void ensureCapacity(int end) {
    int missing = end - memory.pages() * Memory.PAGE_SIZE;
    if (missing > 0 && memory.grow((missing + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE) < 0) {
      throw new IllegalStateException("the input does not fit into the policy's memory limit");
    }
  }

  private String dumpJson(int value) {
    int text = exports.opaJsonDump(value);
    String json = memory.readCString(text, StandardCharsets.UTF_8);
    exports.opaFree(text);
    return json;
  }
}
