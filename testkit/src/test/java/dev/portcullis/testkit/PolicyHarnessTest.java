package dev.portcullis.testkit;

import static dev.portcullis.testkit.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.PolicyLoadException;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness compiles a team policy with the real opa and decides through the real enforcer. */
class PolicyHarnessTest {

  static final Path TEAM_REGO = Path.of("src/test/resources/harness");
  private static final String TOKEN = "sqp_00000000000000000000000000000000000000aa";

  private static PolicyHarness harness;

  @TempDir Path dir;

  @BeforeAll
  static void build() {
    harness = PolicyHarness.builder().rego(TEAM_REGO).entrypoint("team/decision").build();
  }

  @AfterAll
  static void close() {
    harness.close();
  }

  static RawRequest get(String target, String ip) {
    return RawRequest.of("GET", target, ip).withHeader("Host", "sonarqube.example.com");
  }

  @Test
  void decidesWithTheDataFilesOfTheRegoDirectory() {
    harness.assertThat(get("/api/server/version", "203.0.113.9")).isAllowed();
    harness.assertThat(get("/api/server/version", "2001:db8::9")).isAllowed();
    harness
        .assertThat(get("/api/server/version", "198.51.100.9"))
        .isDeniedWith(403, "client_ip_not_allowed");
    harness
        .assertThat(get("/api/users/search", "203.0.113.9"))
        .isDeniedWith(403, "endpoint_not_allowed");
  }

  @Test
  void verifiesCredentialsAsTheTestSays() {
    RawRequest request = get("/api/plugins/installed", "203.0.113.9");
    TestCredential valid =
        TestCredential.bearer(
            TestCredential.Kind.PROJECT_ANALYSIS_TOKEN, TOKEN, CredentialValidity.VALID);
    TestCredential invalid =
        TestCredential.bearer(
            TestCredential.Kind.PROJECT_ANALYSIS_TOKEN, TOKEN, CredentialValidity.INVALID);

    assertThat(harness.decide(request, valid)).isAllowed();
    assertThat(harness.decide(request, invalid)).isDeniedWith(401, "credential_invalid");
    assertThat(harness.decide(valid.applyTo(request), CredentialValidity.INVALID))
        .isDeniedWith(401, "credential_invalid");
    assertThat(harness.inputOf(valid.applyTo(request), CredentialValidity.UNKNOWN).toJson())
        .contains("\"valid\":\"unknown\"")
        .doesNotContain(TOKEN);
  }

  @Test
  void theEnforcerRefusesAmbiguousTargetsBeforeThePolicy() {
    RawRequest dotSegments = get("/api/users/../server/version", "203.0.113.9");

    harness.assertThat(dotSegments).isDenied().hasStatus(400);
    assertThat(harness.inputOf(dotSegments, CredentialValidity.VALID)).isNull();
  }

  @Test
  void mergesDataDocumentsOverTheDataFiles() {
    try (PolicyHarness wider =
        PolicyHarness.builder()
            .rego(TEAM_REGO)
            .entrypoint("data.team.decision")
            .data("{\"team\":{\"allowed_paths\":[\"/api/users/search\"]}}")
            .build()) {
      wider.assertThat(get("/api/users/search", "203.0.113.9")).isAllowed();
      wider
          .assertThat(get("/api/server/version", "203.0.113.9"))
          .isDeniedWith(403, "endpoint_not_allowed");
      // Objects merge, lists replace: the CIDRs of data.json are still there.
      wider
          .assertThat(get("/api/users/search", "198.51.100.9"))
          .isDeniedWith(403, "client_ip_not_allowed");
      assertThat(wider.contentHash()).isNotEqualTo(harness.contentHash());
      assertThat(wider.bundle()).as("other data, same wasm").isEqualTo(harness.bundle());
      assertThat(wider.dataFile()).isNotEqualTo(harness.dataFile());
      assertThat(harness.dataFile()).content().doesNotContain("/api/users/search");
    }
  }

