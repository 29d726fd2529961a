package dev.portcullis.examples.cli;

import dev.portcullis.credential.StaticCredentialVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code portcullis hash-token}: reads a token from the first line of standard input and prints the
 * line that admits it in a {@code decide --verify static=FILE} (or gateway) token file, {@code
 * sha256:<hex>}. The token is never an argument, so it lands in neither the shell history nor
 * {@code ps}. Exits 0 on success, 2 when there is no token.
 */
@Command(
    name = "hash-token",
    mixinStandardHelpOptions = true,
    description = {
      "Read a token from the first line of standard input and print its 'sha256:<hex>' line for a static token file.",
      "Example: read -rs TOKEN && printf '%%s\\n' \"$TOKEN\" | portcullis hash-token >> tokens.sha256",
      "Exit code: 0 printed, 2 no token on standard input."
    })
final class HashTokenCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** Where the token is read from; the command line's standard input unless a test sets another. */
  InputStream in = System.in;

  @Override
  public Integer call() throws IOException {
    // Not closed: closing would close System.in.
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line = reader.readLine();
    // Leading and trailing whitespace is never part of a token as a client sends it.
    String token = line == null ? "" : line.strip();
    if (token.isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "portcullis: no token on standard input; pipe it in, e.g. "
                  + "read -rs TOKEN && printf '%s\\n' \"$TOKEN\" | portcullis hash-token");
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
    if (token.chars().anyMatch(Character::isWhitespace)) {
      spec.commandLine()
          .getErr()
          .println(
              "portcullis: the first line of standard input contains whitespace;"
                  + " a token has none, so no client could send it");
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
    spec.commandLine().getOut().println(StaticCredentialVerifier.fileEntry(token));
    return 0;
  }
}
