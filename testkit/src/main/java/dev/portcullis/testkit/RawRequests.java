package dev.portcullis.testkit;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Small operations on {@link RawRequest}s for tests, and the {@code decide} command line that
 * replays one.
 *
 * <p>{@link #toDecideCommand} prints header values as they are, {@code Authorization} included:
 * tests use made-up tokens ({@link TestCredential}), and a command that hid them would not decide
 * the same. Never put a real token into a test.
 */
public final class RawRequests {

  /** How the printed command starts: the Portcullis CLI jar's {@code decide} command. */
  public static final String DECIDE = "java -jar portcullis-cli.jar decide";

  private RawRequests() {}

  /** {@code request} without any header named {@code name} (case-insensitive). */
  public static RawRequest withoutHeader(RawRequest request, String name) {
    Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
    headers.keySet().removeIf(header -> header.equalsIgnoreCase(name));
    return new RawRequest(request.method(), request.target(), headers, request.remoteAddress());
  }

  /** {@code request} with {@code name} set to exactly {@code value}, replacing earlier values. */
  public static RawRequest withHeaderReplaced(RawRequest request, String name, String value) {
    return withoutHeader(request, name).withHeader(name, value);
  }

  /** {@code request} from another client address. */
  public static RawRequest withClientIp(RawRequest request, String ip) {
    return new RawRequest(request.method(), request.target(), request.headers(), ip);
  }

  /** {@code request} with another method. */
  public static RawRequest withMethod(RawRequest request, String method) {
    return new RawRequest(method, request.target(), request.headers(), request.remoteAddress());
  }

  /** {@code request} with another raw target. */
  public static RawRequest withTarget(RawRequest request, String target) {
    return new RawRequest(request.method(), target, request.headers(), request.remoteAddress());
  }

  /**
   * The {@code decide} command that asks the bundled SonarQube policy about {@code request}, with
   * the credential unverified.
   */
  public static String toDecideCommand(RawRequest request) {
    return toDecideCommand(request, CredentialValidity.UNKNOWN);
  }

  /**
   * The {@code decide} command that asks the bundled SonarQube policy about {@code request}, with
   * the credential's validity asserted ({@code --credential-valid}) unless it is {@code UNKNOWN}.
   */
  public static String toDecideCommand(RawRequest request, CredentialValidity validity) {
    return toDecideCommand(request, validity, null, null, null);
  }

  /**
   * The {@code decide} command for {@code request} against a compiled policy.
   *
   * @param validity the credential's validity; {@code UNKNOWN} leaves it unverified
   * @param policy a policy bundle ({@code --policy}), or {@code null} for the bundled policy
   * @param entrypoint its entrypoint ({@code --entrypoint}), or {@code null}
   * @param data a data document file ({@code --data}), or {@code null}
   */
  public static String toDecideCommand(
      RawRequest request, CredentialValidity validity, Path policy, String entrypoint, Path data) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(validity, "validity");
    List<String> words = new ArrayList<>();
    words.add(DECIDE);
    words.add("--method " + quote(request.method()));
    words.add("--target " + quote(request.target()));
    request
        .headers()
        .forEach(
            (name, values) -> {
              for (String value : values) {
                words.add("--header " + quote(name + ": " + value));
              }
            });
    words.add("--client-ip " + quote(request.remoteAddress()));
    if (validity != CredentialValidity.UNKNOWN) {
      words.add("--credential-valid " + (validity == CredentialValidity.VALID));
    }
    if (policy != null) {
      words.add("--policy " + quote(policy.toAbsolutePath().toString()));
    }
    if (entrypoint != null) {
      words.add("--entrypoint " + quote(entrypoint));
    }
    if (data != null) {
      words.add("--data " + quote(data.toAbsolutePath().toString()));
    }
    return String.join(" ", words);
  }

  /**
   * {@code value} quoted for a POSIX shell: single quotes, or ANSI-C {@code $'...'} quoting with
   * {@code \xHH} escapes when it holds control or non-ASCII characters, so a hostile target
   * survives the paste byte for byte.
   */
  static String quote(String value) {
    boolean plain = true;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        plain = false;
        break;
      }
    }
    if (plain) {
      return "'" + value.replace("'", "'\\''") + "'";
    }
    StringBuilder out = new StringBuilder("$'");
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '\'' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (c < 0x20 || c >= 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.append((char) c);
      }
    }
    return out.append('\'').toString();
  }
}
