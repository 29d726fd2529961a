package dev.portcullis.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.PolicyLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What is compiled: Rego files by staged path, the merged data, the hash of the code (Rego,
 * entrypoint, capabilities) and of all of it.
 */
record RegoSources(SortedMap<String, byte[]> rego, String data, String codeHash, String hash) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the Rego and data files under {@code directories} and merges the data documents. */
  static RegoSources read(
      List<Path> directories,
      List<String> sourceNames,
      List<String> dataDocuments,
      String entrypoint,
      Path capabilities) {
    SortedMap<String, byte[]> rego = new TreeMap<>();
    ObjectNode data = JSON.createObjectNode();
    try {
      for (int i = 0; i < directories.size(); i++) {
        Path root = directories.get(i);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
          files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
          String relative = root.relativize(file).toString().replace('\\', '/');
          String name = file.getFileName().toString();
          if (name.endsWith(".rego") && !name.endsWith("_test.rego")) {
            rego.put(i + "/" + relative, Files.readAllBytes(file));
          } else if (name.equals("data.json")) {
            JsonNode document =
                parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
            String parent =
                relative.contains("/") ? relative.substring(0, relative.lastIndexOf('/')) : "";
            deepMerge(data, nest(parent, document));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Rego sources " + sourceNames, e);
    }
    if (rego.isEmpty()) {
      throw new IllegalStateException("no .rego files (other than tests) in " + sourceNames);
    }
    for (String document : dataDocuments) {
      JsonNode parsed = parse(document, "a data document");
      if (!parsed.isObject()) {
        throw new PolicyLoadException(
            "A data document must be a JSON object: " + abbreviate(document));
      }
      deepMerge(data, (ObjectNode) parsed);
    }
    String dataText = data.toString();
    MessageDigest digest = sha256();
    update(digest, "entrypoint", entrypoint.getBytes(StandardCharsets.UTF_8));
    rego.forEach((path, content) -> update(digest, path, content));
    if (capabilities != null) {
      try {
        update(digest, "capabilities", Files.readAllBytes(capabilities));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read capabilities " + capabilities, e);
      }
    }
    String codeHash = HexFormat.of().formatHex(sha256Of(digest));
    update(digest, "data", dataText.getBytes(StandardCharsets.UTF_8));
    return new RegoSources(rego, dataText, codeHash, HexFormat.of().formatHex(digest.digest()));
  }

  /** A class-path directory as a path: a directory, or a directory inside a jar. */
  static Path classpathDirectory(URL url) {
    try {
      URI uri = url.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem jar;
        try {
          jar = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          jar = FileSystems.getFileSystem(uri);
        }
        String inside = uri.getSchemeSpecificPart();
        return jar.getPath(inside.substring(inside.indexOf("!/") + 1));
      }
      return Path.of(uri);
    } catch (URISyntaxException | IOException e) {
      throw new IllegalArgumentException("cannot read class-path directory " + url + ": " + e, e);
    }
  }

  private static JsonNode parse(String json, String what) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null) {
        throw new PolicyLoadException("The data in " + what + " is empty.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new PolicyLoadException(
          "The data in " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static ObjectNode nest(String path, JsonNode document) {
    if (path.isEmpty()) {
      if (!document.isObject()) {
        throw new PolicyLoadException(
            "A data.json at the root of a Rego directory must hold an object.");
      }
      return (ObjectNode) document;
    }
    ObjectNode root = JSON.createObjectNode();
    ObjectNode node = root;
    String[] keys = path.split("/");
    for (int i = 0; i < keys.length - 1; i++) {
      node = node.putObject(keys[i]);
    }
    node.set(keys[keys.length - 1], document);
    return root;
  }

  private static void deepMerge(ObjectNode target, ObjectNode source) {
    source
        .fields()
        .forEachRemaining(
            entry -> {
              JsonNode existing = target.get(entry.getKey());
              if (existing instanceof ObjectNode && entry.getValue() instanceof ObjectNode) {
                deepMerge((ObjectNode) existing, (ObjectNode) entry.getValue());
              } else {
                target.set(entry.getKey(), entry.getValue().deepCopy());
              }
            });
  }

  /** The digest so far, leaving {@code digest} to go on. */
  private static byte[] sha256Of(MessageDigest digest) {
    try {
      return ((MessageDigest) digest.clone()).digest();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digests are cloneable in every JVM", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * Length-prefixed, so that no two different inputs hash alike by shifting bytes between parts.
   */
  private static void update(MessageDigest digest, String label, byte[] content) {
    byte[] name = label.getBytes(StandardCharsets.UTF_8);
    digest.update(Integer.toString(name.length).getBytes(StandardCharsets.US_ASCII));
    digest.update((byte) ':');
    digest.update(name);
    digest.update(Integer.toString(content.length).getBytes(StandardCharsets.US_ASCII));
    digest.update((byte) ':');
    digest.update(content);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
