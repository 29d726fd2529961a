package dev.portcullis.examples.gateway;

import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.StaticCredentialVerifier;
import dev.portcullis.policies.SonarQubeCredentialVerifier;
import dev.portcullis.spi.CredentialVerifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a gateway, or the CLI's {@code decide}, verifies credentials before the policy runs: the
 * {@code --verify} option both share.
 *
 * @param mode who verifies
 * @param tokenFile the file of SHA-256 token hashes for {@link Mode#STATIC}, otherwise {@code null}
 * @param sonarQube for {@link Mode#SONARQUBE}, the SonarQube to ask, or {@code null} for the
 *     gateway's upstream; otherwise {@code null}
 */
public record CredentialCheck(Mode mode, Path tokenFile, URI sonarQube) {

  /** Who verifies. */
  public enum Mode {
    /**
     * SonarQube's {@code /api/authentication/validate} (the upstream's unless a URL is given),
     * cached.
     */
    SONARQUBE,
    /** A file of SHA-256 hashes of the allowed tokens, reloaded when it changes. */
    STATIC,
    /** Nobody: the policy sees {@code valid: "unknown"} and, by default, refuses credentials. */
    NONE
  }

  public static final CredentialCheck SONARQUBE = new CredentialCheck(Mode.SONARQUBE, null);
  public static final CredentialCheck NONE = new CredentialCheck(Mode.NONE, null);

  private static final String USAGE =
      "--verify must be sonarqube, sonarqube=URL, static=FILE or none";

  public CredentialCheck {
    Objects.requireNonNull(mode, "mode");
    if ((mode == Mode.STATIC) != (tokenFile != null)) {
      throw new IllegalArgumentException("a token file goes with static verification only");
    }
    if (sonarQube != null && mode != Mode.SONARQUBE) {
      throw new IllegalArgumentException("a SonarQube URL goes with sonarqube verification only");
    }
  }

  /** A check without a SonarQube URL of its own. */
  public CredentialCheck(Mode mode, Path tokenFile) {
    this(mode, tokenFile, null);
  }

  /**
   * {@code sonarqube}, {@code sonarqube=URL}, {@code static=FILE} or {@code none}, as on the
   * command line.
   */
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
    if (text.startsWith("sonarqube=") && text.length() > "sonarqube=".length()) {
      try {
        return new CredentialCheck(
            Mode.SONARQUBE, null, new URI(text.substring("sonarqube=".length())));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "--verify sonarqube=URL: not a URL: " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException(USAGE);
  }

  /**
   * The verifier this check stands for.
   *
   * @param upstream the SonarQube behind the gateway, asked when no URL was given; {@code null}
   *     when there is none, as for the CLI
   * @throws IllegalArgumentException naming {@code --verify} when SonarQube's URL is missing or
   *     unusable
   * @throws dev.portcullis.PolicyLoadException when the token file cannot be read
   */
  public CredentialVerifier verifier(URI upstream) {
    switch (mode) {
      case SONARQUBE:
        try {
          return CachingCredentialVerifier.builder(
                  SonarQubeCredentialVerifier.builder().baseUri(sonarQubeOr(upstream)).build())
              .build();
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--verify sonarqube=URL: " + e.getMessage(), e);
        }
      case STATIC:
        return StaticCredentialVerifier.fromFile(tokenFile);
      default:
        return CredentialVerifier.NONE;
    }
  }

  /** The SonarQube asked for {@link Mode#SONARQUBE}: the given URL, else {@code upstream}. */
  public URI sonarQubeOr(URI upstream) {
    if (sonarQube != null) {
      return sonarQube;
    }
    if (upstream == null) {
      throw new IllegalArgumentException(
          "--verify sonarqube needs SonarQube's URL here: sonarqube=URL");
    }
    return upstream;
  }
}
