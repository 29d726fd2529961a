package dev.portcullis.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.ManualClock;
import dev.portcullis.PolicyLoadException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticCredentialVerifierTest {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final String OTHER = "sqp_ffffffffffffffffffffffffffffffffffffffff";
  private static final String THIRD = "squ_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock();

  @Test
  void fileEntryIsPrefixedLowerCaseHexSha256() throws Exception {
    byte[] expected =
        MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8));

    assertThat(StaticCredentialVerifier.fileEntry(TOKEN))
        .isEqualTo("sha256:" + HexFormat.of().formatHex(expected));
  }

  @Test
  void acceptsListedTokensAsBearerAndAsBasicWithAnEmptyPassword() throws IOException {
    StaticCredentialVerifier verifier =
        verifier(
            write(
                "# pipeline tokens",
                "",
                StaticCredentialVerifier.fileEntry(TOKEN) + "   # team a",
                "  "
                    + StaticCredentialVerifier.fileEntry(THIRD).substring("sha256:".length())
                    + "  ",
                StaticCredentialVerifier.fileEntry(TOKEN)));

    assertThat(verifier.size()).isEqualTo(2);
    assertThat(verify(verifier, bearer(TOKEN)))
        .isEqualTo(new CredentialVerification(CredentialValidity.VALID, "static"));
    assertThat(validity(verifier, basic(TOKEN + ":"))).isEqualTo(CredentialValidity.VALID);
    assertThat(validity(verifier, bearer(THIRD))).isEqualTo(CredentialValidity.VALID);
    assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.INVALID);
    assertThat(validity(verifier, basic(OTHER + ":"))).isEqualTo(CredentialValidity.INVALID);
  }

  @Test
  void passwordsAndOtherSchemesAreInvalidEvenWhenTheirSecretIsListed() throws IOException {
    StaticCredentialVerifier verifier = verifier(write(StaticCredentialVerifier.fileEntry(TOKEN)));

    assertThat(validity(verifier, basic("admin:" + TOKEN))).isEqualTo(CredentialValidity.INVALID);
    assertThat(validity(verifier, Credential.parse(List.of("Token " + TOKEN))))
        .isEqualTo(CredentialValidity.INVALID);
    assertThat(verify(verifier, Credential.NONE)).isEqualTo(CredentialVerification.UNVERIFIED);
  }

  @Test
  void badLinesFailTheLoadNamingFileAndLineButNotTheLine() throws IOException {
    String good = StaticCredentialVerifier.fileEntry(TOKEN);
    String upper = good.toUpperCase().replace("SHA256:", "sha256:");
    List<List<String>> files =
        List.of(
            List.of("# ok", good, upper),
            List.of("", "", good.substring(0, good.length() - 1)),
            List.of(good + "00"),
            List.of("# a raw token pasted by mistake", "", TOKEN),
            List.of("#", good + "#no space"),
            List.of("sha512:" + good.substring(7)));
    List<Integer> lineNumbers = List.of(3, 3, 1, 3, 2, 1);

    for (int i = 0; i < files.size(); i++) {
      Path file = dir.resolve("bad-" + i + ".txt");
      Files.write(file, files.get(i));
      int line = lineNumbers.get(i);
      assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(file))
          .isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("Line " + line + " of the static credentials file " + file)
          .hasMessageNotContaining(TOKEN)
          .hasMessageNotContaining(good.substring(7, 40));
    }
    assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(dir.resolve("bad-1.txt")))
        .hasMessageContaining("63 hex digits, not 64");
    assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(dir.resolve("bad-0.txt")))
        .hasMessageContaining("not a lower-case hex digit");
  }

  @Test
  void aMissingOrNonUtf8FileFailsTheLoad() throws IOException {
    Path missing = dir.resolve("missing.txt");
    assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(missing))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining(missing.toString());

    Path binary =
        Files.write(dir.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, '\n'});
    assertThatThrownBy(() -> StaticCredentialVerifier.fromFile(binary))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("not UTF-8");
  }

  @Test
  void reloadsAChangedFileOnlyAfterTheCheckInterval() throws IOException {
    Path file = write(StaticCredentialVerifier.fileEntry(TOKEN));
    StaticCredentialVerifier verifier = verifier(file);

    replace(
        file, StaticCredentialVerifier.fileEntry(OTHER), StaticCredentialVerifier.fileEntry(THIRD));
    clock.advance(Duration.ofMillis(4_999));
    assertThat(validity(verifier, bearer(TOKEN))).isEqualTo(CredentialValidity.VALID);
    assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.INVALID);

    clock.advance(Duration.ofMillis(1));
    assertThat(validity(verifier, bearer(TOKEN))).isEqualTo(CredentialValidity.INVALID);
    assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.VALID);
    assertThat(validity(verifier, bearer(THIRD))).isEqualTo(CredentialValidity.VALID);
  }

  @Test
  void aClockSetBackStillReloads() throws IOException {
    Path file = write(StaticCredentialVerifier.fileEntry(TOKEN));
    StaticCredentialVerifier verifier = verifier(file);

    replace(file, StaticCredentialVerifier.fileEntry(OTHER));
    clock.advance(Duration.ofHours(-1));
    assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.VALID);
  }

  @Test
  void aFailedReloadKeepsTheLastGoodSetAndWarnsOncePerVersion() throws IOException {
    Path file = write(StaticCredentialVerifier.fileEntry(TOKEN));
    StaticCredentialVerifier verifier = verifier(file);

    String log =
        capturingStderr(
            () -> {
              replace(file, StaticCredentialVerifier.fileEntry(OTHER), "sha256:0123");
              for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(5));
                assertThat(validity(verifier, bearer(TOKEN))).isEqualTo(CredentialValidity.VALID);
                assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.INVALID);
              }
            });
    assertThat(log)
        .containsOnlyOnce("static credentials not reloaded")
        .contains("Line 2 of", "keeping the previous 1 hashes");

    replace(file, StaticCredentialVerifier.fileEntry(OTHER));
    clock.advance(Duration.ofSeconds(5));
    assertThat(validity(verifier, bearer(OTHER))).isEqualTo(CredentialValidity.VALID);
  }

  @Test
  void aDeletedFileDeniesEverythingUntilItIsBack() throws IOException {
    Path file = write(StaticCredentialVerifier.fileEntry(TOKEN));
    StaticCredentialVerifier verifier = verifier(file);

    Files.delete(file);
    clock.advance(Duration.ofSeconds(5));
    assertThat(validity(verifier, bearer(TOKEN))).isEqualTo(CredentialValidity.INVALID);
    assertThat(verifier.size()).isZero();

    replace(file, StaticCredentialVerifier.fileEntry(TOKEN));
    clock.advance(Duration.ofSeconds(5));
    assertThat(validity(verifier, bearer(TOKEN))).isEqualTo(CredentialValidity.VALID);
  }

  @Test
  void neitherToStringNorLogsNorExceptionsContainTheToken() throws IOException {
    Path file = write(StaticCredentialVerifier.fileEntry(TOKEN));
    String encoded =
        Base64.getEncoder().encodeToString((TOKEN + ":").getBytes(StandardCharsets.UTF_8));
    String[] text = new String[1];

    String log =
        capturingStderr(
            () -> {
              StaticCredentialVerifier verifier = verifier(file);
              verify(verifier, bearer(TOKEN));
              verify(verifier, basic(TOKEN + ":"));
              replace(file, TOKEN);
              clock.advance(Duration.ofSeconds(5));
              verify(verifier, bearer(TOKEN));
              text[0] = verifier.toString();
            });

    assertThat(text[0])
        .startsWith("StaticCredentialVerifier[file=" + file)
        .contains("hashes=1", "PT5S");
    assertThat(log + text[0])
        .contains("static credentials loaded")
        .doesNotContain(TOKEN)
        .doesNotContain(encoded);
  }

  @Test
  void rejectsANegativeCheckInterval() {
    assertThatThrownBy(
            () ->
                StaticCredentialVerifier.builder(dir.resolve("x"))
                    .checkInterval(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  private StaticCredentialVerifier verifier(Path file) {
    return StaticCredentialVerifier.builder(file).clock(clock).build();
  }

  private Path write(String... lines) throws IOException {
    return Files.write(dir.resolve("tokens.sha256"), List.of(lines));
  }

  /** Replaces the file the way an operator should: a new file renamed over the old one. */
  private void replace(Path file, String... lines) throws IOException {
    Path next = Files.write(dir.resolve("tokens.next"), List.of(lines));
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static CredentialVerification verify(
      StaticCredentialVerifier verifier, Credential credential) {
    return verifier.verify(credential).toCompletableFuture().getNow(null);
  }

  private static CredentialValidity validity(
      StaticCredentialVerifier verifier, Credential credential) {
    return verify(verifier, credential).validity();
  }

  private static Credential bearer(String token) {
    return Credential.parse(List.of("Bearer " + token));
  }

  private static Credential basic(String userAndPassword) {
    return Credential.parse(
        List.of(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8))));
  }

  private static String capturingStderr(IoAction action) throws IOException {
    PrintStream original = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return log.toString(StandardCharsets.UTF_8);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static final class ManualClock extends Clock {
    private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

    void advance(Duration duration) {
      millis.addAndGet(duration.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
