package dev.portcullis.opa;

import dev.portcullis.PolicyLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

/**
 * The bytes of a compiled policy ({@code policy.wasm}), a name for messages and logs, and the input
 * fields the policy reads ({@link #inputFields()}: every field unless declared).
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicySource {

  private final String name;
  private final byte[] wasm;
  private final Set<InputField> inputFields;

  private PolicySource(String name, byte[] wasm) {
    this(name, Objects.requireNonNull(wasm, "wasm").clone(), InputField.ALL);
  }

  private PolicySource(String name, byte[] wasm, Set<InputField> inputFields) {
    this.name = Objects.requireNonNull(name, "name");
    this.wasm = wasm;
    this.inputFields = inputFields;
  }

  /**
   * A policy compiled into a class-path resource, such as {@code
   * dev/portcullis/policies/sonarqube/policy.wasm}.
   */
  public static PolicySource classpath(String resource) {
    return classpath(PolicySource.class.getClassLoader(), resource);
  }

  /** A policy compiled into a class-path resource of the given class loader. */
  public static PolicySource classpath(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new PolicyLoadException(
            "Policy resource '"
                + resource
                + "' is not on the class path; add the jar that ships it "
                + "(for the bundled policies: dev.portcullis:portcullis-policies).");
      }
      return new PolicySource("classpath:" + resource, in.readAllBytes());
    } catch (IOException e) {
      throw new PolicyLoadException(
          "Policy resource '" + resource + "' could not be read: " + e.getMessage(), e);
    }
  }

  /**
   * A policy in a file, such as the {@code policy.wasm} extracted from {@code opa build -t wasm}.
   */
  public static PolicySource file(Path path) {
    try {
      return new PolicySource(path.toString(), Files.readAllBytes(path));
    } catch (IOException e) {
      throw new PolicyLoadException(
          "Policy file '"
              + path
              + "' could not be read ("
              + e.getClass().getSimpleName()
              + "); "
              + "build one with 'opa build -t wasm -e <entrypoint> <dir>' and extract /policy.wasm.",
          e);
    }
  }

  /** A policy from bytes already in memory. */
  public static PolicySource bytes(String name, byte[] wasm) {
    return new PolicySource(name, wasm);
  }

  /**
   * This policy with a declaration of the only input fields it reads, so that its decision cache
   * ({@link OpaWasmPolicyEngine.Builder#decisionCache(long)}) keys decisions by those fields alone
   * and requests that differ only elsewhere (say in the client's address, for a policy that never
   * reads it) share a decision. The declaration travels with these bytes, so it cannot end up on
   * another policy.
   *
   * <p>A declaration that leaves out a field the policy reads makes the cache answer one request
   * with the decision of another: an authorization bypass. Declare only what a test proves from the
   * policy's sources, as the bundled policy's build does: every reference to {@code input} in every
   * module is a constant path under a declared field (no {@code input[x]}, no {@code x := input},
   * no {@code walk(input)}, no {@code with input as}).
   *
   * @param fields the fields the policy reads; at least one
   */
  public PolicySource readsOnly(Set<InputField> fields) {
    if (fields.isEmpty()) {
      throw new IllegalArgumentException(
          "a policy reads at least one input field; declare InputField.ALL when unsure");
    }
    return new PolicySource(name, wasm, Collections.unmodifiableSet(EnumSet.copyOf(fields)));
  }

  /**
   * The input fields the policy reads, as declared by {@link #readsOnly(Set)}; {@link
   * InputField#ALL} when nothing was declared.
   */
  public Set<InputField> inputFields() {
    return inputFields;
  }

  /** The name used in messages and logs. */
  public String name() {
    return name;
  }

  /** A copy of the compiled policy. */
  public byte[] wasm() {
    return wasm.clone();
  }

  /** The SHA-256 of the compiled policy, in hex, for the load log line. */
  public String sha256() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(wasm));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "PolicySource[" + name + ", " + wasm.length + " bytes]";
  }
}
