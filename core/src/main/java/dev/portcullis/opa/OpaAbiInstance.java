package dev.portcullis.opa;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Chicory instance of a {@link CompiledWasm} module, driven through the OPA wasm ABI (1.2 and
 * later): the data document is parsed into wasm memory once, and each evaluation writes the input
 * right after it and calls {@code opa_eval}, which parses the input, evaluates the entrypoint and
 * returns the result set as JSON, allocating from the heap pointer it is given. Every evaluation
 * starts from the same heap pointer, so memory does not grow with the number of evaluations.
 *
 * <p>Not thread-safe: one evaluation at a time.
 */
final class OpaAbiInstance implements PolicyInstance {

  private static final Logger LOG = LoggerFactory.getLogger(OpaAbiInstance.class);
  private static final JsonFactory JSON = new JsonFactory();

  /** OpaPolicy's initial memory, in 64 KiB pages. */
  private static final int INITIAL_PAGES = 10;

  private static final int JSON_FORMAT = 0;

  private final Memory memory;
  private final ExportFunction opaEval;
  private final int entrypoint;
  private final int dataAddr;
  private final int inputAddr;

  private OpaAbiInstance(Instance instance, int entrypoint, String data) {
    this.memory = instance.memory();
    this.opaEval = instance.export("opa_eval");
    this.entrypoint = entrypoint;
    this.dataAddr = parseJson(instance, data);
    this.inputAddr = heapPtr(instance);
  }

  /** A new instance of {@code compiled} evaluating {@code entrypoint}, with {@code data} loaded. */
  static OpaAbiInstance create(
      CompiledWasm compiled, int maxMemoryPages, int entrypoint, String data) {
    return new OpaAbiInstance(newInstance(compiled, maxMemoryPages), entrypoint, data);
  }

  @Override
  public String evaluate(String inputJson) {
    byte[] input = inputJson.getBytes(StandardCharsets.UTF_8);
    int heapStart = inputAddr + input.length;
    ensureMemory(heapStart);
    memory.write(inputAddr, input);
    int resultAddr =
        (int)
            opaEval
                .apply(0, entrypoint, dataAddr, inputAddr, input.length, heapStart, JSON_FORMAT)[0];
    return memory.readCString(resultAddr, StandardCharsets.UTF_8);
  }

