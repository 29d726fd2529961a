package dev.portcullis.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.PolicyLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterProperty;

class StaticCredentialVerifierProperties {

  private final Path dir;

  StaticCredentialVerifierProperties() throws IOException {
    dir = Files.createTempDirectory("static-credentials");
  }

  @AfterProperty
  void deleteFiles() throws IOException {
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }

  @Property(tries = 200)
  void exactlyTheListedTokensAreValidAsBearerAndBasic(
      @ForAll @Size(max = 5)
          Set<
                  @AlphaChars @NumericChars @CharRange(from = '_', to = '_')
                  @StringLength(min = 1, max = 50) String>
              listed,
      @ForAll
          @AlphaChars
          @NumericChars
          @CharRange(from = '_', to = '_')
          @StringLength(min = 1, max = 50)
          String presented)
      throws IOException {
    List<String> lines = new ArrayList<>();
    for (String token : listed) {
      lines.add(StaticCredentialVerifier.fileEntry(token));
    }
    Path file = Files.write(dir.resolve("tokens-" + System.nanoTime()), lines);
    StaticCredentialVerifier verifier = StaticCredentialVerifier.fromFile(file);
    CredentialValidity expected =
        listed.contains(presented) ? CredentialValidity.VALID : CredentialValidity.INVALID;

    assertThat(validity(verifier, "Bearer " + presented)).isEqualTo(expected);
    assertThat(validity(verifier, "Basic " + base64(presented + ":"))).isEqualTo(expected);
    assertThat(validity(verifier, "Basic " + base64("user:" + presented)))
        .isEqualTo(CredentialValidity.INVALID);
  }

  @Property(tries = 200)
  void aLineThatIsNotAHashIsNeverQuotedInTheError(
      @ForAll
          @AlphaChars
          @NumericChars
          @CharRange(from = '_', to = '_')
          @StringLength(min = 12, max = 100)
          String line)
      throws IOException {
    if (line.matches("[0-9a-f]{64}")) {
      return;
    }
    Path file = Files.write(dir.resolve("tokens-" + System.nanoTime()), List.of("# tokens", line));

    assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(file))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("Line 2 of")
        .hasMessageNotContaining(line);
  }

  private static CredentialValidity validity(
      StaticCredentialVerifier verifier, String authorization) {
    return verifier
        .verify(Credential.parse(List.of(authorization)))
        .toCompletableFuture()
        .getNow(null)
        .validity();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
