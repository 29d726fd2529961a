package dev.portcullis.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The OPA command line at the version Portcullis is pinned to, found or provisioned the way the
 * Portcullis build finds it ({@code tools/opa}), so a user's build needs no script of its own.
 *
 * <p>{@link #locate()} tries, in order: {@code $OPA}; {@code opa} on the {@code PATH} if it reports
 * version {@value #VERSION}; {@code ~/.cache/portcullis/opa-v1.22.3/opa} (the cache root can be
 * moved with {@code $PORTCULLIS_CACHE}); {@code go install} into that cache (about two minutes,
 * once). When none works it throws an {@link IllegalStateException} that says how to install it.
 * This class reads the environment: it is test code, run by a build.
 *
 * <p>Thread-safe: immutable; each call starts its own process.
 */
public final class OpaCli {

  /** The OPA version Portcullis compiles and tests its policies with. */
  public static final String VERSION = "1.22.3";

  private static final long TIMEOUT_SECONDS = 600;

  /** What {@link #locate()} found, so that every harness does not ask again. */
  private static volatile OpaCli located;

  private final Path executable;

  private OpaCli(Path executable) {
    this.executable = Objects.requireNonNull(executable, "executable");
  }

  /** The OPA at {@code executable}, whatever its version. */
  public static OpaCli at(Path executable) {
    return new OpaCli(executable);
  }

  /**
   * Finds or provisions OPA {@value #VERSION} (see the class comment).
   *
   * @throws IllegalStateException when it can be neither found nor provisioned, saying what to do
   */
  public static OpaCli locate() {
    OpaCli opa = located;
    if (opa == null) {
      opa = locate(System.getenv());
      located = opa;
    }
    return opa;
  }

  static OpaCli locate(Map<String, String> env) {
    String fromEnv = env.get("OPA");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new OpaCli(Path.of(fromEnv));
    }
    Path onPath = onPath(env.get("PATH"));
    if (onPath != null && VERSION.equals(versionOf(onPath))) {
      return new OpaCli(onPath);
    }
    Path cacheDir = cacheDir(env);
    Path cached = cacheDir.resolve("opa");
    if (Files.isExecutable(cached)) {
      return new OpaCli(cached);
    }
    String hint =
        "Install it with: GOBIN="
            + cacheDir
            + " go install github.com/open-policy-agent/opa@v"
            + VERSION
            + "\nor point OPA at an existing binary: OPA=/path/to/opa (v"
            + VERSION
            + "), or put opa v"
            + VERSION
            + " on the PATH.";
    Path go = onPath(env.get("PATH"), "go");
    if (go == null) {
      throw new IllegalStateException(
          "OPA v" + VERSION + " was not found and 'go' is not installed to provision it. " + hint);
    }
    System.err.println(
        "portcullis-testkit: provisioning OPA v"
            + VERSION
            + " into "
            + cacheDir
            + " with 'go install' (about 2 minutes, once)");
    try {
      Files.createDirectories(cacheDir);
      ProcessBuilder install =
          new ProcessBuilder(
                  go.toString(), "install", "github.com/open-policy-agent/opa@v" + VERSION)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      install.environment().put("GOBIN", cacheDir.toString());
      Process process = install.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "'go install' of OPA v" + VERSION + " failed: " + e + ". " + hint, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while provisioning OPA. " + hint, e);
    }
    if (!Files.isExecutable(cached)) {
      throw new IllegalStateException("'go install' of OPA v" + VERSION + " failed. " + hint);
    }
    return new OpaCli(cached);
  }

  /** The executable. */
  public Path executable() {
    return executable;
  }

  /** The version the executable reports ({@code opa version}), or "" when it cannot say. */
  public String version() {
    return versionOf(executable);
  }

  /**
   * Runs {@code opa} with {@code arguments} and returns its standard output.
   *
   * @throws IllegalStateException when it fails, with its exit code and standard error
   */
  public String run(List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(arguments);
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("portcullis-opa", ".out");
      err = Files.createTempFile("portcullis-opa", ".err");
      Process process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "opa " + String.join(" ", arguments) + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "opa "
                + String.join(" ", arguments)
                + " failed (exit "
                + process.exitValue()
                + "):\n"
                + Files.readString(err, StandardCharsets.UTF_8)
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + executable, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running opa", e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  @Override
  public String toString() {
    return "OpaCli[" + executable + "]";
  }

  private static Path cacheDir(Map<String, String> env) {
    String root = env.get("PORTCULLIS_CACHE");
    Path base =
        root != null && !root.isBlank()
            ? Path.of(root)
            : Path.of(System.getProperty("user.home"), ".cache", "portcullis");
    return base.resolve("opa-v" + VERSION);
  }

  private static Path onPath(String path) {
    return onPath(path, "opa");
  }

  private static Path onPath(String path, String name) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static String versionOf(Path executable) {
    try {
      Process process =
          new ProcessBuilder(executable.toString(), "version").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return "";
      }
      for (String line : output.split("\n")) {
        if (line.startsWith("Version:")) {
          return line.substring("Version:".length()).strip();
        }
      }
      return "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temporary file; the OS cleans up
      }
    }
  }
}
