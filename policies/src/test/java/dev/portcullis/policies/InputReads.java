package dev.portcullis.policies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.opa.InputField;
import dev.portcullis.testkit.OpaCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which input fields Rego modules read, from their syntax trees as the real {@code opa parse}
 * builds them: what proves a policy's declaration ({@link
 * dev.portcullis.opa.PolicySource#readsOnly}) instead of trusting it.
 *
 * <p>Deliberately strict: every occurrence of {@code input} anywhere in a module (rule bodies and
 * heads, function arguments, comprehensions, {@code with} targets, imports) must start a reference
 * whose leading constant keys name a field or something inside one, such as {@code
 * input.request.query[name]}. Anything else is refused, because its reads cannot be told from the
 * syntax: {@code input} whole ({@code x := input}, {@code f(input)}, {@code walk(input, ...)},
 * {@code with input as ...}), a variable key above a field ({@code input[_]}, {@code
 * input.request[k]}), an object above fields ({@code input.request.body}, {@code import
 * input.request}), and a local variable named {@code input}. Refusing is safe: the declaration then
 * fails its test and the policy must be written with constant paths.
 */
final class InputReads {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the modules read: the fields, and every reference that names no field. */
  record Result(Set<InputField> fields, List<String> unprovable) {}

  private final Set<InputField> fields = EnumSet.noneOf(InputField.class);
  private final List<String> unprovable = new ArrayList<>();

  private InputReads() {}

  /** Parses every {@code .rego} file under {@code root} with {@code opa} and reads its tree. */
  static Result ofDirectory(OpaCli opa, Path root) {
    InputReads reads = new InputReads();
    List<Path> modules;
    try (Stream<Path> files = Files.walk(root)) {
      modules = files.filter(file -> file.toString().endsWith(".rego")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (modules.isEmpty()) {
      throw new IllegalArgumentException("no Rego module under " + root);
    }
    for (Path module : modules) {
      reads.module(opa, module);
    }
    return new Result(reads.fields, List.copyOf(reads.unprovable));
  }

  private void module(OpaCli opa, Path file) {
    String ast =
        opa.run(
            List.of(
                "parse",
                "--format",
                "json",
                "--json-include",
                "locations,-comments",
                file.toString()));
    try {
      walk(JSON.readTree(ast), file.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("opa parse printed no JSON for " + file, e);
    }
  }

  private void walk(JsonNode node, String file) {
    if (node.isArray()) {
      node.forEach(element -> walk(element, file));
      return;
    }
    if (!node.isObject()) {
      return;
    }
    String type = node.path("type").asText("");
    JsonNode value = node.get("value");
    if (type.equals("ref") && value != null && value.isArray() && isInput(value.get(0))) {
      reference(value, file, node);
      // The keys after the path may be terms that read input themselves: input.a[input.b].
      for (int i = 1; i < value.size(); i++) {
        walk(value.get(i), file);
      }
      return;
    }
    if (isInput(node)) {
      unprovable.add(where(file, node) + " uses input other than as a reference");
      return;
    }
    node.forEach(child -> walk(child, file));
  }

  /** Records the field a reference to input reads, or that it reads none that can be told. */
  private void reference(JsonNode terms, String file, JsonNode node) {
    List<String> keys = new ArrayList<>();
    for (int i = 1;
        i < terms.size() && terms.get(i).path("type").asText("").equals("string");
        i++) {
      keys.add(terms.get(i).path("value").asText());
    }
    String path = String.join(".", keys);
    for (InputField field : InputField.values()) {
      if (path.equals(field.path()) || path.startsWith(field.path() + ".")) {
        fields.add(field);
        return;
      }
    }
    boolean variableKey = terms.size() > 1 + keys.size();
    unprovable.add(
        where(file, node)
            + " reads input"
            + (keys.isEmpty() ? "" : "." + path)
            + (variableKey ? " then a non-constant key" : "")
            + ", which is no single input field");
  }

  private static boolean isInput(JsonNode term) {
    return term != null
        && term.path("type").asText("").equals("var")
        && term.path("value").asText("").equals("input");
  }

  private static String where(String file, JsonNode node) {
    JsonNode location = node.path("location");
    return file + ":" + location.path("row").asText("?");
  }
}
