package dev.portcullis.examples.gateway;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a gateway verifies credentials before the policy runs.
 *
 * @param mode who verifies
 * @param tokenFile the file of SHA-256 token hashes for {@link Mode#STATIC}, otherwise {@code null}
 */
public record CredentialCheck(Mode mode, Path tokenFile) {

  /** Who verifies. */
  public enum Mode {
    /** The upstream SonarQube's {@code /api/authentication/validate}, cached. */
    SONARQUBE,
    /** A file of SHA-256 hashes of the allowed tokens, reloaded when it changes. */
    STATIC,
    /** Nobody: the policy sees {@code valid: "unknown"} and, by default, refuses credentials. */
    NONE
  }

  public static final CredentialCheck SONARQUBE = new CredentialCheck(Mode.SONARQUBE, null);
  public static final CredentialCheck NONE = new CredentialCheck(Mode.NONE, null);

  public CredentialCheck {
    Objects.requireNonNull(mode, "mode");
    if ((mode == Mode.STATIC) != (tokenFile != null)) {
      throw new IllegalArgumentException("a token file goes with static verification only");
    }
  }

  /** {@code sonarqube}, {@code none} or {@code static=FILE}, as on the command line. */
  public static CredentialCheck parse(String text) {
    if (text.equals("sonarqube")) {
      return SONARQUBE;
    }
    if (text.equals("none")) {
      return NONE;
    }
    if (text.startsWith("static=") && text.length() > "static=".length()) {
      return new CredentialCheck(Mode.STATIC, Path.of(text.substring("static=".length())));
    }
    throw new IllegalArgumentException("--verify must be sonarqube, static=FILE or none");
  }
}
