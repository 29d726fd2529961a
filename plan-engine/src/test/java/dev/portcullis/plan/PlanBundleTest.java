package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.PolicyLoadException;
import dev.portcullis.testkit.OpaCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a plan from an {@code opa build -t plan} bundle: the real bundle of {@code
 * src/test/resources/bundle} decides as {@code opa eval} does on the same files, hand-made bundles
 * show the data merge and the refusals.
 */
class PlanBundleTest {

  private static final Path POLICY = Path.of("src/test/resources/bundle");
  private static OpaCli opa;
  private static Path bundle;

  @BeforeAll
  static void build(@TempDir Path dir) {
    opa = OpaCli.locate();
    bundle = dir.resolve("bundle.tar.gz");
    opa.run(
        List.of(
            "build",
            "-t",
            "plan",
            "-e",
            "b/allowed",
            "-e",
            "b/names",
            "-o",
            bundle.toString(),
            POLICY.toString()));
  }

  @Test
  void aRealBundleCarriesItsPlanAndData(@TempDir Path dir) throws IOException {
    PlanPolicyEngine allowed =
        PlanPolicyEngine.builder().bundle(bundle).entrypoint("b/allowed").build();
    PlanPolicyEngine names =
        PlanPolicyEngine.builder().bundle(bundle).entrypoint("b/names").build();
    for (int n : new int[] {2, 3, 4}) {
      String input = "{\"n\":" + n + "}";
      Path inputFile = dir.resolve("input.json");
      Files.writeString(inputFile, input);
      String eval =
          opa.run(
              List.of(
                  "eval",
                  "-f",
                  "raw",
                  "-d",
                  POLICY.toString(),
                  "-i",
                  inputFile.toString(),
                  "data.b.allowed"));
      assertThat(allowed.evaluateJson(input)).isEqualTo("[{\"result\":" + eval.trim() + "}]");
    }
    assertThat(names.evaluateJson("{}")).isEqualTo("[{\"result\":[\"a\",\"b\"]}]");
  }

  @Test
  void dataFromTheBundleAndFromTheCallerIsRefused() {
    assertThatThrownBy(
            () ->
                PlanPolicyEngine.builder()
                    .bundle(bundle)
                    .data("{\"config\":{}}")
                    .entrypoint("b/allowed")
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("use one source of data");
  }

  @Test
  void aBundleWithEmptyDataTakesTheCallersData() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("/plan.json", planJson());
    entries.put("/data.json", bytes("{}"));
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder()
            .bundle("empty-data", tarGz(entries))
            .data("{\"config\":{\"limits\":{\"max\":9}}}")
            .entrypoint("b/allowed")
            .build();
    assertThat(engine.evaluateJson("{\"n\":5}")).isEqualTo("[{\"result\":true}]");
  }

  @Test
  void aMissingBundleFileIsALoadError(@TempDir Path dir) {
    assertThatThrownBy(() -> PlanPolicyEngine.builder().bundle(dir.resolve("none.tar.gz")))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("Cannot read the bundle");
  }

  @Test
  void dataFilesAtAnyDepthMergeAtTheirDirectory() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("/plan.json", planJson());
    entries.put("/data.json", bytes("{\"config\":{\"names\":[\"x\"]}}"));
    entries.put("/config/limits/data.json", bytes("{\"max\":1}"));
    PlanBundle read = PlanBundle.read("hand", tarGz(entries));
    assertThat(Values.toJson(read.data()))
        .isEqualTo("{\"config\":{\"limits\":{\"max\":1},\"names\":[\"x\"]}}");
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder().bundle("hand", tarGz(entries)).entrypoint("b/allowed").build();
    assertThat(engine.evaluateJson("{\"n\":2}")).isEqualTo("[{\"result\":false}]");
  }

  @Test
  void twoValuesAtOneDataPathAreRefused() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("/plan.json", planJson());
    entries.put("/data.json", bytes("{\"config\":{\"limits\":5}}"));
    entries.put("/config/limits/data.json", bytes("{\"max\":1}"));
    assertThatThrownBy(() -> PlanBundle.read("hand", tarGz(entries)))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("two values at data path");
  }

  @Test
  void pathTraversalIsRefused() {
    for (String path : List.of("../plan.json", "/a/../../data.json", "x/..\\..\\data.json")) {
      Map<String, byte[]> entries = new LinkedHashMap<>();
      entries.put("/plan.json", planJson());
      entries.put(path, bytes("{}"));
      assertThatThrownBy(() -> PlanBundle.read("evil", tarGz(entries)))
          .as(path)
          .isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("escaping the bundle root");
    }
  }

  @Test
  void oversizeArchivesAreRefusedAtLoad() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("/plan.json", planJson());
    entries.put("/big.bin", new byte[200_000]); // compresses to almost nothing
    assertThatThrownBy(() -> PlanBundle.read("bomb", tarGz(entries), 100_000))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("larger than 100000 bytes uncompressed");
    assertThat(PlanBundle.read("fine", tarGz(entries), 1_000_000).plan()).isEqualTo(planJson());
  }

  @Test
  void aBundleWithoutAPlanOrNotATarIsRefused() {
    assertThatThrownBy(() -> PlanBundle.read("empty", tarGz(Map.of("/data.json", bytes("{}")))))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("no /plan.json");
    assertThatThrownBy(() -> PlanBundle.read("junk", bytes("not gzip")))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("not a readable gzipped tar");
  }

  private static byte[] planJson() {
    try {
      return IrAgreesWithOpaEvalTest.member(bundle, "plan.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A minimal ustar archive, gzipped. */
  static byte[] tarGz(Map<String, byte[]> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        byte[] header = new byte[512];
        byte[] name = bytes(e.getKey());
        System.arraycopy(name, 0, header, 0, name.length);
        put(header, 100, String.format("%07o", 0644));
        put(header, 108, String.format("%07o", 0));
        put(header, 116, String.format("%07o", 0));
        put(header, 124, String.format("%011o", e.getValue().length));
        put(header, 136, String.format("%011o", 0));
        header[156] = '0';
        put(header, 257, "ustar");
        header[263] = '0';
        header[264] = '0';
        for (int i = 148; i < 156; i++) {
          header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
          sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        gz.write(header);
        gz.write(e.getValue());
        gz.write(new byte[(512 - e.getValue().length % 512) % 512]);
      }
      gz.write(new byte[1024]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, header, offset, b.length);
  }
}