  @Test
  void compilesOncePerContent() throws IOException {
    Path count = dir.resolve("builds");
    Path opa = countingOpa(count);
    Path work = dir.resolve("work");
    for (int i = 0; i < 3; i++) {
      try (PolicyHarness same =
          PolicyHarness.builder()
              .rego(TEAM_REGO)
              .entrypoint("team/decision")
              .workDirectory(work)
              .opa(OpaCli.at(opa))
              .build()) {
        same.assertThat(get("/api/server/version", "203.0.113.9")).isAllowed();
        assertThat(same.contentHash()).isEqualTo(harness.contentHash());
      }
    }
    assertThat(Files.readAllLines(count)).containsExactly("build");

    PolicyHarness.forgetCompiled();
    try (PolicyHarness fromDisk =
        PolicyHarness.builder()
            .rego(TEAM_REGO)
            .entrypoint("team/decision")
            .workDirectory(work)
            .opa(OpaCli.at(opa))
            .build()) {
      fromDisk.assertThat(get("/api/server/version", "203.0.113.9")).isAllowed();
    }
    assertThat(Files.readAllLines(count))
        .as("the bundle on disk is reused")
        .containsExactly("build");
  }

  @Test
  void anUnknownEntrypointFailsToLoadAndNamesIt() {
    assertThatThrownBy(
            () -> PolicyHarness.builder().rego(TEAM_REGO).entrypoint("team/nothing").build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("team/nothing");
  }

  @Test
  void regoThatDoesNotCompileFailsWithOpasMessage() throws IOException {
    Path broken = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(broken.resolve("broken.rego"), "package broken\n\ndecision := {\n");

    assertThatThrownBy(
            () ->
                PolicyHarness.builder()
                    .rego(broken)
                    .entrypoint("broken/decision")
                    .workDirectory(dir.resolve("work"))
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("broken/decision")
        .hasMessageContaining("broken.rego");
  }

  @Test
  void compilesRegoFromAJarOnTheClassPath() throws IOException {
    Path jar = dir.resolve("team-policy.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("rules/"));
      out.putNextEntry(new JarEntry("rules/team/"));
      for (String name : List.of("policy.rego", "data.json")) {
        out.putNextEntry(new JarEntry("rules/team/" + name));
        out.write(Files.readAllBytes(TEAM_REGO.resolve("team").resolve(name)));
        out.closeEntry();
      }
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        PolicyHarness fromJar =
            PolicyHarness.builder()
                .regoFromClasspath(loader, "rules")
                .entrypoint("team/decision")
                .workDirectory(dir.resolve("work"))
                .build()) {
      fromJar.assertThat(get("/api/server/version", "203.0.113.9")).isAllowed();
      fromJar
          .assertThat(get("/api/users/search", "203.0.113.9"))
          .isDeniedWith(403, "endpoint_not_allowed");
    }
  }

  @Test
  void aMissingClassPathDirectorySaysWhichJarToAdd() {
    assertThatThrownBy(
            () -> PolicyHarness.builder().regoFromClasspath(PolicyHarness.SONARQUBE_REGO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("portcullis-policies");
  }

  @Test
  void theDecideCommandNamesTheCompiledBundleAndData() {
    String command =
        harness.toDecideCommand(
            get("/api/server/version", "203.0.113.9"), CredentialValidity.VALID);

    assertThat(command)
        .startsWith(RawRequests.DECIDE)
        .contains("--policy '" + harness.bundle().toAbsolutePath())
        .contains("--entrypoint 'team/decision'")
        .contains("--data '" + harness.dataFile().toAbsolutePath())
        .contains("--credential-valid true");
    assertThat(harness.bundle()).isRegularFile();
    assertThat(harness.dataFile()).content(StandardCharsets.UTF_8).contains("allowed_paths");
  }

  /** An opa that writes its command to {@code count} before running the real one. */
  private Path countingOpa(Path count) throws IOException {
    Path real = OpaCli.locate().executable();
    Path script = dir.resolve("opa");
    Files.writeString(
        script,
        "#!/usr/bin/env bash\n"
            + "if [[ \"$1\" == build ]]; then echo build >> '"
            + count
            + "'; fi\nexec '"
            + real
            + "' \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createFile(count);
    return script;
  }
}
