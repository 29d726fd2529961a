package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OPA is found in tools/opa's order, and its absence is explained. */
class OpaCliTest {

  @TempDir Path dir;

  @Test
  void findsThePinnedVersion() {
    OpaCli opa = OpaCli.locate();

    assertThat(opa.version()).isEqualTo(OpaCli.VERSION);
    assertThat(opa.run(List.of("version"))).contains("Version: " + OpaCli.VERSION);
  }

  @Test
  void opaInTheEnvironmentComesFirst() {
    Path elsewhere = dir.resolve("my-opa");

    assertThat(OpaCli.locate(Map.of("OPA", elsewhere.toString(), "PATH", "")).executable())
        .isEqualTo(elsewhere);
  }

  @Test
  void opaOnThePathIsUsedOnlyAtThePinnedVersion() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    script(bin.resolve("opa"), "echo 'Version: 0.99.0'");
    Path cache = dir.resolve("cache");
    Path cached = Files.createDirectories(cache.resolve("opa-v" + OpaCli.VERSION)).resolve("opa");
    script(cached, "echo 'Version: " + OpaCli.VERSION + "'");

    assertThat(
            OpaCli.locate(Map.of("PATH", bin.toString(), "PORTCULLIS_CACHE", cache.toString()))
                .executable())
        .isEqualTo(cached);

    script(bin.resolve("opa"), "echo 'Version: " + OpaCli.VERSION + "'");
    assertThat(
            OpaCli.locate(Map.of("PATH", bin.toString(), "PORTCULLIS_CACHE", cache.toString()))
                .executable())
        .isEqualTo(bin.resolve("opa"));
  }

  @Test
  void withoutOpaAndGoItSaysWhatToDo() {
    Map<String, String> nothing =
        Map.of("PATH", dir.resolve("empty").toString(), "PORTCULLIS_CACHE", dir.toString());

    assertThatThrownBy(() -> OpaCli.locate(nothing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("OPA v" + OpaCli.VERSION + " was not found")
        .hasMessageContaining("go install github.com/open-policy-agent/opa@v" + OpaCli.VERSION)
        .hasMessageContaining("OPA=/path/to/opa");
  }

  @Test
  void aFailingCommandReportsItsOutput() {
    assertThatThrownBy(() -> OpaCli.locate().run(List.of("eval", "--no-such-flag", "1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exit")
        .hasMessageContaining("no-such-flag");
  }

  private static void script(Path file, String body) throws IOException {
    Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
