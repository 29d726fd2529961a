package dev.portcullis.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code portcullis hash-token}, and its output through {@code decide --verify static=FILE}.
 */
class HashTokenCommandTest {

  private static final String SQP = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final String OTHER = "sqp_ffffffffffffffffffffffffffffffffffffffff";

  @TempDir Path dir;

  @Test
  void printsTheSha256OfTheFirstStdinLine() throws Exception {
    CliRun run = hashToken(SQP + "\nignored second line\n");

    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(SQP.getBytes(StandardCharsets.UTF_8));
    assertThat(run.code()).isZero();
    assertThat(run.out()).isEqualTo("sha256:" + HexFormat.of().formatHex(digest));
    assertThat(hashToken(SQP + "\r\n").out()).isEqualTo(run.out());
    assertThat(hashToken("  " + SQP).out()).isEqualTo(run.out());
    assertThat(run.err()).isEmpty();
  }

  @Test
  void noTokenOrAWhitespaceTokenExits2() {
    for (String stdin : new String[] {"", "\n", "   \nsecond", "two words\n"}) {
      CliRun run = hashToken(stdin);
      assertThat(run.code()).as("stdin %s", stdin).isEqualTo(2);
      assertThat(run.out()).isEmpty();
      assertThat(run.err()).startsWith("portcullis: ");
    }
  }

  /** Picocli formats descriptions with String.format: a bare printf example there warns. */
  @Test
  void helpShowsThePrintfExampleWithoutAFormatWarning() {
    PrintStream stderr = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    CliRun run;
    try {
      System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
      run = CliRun.of("hash-token", "--help");
    } finally {
      System.setErr(stderr);
    }

    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("printf '%s\\n' \"$TOKEN\" | portcullis hash-token");
    assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("Could not format");
  }

  @Test
  void theTokenIsNeverAnArgument() {
    CliRun run = CliRun.of("hash-token", SQP);

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("unexpected argument").doesNotContain(SQP);
  }

  @Test
  void itsOutputRoundTripsThroughDecideVerifyStatic() throws IOException {
    Path tokens = dir.resolve("tokens.sha256");
    Files.writeString(tokens, "# team a\n" + hashToken(SQP + "\n").out() + "\n");
    String scannerCall = "/api/settings/values.protobuf?component=demo";

    CliRun allowed =
        CliRun.of(
            "decide",
            "--target",
            scannerCall,
            "--header",
            "Authorization: Bearer " + SQP,
            "--verify",
            "static=" + tokens);
    assertThat(allowed.code()).isZero();
    assertThat(allowed.out()).contains("\"allow\":true");

    CliRun basic =
        CliRun.of(
            "decide",
            "--target",
            scannerCall,
            "--header",
            "Authorization: Basic "
                + Base64.getEncoder().encodeToString((SQP + ":").getBytes(StandardCharsets.UTF_8)),
            "--verify",
            "static=" + tokens);
    assertThat(basic.code()).isZero();

    CliRun denied =
        CliRun.of(
            "decide",
            "--target",
            scannerCall,
            "--header",
            "Authorization: Bearer " + OTHER,
            "--verify",
            "static=" + tokens);
    assertThat(denied.code()).isEqualTo(1);
    assertThat(denied.out()).contains("\"status\":401", "credential_invalid");
    assertThat(allowed.out() + allowed.err() + denied.out() + denied.err())
        .doesNotContain(SQP)
        .doesNotContain(OTHER);
  }

  private static CliRun hashToken(String stdin) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        PortcullisCli.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "hash-token");
    return new CliRun(code, out.toString().strip(), err.toString());
  }
}
