package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.styra.opa.wasm.OpaPolicy;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The shared runtime (one compiled module, instances driven through the OPA ABI) against
 * opa-java-wasm's {@code OpaPolicy} on the same module, entrypoints, data and generated inputs: the
 * result sets must be the same JSON, byte for byte. The instances are built once and reused by
 * every try, so a heap that was not reset between evaluations would show up as a difference or a
 * failure.
 */
class SharedRuntimeAgreesWithOpaPolicyProperties {

  private static final PolicySource POLICY = PolicySource.classpath("enginetest/policy.wasm");
  private static final List<String> ENTRYPOINTS =
      List.of(
          "enginetest/decision",
          "enginetest/echo",
          "enginetest/malformed",
          "enginetest/partial",
          "enginetest/deny_with_ok_status",
          "enginetest/by_data");
  private static final String DATA =
      "{\"config\":{\"name\":\"caf\\u00e9 \\u2713\",\"allowed_paths\":[\"/a\",\"/allowed\",\"/\"]}}";

  private static final Map<String, PolicyInstance> SHARED = new HashMap<>();
  private static final Map<String, OpaPolicy> REFERENCE = new HashMap<>();
  private static CompiledWasm compiled;

  @BeforeContainer
  static void loadBoth() {
    byte[] wasm = POLICY.wasm();
    compiled = CompiledWasm.load(wasm, POLICY.sha256(), true);
    for (String entrypoint : ENTRYPOINTS) {
      int index = compiled.entrypoints().get(entrypoint);
      SHARED.put(entrypoint, OpaAbiInstance.create(compiled, 1024, index, DATA));
      OpaPolicy reference =
          OpaPolicy.builder().withPolicy(wasm).withMaxMemory(1024).build().entrypoint(index);
      reference.data(DATA);
      REFERENCE.put(entrypoint, reference);
    }
  }

  @Property(tries = 300)
  void sameResultSetForAnyInput(
      @ForAll("entrypoints") String entrypoint, @ForAll("inputs") String inputJson) {
    assertThat(SHARED.get(entrypoint).evaluate(inputJson))
        .isEqualTo(REFERENCE.get(entrypoint).evaluate(inputJson));
  }

  @Property(tries = 100)
  void sameResultSetForRequestShapedInputs(
      @ForAll("entrypoints") String entrypoint, @ForAll("requests") String inputJson) {
    assertThat(SHARED.get(entrypoint).evaluate(inputJson))
        .isEqualTo(REFERENCE.get(entrypoint).evaluate(inputJson));
  }

  @Example
  void theSameEntrypointsAreFound() {
    Map<String, Integer> reference =
        OpaPolicy.builder().withPolicy(POLICY.wasm()).build().entrypoints();
    assertThat(compiled.entrypoints()).isEqualTo(reference);
  }

  @Example
  void memoryDoesNotGrowWithTheNumberOfEvaluations() {
    int index = compiled.entrypoints().get("enginetest/echo");
    PolicyInstance instance = OpaAbiInstance.create(compiled, 64, index, DATA);
    String input = "{\"request\":{\"path\":\"/" + "x".repeat(20_000) + "\"}}";
    // 64 pages (4 MiB) hold a few hundred of these evaluations at most if nothing were reclaimed.
    for (int i = 0; i < 5_000; i++) {
      assertThat(instance.evaluate(input)).contains("xxxx");
    }
  }

  @Example
  void anInputLargerThanTheMaximumMemoryFailsInsteadOfGrowing() {
    int index = compiled.entrypoints().get("enginetest/echo");
    PolicyInstance instance = OpaAbiInstance.create(compiled, 16, index, DATA);
    String input = "{\"p\":\"" + "x".repeat(2 << 20) + "\"}";
    assertThatThrownBy(() -> instance.evaluate(input)).isInstanceOf(RuntimeException.class);
  }

  @Example
  void oneCompilationPerContentHash() {
    assertThat(CompiledWasm.load(POLICY.wasm(), POLICY.sha256(), true)).isSameAs(compiled);
    assertThat(CompiledWasm.load(POLICY.wasm(), POLICY.sha256(), false)).isNotSameAs(compiled);
  }

  @Provide
  Arbitrary<String> entrypoints() {
    return Arbitraries.of(ENTRYPOINTS);
  }

  @Provide
  Arbitrary<String> inputs() {
    return Arbitraries.recursive(this::scalar, this::container, 0, 4)
        .map(SharedRuntimeAgreesWithOpaPolicyProperties::json);
  }

  @Provide
  Arbitrary<String> requests() {
    Arbitrary<String> paths =
        Arbitraries.oneOf(
            Arbitraries.of("/", "/allowed", "/defined", "/a", "/other"),
            Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30).map(s -> "/" + s));
    Arbitrary<List<Object>> values =
        Arbitraries.strings()
            .withCharRange(' ', 'ÿ')
            .ofMaxLength(8)
            .map(s -> (Object) s)
            .list()
            .ofMaxSize(6);
    return net.jqwik.api.Combinators.combine(paths, values)
        .as(
            (path, query) ->
                json(
                    Map.of(
                        "request",
                        Map.of("method", "GET", "path", path, "query", Map.of("n", query)),
                        "client",
                        Map.of("ip", "127.0.0.1"))));
  }

  private Arbitrary<Object> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(6).map(s -> (Object) s),
        Arbitraries.longs().map(n -> (Object) n),
        Arbitraries.doubles().between(-1e9, 1e9).ofScale(4).map(d -> (Object) d.doubleValue()),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.just(null));
  }

  private Arbitrary<Object> container(Arbitrary<Object> element) {
    return Arbitraries.oneOf(
        element.list().ofMaxSize(4).map(list -> (Object) list),
        Arbitraries.maps(Arbitraries.strings().ofMaxLength(6), element)
            .ofMaxSize(4)
            .map(map -> (Object) map));
  }

  private static String json(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = new JsonFactory().createGenerator(out)) {
      write(generator, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator generator, Object value) throws IOException {
    if (value instanceof Map) {
      generator.writeStartObject();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        generator.writeFieldName((String) entry.getKey());
        write(generator, entry.getValue());
      }
      generator.writeEndObject();
    } else if (value instanceof List) {
      generator.writeStartArray();
      for (Object element : (List<?>) value) {
        write(generator, element);
      }
      generator.writeEndArray();
    } else if (value instanceof String) {
      generator.writeString((String) value);
    } else if (value instanceof Long) {
      generator.writeNumber((Long) value);
    } else if (value instanceof Double) {
      generator.writeNumber((Double) value);
    } else if (value instanceof Boolean) {
      generator.writeBoolean((Boolean) value);
    } else {
      generator.writeNull();
    }
  }
}
