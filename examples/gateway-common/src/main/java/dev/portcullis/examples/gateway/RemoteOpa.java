package dev.portcullis.examples.gateway;

import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code --engine remote=URL}: an OPA server that decides instead of the embedded policy, asked
 * over its Data API with the same input.
 *
 * @param url the OPA server's base URL, such as {@code http://opa.internal:8181}
 * @param tokenFile a file holding the token for OPA's own authentication, or {@code null} for none
 * @param entrypoint the decision OPA is asked for ({@code --entrypoint}), such as {@code
 *     portcullis/sonarqube/decision}
 */
public record RemoteOpa(URI url, Path tokenFile, String entrypoint) {

  public RemoteOpa {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(entrypoint, "entrypoint");
  }

  /** The same OPA, asked for {@code entrypoint}. */
  public RemoteOpa withEntrypoint(String entrypoint) {
    return new RemoteOpa(url, tokenFile, entrypoint);
  }

  /**
   * The {@code --engine} value: {@code null} for {@code embedded} and {@code plan}, otherwise the
   * remote OPA, asked for the bundled policy's entrypoint until {@link #withEntrypoint} says
   * otherwise.
   *
   * @throws IllegalArgumentException for anything but {@code embedded} or {@code remote=URL}
   */
  public static RemoteOpa parse(String engine, Path tokenFile) {
    if (engine == null || engine.equals("embedded") || engine.equals("plan")) {
      if (tokenFile != null) {
        throw new IllegalArgumentException("--engine-token-file goes with --engine remote=URL");
      }
      return null;
    }
    if (!engine.startsWith("remote=") || engine.length() == "remote=".length()) {
      throw new IllegalArgumentException(
          "--engine must be embedded, plan or remote=URL, such as remote=http://127.0.0.1:8181");
    }
    URI url;
    try {
      url = URI.create(engine.substring("remote=".length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--engine remote=URL: the URL is not valid");
    }
    return new RemoteOpa(url, tokenFile, PolicyFile.DEFAULT_ENTRYPOINT);
  }

  /** The engine asking this OPA for {@link #entrypoint}; not yet connected. */
  public RemoteOpaPolicyEngine engine() {
    RemoteOpaPolicyEngine.Builder builder =
        RemoteOpaPolicyEngine.builder().url(url).entrypoint(entrypoint);
    if (tokenFile != null) {
      builder.bearerToken(token());
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--engine remote=URL: " + e.getMessage(), e);
    }
  }

  private String token() {
    try {
      String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException("--engine-token-file " + tokenFile + " is empty");
      }
      return token;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "--engine-token-file " + tokenFile + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** For the start-up line and messages; never the token. */
  @Override
  public String toString() {
    return url + (tokenFile == null ? "" : " (token from " + tokenFile + ")");
  }
}