  private void ensureMemory(int end) {
    long missing = (long) end - (long) memory.pages() * Memory.PAGE_SIZE;
    if (missing > 0
        && memory.grow((int) ((missing + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE)) < 0) {
      throw new IllegalStateException("the input does not fit in the policy's maximum memory");
    }
  }

  /**
   * Checks on a throw-away instance that this runtime can run {@code compiled} and returns its
   * entrypoints.
   *
   * @throws CompiledWasm.UnsupportedPolicyException when it cannot
   */
  static Map<String, Integer> probe(CompiledWasm compiled) {
    Instance instance;
    try {
      instance = newInstance(compiled, INITIAL_PAGES * 2);
    } catch (RuntimeException e) {
      throw new CompiledWasm.UnsupportedPolicyException("it could not be instantiated: " + e);
    }
    long major = global(instance, "opa_wasm_abi_version");
    long minor = global(instance, "opa_wasm_abi_minor_version");
    if (major != 1 || minor < 2) {
      throw new CompiledWasm.UnsupportedPolicyException(
          "its OPA wasm ABI is " + major + "." + minor + ", not 1.2 or later");
    }
    Map<String, Long> builtins = dumpObject(instance, call(instance, "builtins"));
    if (!builtins.isEmpty()) {
      throw new CompiledWasm.UnsupportedPolicyException(
          "it calls built-ins the host must implement: " + builtins.keySet());
    }
    Map<String, Integer> entrypoints = new HashMap<>();
    dumpObject(instance, call(instance, "entrypoints"))
        .forEach((name, id) -> entrypoints.put(name, Math.toIntExact(id)));
    return entrypoints;
  }

  private static long global(Instance instance, String name) {
    try {
      return instance.exports().global(name).getValue();
    } catch (RuntimeException e) {
      throw new CompiledWasm.UnsupportedPolicyException("it exports no global '" + name + "'");
    }
  }

  private static int call(Instance instance, String export, long... args) {
    return (int) instance.export(export).apply(args)[0];
  }

  private static int heapPtr(Instance instance) {
    return call(instance, "opa_heap_ptr_get");
  }

  private static int parseJson(Instance instance, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    int stringAddr = call(instance, "opa_malloc", bytes.length);
    instance.memory().write(stringAddr, bytes);
    int valueAddr = call(instance, "opa_json_parse", stringAddr, bytes.length);
    instance.export("opa_free").apply(stringAddr);
    if (valueAddr == 0) {
      throw new IllegalArgumentException("the policy could not parse the data document");
    }
    return valueAddr;
  }

  /** An object of integers in wasm memory, such as the entrypoints or the built-ins. */
  private static Map<String, Long> dumpObject(Instance instance, int valueAddr) {
    int stringAddr = call(instance, "opa_json_dump", valueAddr);
    String json = instance.memory().readCString(stringAddr, StandardCharsets.UTF_8);
    instance.export("opa_free").apply(stringAddr);
    Map<String, Long> values = new HashMap<>();
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new CompiledWasm.UnsupportedPolicyException("unexpected ABI answer " + json);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        values.put(name, parser.getLongValue());
      }
    } catch (IOException e) {
      throw new CompiledWasm.UnsupportedPolicyException("unexpected ABI answer " + json);
    }
    return values;
  }

  private static Instance newInstance(CompiledWasm compiled, int maxMemoryPages) {
    Memory memory =
        new ByteArrayMemory(
            new MemoryLimits(Math.min(INITIAL_PAGES, maxMemoryPages), maxMemoryPages));
    ImportValues imports =
        ImportValues.builder()
            .addMemory(new ImportMemory("env", "memory", memory))
            .addFunction(
                new HostFunction(
                    "env", "opa_abort", FunctionType.accepting(ValType.I32), OpaAbiInstance::abort),
                new HostFunction(
                    "env",
                    "opa_println",
                    FunctionType.accepting(ValType.I32),
                    OpaAbiInstance::println),
                builtin(0),
                builtin(1),
                builtin(2),
                builtin(3),
                builtin(4))
            .build();
    Instance.Builder builder = Instance.builder(compiled.module()).withImportValues(imports);
    if (compiled.machineFactory() != null) {
      builder.withMachineFactory(compiled.machineFactory());
    }
    return builder.build();
  }

  private static long[] abort(Instance instance, long... args) {
    throw new PolicyAbortedException(
        instance.memory().readCString((int) args[0], StandardCharsets.UTF_8));
  }

  private static long[] println(Instance instance, long... args) {
    LOG.debug(
        "policy print: {}", instance.memory().readCString((int) args[0], StandardCharsets.UTF_8));
    return null;
  }

  /**
   * {@code opa_builtin<arity>}: never called by a module that {@link #probe} accepted, since it
   * lists no built-ins; a module that does goes to opa-java-wasm instead.
   */
  private static HostFunction builtin(int arity) {
    ValType[] params = new ValType[arity + 2];
    Arrays.fill(params, ValType.I32);
    return new HostFunction(
        "env",
        "opa_builtin" + arity,
        FunctionType.of(params, new ValType[] {ValType.I32}),
        (instance, args) -> {
          throw new IllegalStateException(
              "built-in " + args[0] + " is not implemented by the host");
        });
  }

  /** The policy called {@code opa_abort}, for instance on a conflict between rule values. */
  static final class PolicyAbortedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PolicyAbortedException(String message) {
      super("policy aborted: " + message);
    }
  }
}
