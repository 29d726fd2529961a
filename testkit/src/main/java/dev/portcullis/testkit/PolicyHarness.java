package dev.portcullis.testkit;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaBundle;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A policy under test: Rego directories compiled with the real {@code opa} ({@link OpaCli}) into
 * the embedded wasm engine, with its data, deciding {@link RawRequest}s through the same {@link
 * PolicyEnforcer} the gateways use.
 *
 * <pre>{@code
 * PolicyHarness harness = PolicyHarness.builder()
 *     .rego(Path.of("src/main/rego"))
 *     .entrypoint("team/decision")
 *     .build();
 * DecisionAssert.assertThat(harness.decide(request)).isDeniedWith(403, "endpoint_not_allowed");
 * }</pre>
 *
 * <p>Compiling: every {@code .rego} file under the directories (not {@code *_test.rego}) is
 * compiled with {@code opa build -t wasm -e ENTRYPOINT}. Every {@code data.json} under them is read
 * into the data document at its directory's path, as {@code opa} does, and the documents given to
 * {@link Builder#data} are deep-merged over it (objects merge, anything else replaces). The
 * compiled policy is cached by a SHA-256 of what it is compiled from (the Rego, the entrypoint, the
 * capabilities; the data is loaded at run time, so it is not compiled in): in memory for the JVM,
 * and on disk under the {@linkplain Builder#workDirectory work directory} ({@code
 * target/portcullis-harness} by default), so a property of 1,000 tries, a second harness of the
 * same policy, or one with other data, compiles once.
 *
 * <p>Deciding: the enforcer comes from {@link Builder#enforcer} (for the default SonarQube policy
 * and policies building on it, {@code SonarQubePolicy::enforcer} from portcullis-policies: its
 * token kinds, realm and secret headers), with a verifier that reports the validity the test asks
 * for; so a decision here is the decision a gateway makes for the same request and verifier answer.
 *
 * <p>Thread-safe once built; close it to free the engine.
 */
public final class PolicyHarness implements AutoCloseable {

  /**
   * Where the portcullis-policies jar ships the default SonarQube policy's Rego sources and default
   * data, for {@link Builder#regoFromClasspath}: a policy that imports {@code
   * data.portcullis.sonarqube} compiles together with them.
   */
  public static final String SONARQUBE_REGO = "dev/portcullis/policies/sonarqube/rego";

  private static final Map<String, byte[]> COMPILED = new ConcurrentHashMap<>();

  private final String entrypoint;
  private final String data;
  private final String contentHash;
  private final Path directory;
  private final Path dataFile;
  private final OpaCli opa;
  private final CredentialValidity defaultValidity;
  private final OpaWasmPolicyEngine engine;
  private final Map<CredentialValidity, PolicyEnforcer> enforcers =
      new EnumMap<>(CredentialValidity.class);
  private final ThreadLocal<PolicyInput> lastInput = new ThreadLocal<>();

  private PolicyHarness(Builder builder, RegoSources sources, OpaCli opa) {
    this.entrypoint = builder.entrypoint;
    this.data = sources.data();
    this.contentHash = sources.hash();
    this.opa = opa;
    this.defaultValidity = builder.validity;
    // The wasm depends on the Rego only (the data is loaded at run time), so policies that differ
    // in data alone share one compiled bundle and keep a data file each.
    this.directory = builder.workDirectory.resolve(sources.codeHash().substring(0, 16));
    this.dataFile = directory.resolve("data-" + contentHash.substring(0, 16) + ".json");
    // Keyed by the bundle's path, which holds the content hash: another work directory compiles
    // its own bundle, so the paths this harness prints always exist.
    byte[] wasm =
        COMPILED.computeIfAbsent(
            bundle().toAbsolutePath().toString(), bundle -> compile(builder, sources));
    writeDataFile();
    this.engine =
        OpaWasmPolicyEngine.builder()
            .policy(PolicySource.bytes("harness:" + sources.codeHash().substring(0, 16), wasm))
            .entrypoint(entrypoint)
            .data(data)
            .instances(builder.instances)
            .warmUp(0)
            .build();
    try {
      for (CredentialValidity validity : CredentialValidity.values()) {
        enforcers.put(
            validity,
            builder
                .enforcer
                .apply(engine)
                .credentialVerifier(verifier(validity))
                .listener((method, input, decision) -> lastInput.set(input))
                .build());
      }
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
  }

  /** Forgets the compiled policies held in memory, so the next build reads the disk cache. */
  static void forgetCompiled() {
    COMPILED.clear();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The decision for {@code request}, its credential (if any) verified with the builder's
   * {@linkplain Builder#credentialValidity default validity}.
   */
  public Decision decide(RawRequest request) {
    return decide(request, defaultValidity);
  }

  /** The decision for {@code request}, its credential (if any) verified as {@code validity}. */
  public Decision decide(RawRequest request, CredentialValidity validity) {
    Objects.requireNonNull(request, "request");
    return enforcers
        .get(Objects.requireNonNull(validity, "validity"))
        .decide(request, RawRequest.ACCESSOR);
  }

  /**
   * The decision for {@code request} carrying {@code credential} (replacing its own), verified as
   * the credential says.
   */
  public Decision decide(RawRequest request, TestCredential credential) {
    return decide(credential.applyTo(request), credential.validity());
  }

  /** Decides {@code request} and returns assertions on the decision that print the request. */
  public DecisionAssert assertThat(RawRequest request) {
    return assertThat(request, defaultValidity);
  }

  /** As {@link #assertThat(RawRequest)}, with the credential verified as {@code validity}. */
  public DecisionAssert assertThat(RawRequest request, CredentialValidity validity) {
    return new DecisionAssert(
        decide(request, validity), request, toDecideCommand(request, validity));
  }

  /** As {@link #assertThat(RawRequest)}, with {@code credential} on the request. */
  public DecisionAssert assertThat(RawRequest request, TestCredential credential) {
    return assertThat(credential.applyTo(request), credential.validity());
  }

  /**
   * The policy input the policy last judged for {@code request} verified as {@code validity}, or
   * {@code null} when the enforcer refused the request before any policy saw it (a 400, say).
   */
  public PolicyInput inputOf(RawRequest request, CredentialValidity validity) {
    lastInput.remove();
    decide(request, validity);
    PolicyInput input = lastInput.get();
    lastInput.remove();
    return input;
  }

  /** Evaluates {@code input} in the engine directly, without the enforcer. */
  public Decision evaluate(PolicyInput input) {
    return engine.evaluate(input);
  }

  /**
   * The {@code decide} command that replays {@code request} against this compiled policy ({@code
   * --policy} its bundle, {@code --data} its data document). The CLI decides with SonarQube's token
   * kinds. Header values are printed as given: use made-up tokens in tests.
   */
  public String toDecideCommand(RawRequest request, CredentialValidity validity) {
    return RawRequests.toDecideCommand(request, validity, bundle(), entrypoint, dataFile());
  }

  /** The engine, for tests that drive it themselves; owned by this harness. */
  public PolicyEngine engine() {
    return engine;
  }

  /** The entrypoint, such as {@code team/decision}. */
  public String entrypoint() {
    return entrypoint;
  }

  /** The data document the policy runs with. */
  public String data() {
    return data;
  }

  /**
   * The SHA-256 (hex) of everything that decides: Rego, data, entrypoint and capabilities. The
   * compiled bundle is shared by harnesses whose Rego, entrypoint and capabilities are the same.
   */
  public String contentHash() {
    return contentHash;
  }

  /** The compiled bundle ({@code opa build -t wasm} output) on disk. */
  public Path bundle() {
    return directory.resolve("bundle.tar.gz");
  }

  /** The data document on disk, for {@code decide --data} and {@code opa eval}. */
  public Path dataFile() {
    return dataFile;
  }

  /** The staged Rego sources on disk (no data files), for {@code opa eval}. */
  public Path regoDirectory() {
    return directory.resolve("rego");
  }

  /** The OPA command line this harness compiled with. */
  public OpaCli opa() {
    return opa;
  }

  @Override
  public void close() {
    engine.close();
  }

  @Override
  public String toString() {
    return "PolicyHarness[" + entrypoint + ", " + contentHash.substring(0, 16) + "]";
  }

  private static CredentialVerifier verifier(CredentialValidity validity) {
    if (validity == CredentialValidity.UNKNOWN) {
      return CredentialVerifier.NONE;
    }
    CredentialVerification asserted = CredentialVerification.asserted(validity);
    return CredentialVerifier.of(credential -> asserted);
  }

  private byte[] compile(Builder builder, RegoSources sources) {
    Path bundle = bundle();
    try {
      Files.createDirectories(directory);
      stageRego(sources);
      if (!Files.isRegularFile(bundle)) {
        List<String> arguments = new ArrayList<>(List.of("build", "-t", "wasm", "-e", entrypoint));
        if (builder.capabilities != null) {
          arguments.add("--capabilities");
          arguments.add(builder.capabilities.toAbsolutePath().toString());
        }
        Path partial = Files.createTempFile(directory, "bundle", ".tar.gz.partial");
        arguments.addAll(List.of("-o", partial.toString(), regoDirectory().toString()));
        try {
          opa.run(arguments);
        } catch (IllegalStateException e) {
          Files.deleteIfExists(partial);
          throw new PolicyLoadException(
              "Cannot compile the Rego in "
                  + builder.sourceNames
                  + " with entrypoint '"
                  + entrypoint
                  + "': "
                  + e.getMessage(),
              e);
        }
        Files.move(
            partial, bundle, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return OpaBundle.read(bundle).policy().wasm();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the harness work directory " + directory, e);
    }
  }

  /** Writes the Rego without data files: the data is given to the engine and to opa eval apart. */
  private void stageRego(RegoSources sources) throws IOException {
    Path rego = regoDirectory();
    if (!Files.isDirectory(rego)) {
      Path partial = Files.createTempDirectory(directory, "rego");
      for (Map.Entry<String, byte[]> file : sources.rego().entrySet()) {
        Path target = partial.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
      }
      try {
        Files.move(partial, rego, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException alreadyStaged) {
        if (!Files.isDirectory(rego)) {
          throw alreadyStaged;
        }
      }
    }
  }

  private void writeDataFile() {
    try {
      Files.createDirectories(directory);
      Path partial = Files.createTempFile(directory, "data", ".json.partial");
      Files.writeString(partial, data, StandardCharsets.UTF_8);
      Files.move(
          partial, dataFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the data file " + dataFile, e);
    }
  }

  /**
   * Builds a {@link PolicyHarness}; {@link #rego} or {@link #regoFromClasspath}, and {@link
   * #entrypoint}, are required.
   */
  public static final class Builder {
    private final List<Path> directories = new ArrayList<>();
    private final List<String> sourceNames = new ArrayList<>();
    private final List<String> dataDocuments = new ArrayList<>();
    private String entrypoint;
    private Path capabilities;
    private CredentialValidity validity = CredentialValidity.VALID;
    private Function<PolicyEngine, PolicyEnforcer.Builder> enforcer = PolicyEnforcer::builder;
    private Path workDirectory = Path.of("target", "portcullis-harness");
    private OpaCli opa;
    private int instances = 2;

    private Builder() {}

    /** A directory of Rego files (and {@code data.json} files) to compile; repeatable. */
    public Builder rego(Path directory) {
      Objects.requireNonNull(directory, "directory");
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            "Rego directory " + directory.toAbsolutePath() + " does not exist");
      }
      directories.add(directory);
      sourceNames.add(directory.toString());
      return this;
    }

    /**
     * A class-path directory of Rego files to compile, such as {@link #SONARQUBE_REGO} (needs
     * portcullis-policies on the test class path); repeatable.
     */
    public Builder regoFromClasspath(String resourceDirectory) {
      return regoFromClasspath(Thread.currentThread().getContextClassLoader(), resourceDirectory);
    }

    /** As {@link #regoFromClasspath(String)}, from {@code loader}. */
    public Builder regoFromClasspath(ClassLoader loader, String resourceDirectory) {
      String name = resourceDirectory.endsWith("/") ? resourceDirectory : resourceDirectory + "/";
      URL url = loader.getResource(name);
      if (url == null) {
        throw new IllegalArgumentException(
            "Class-path directory '"
                + resourceDirectory
                + "' not found"
                + (resourceDirectory.startsWith(SONARQUBE_REGO)
                    ? "; add dev.portcullis:portcullis-policies to your test dependencies"
                    : ""));
      }
      directories.add(RegoSources.classpathDirectory(url));
      sourceNames.add("classpath:" + resourceDirectory);
      return this;
    }

    /**
     * The rule to evaluate, such as {@code team/decision} or {@code data.team.decision}; it must
     * give a decision document {@code {"allow", "status", "reasons", "message"}}.
     */
    public Builder entrypoint(String entrypoint) {
      String trimmed = Objects.requireNonNull(entrypoint, "entrypoint").strip();
      if (trimmed.startsWith("data.")) {
        trimmed = trimmed.substring("data.".length()).replace('.', '/');
      }
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException("entrypoint is empty");
      }
      this.entrypoint = trimmed;
      return this;
    }

    /**
     * A JSON data document deep-merged over the data files and earlier documents; repeatable. For
     * the default SonarQube policy's configuration, {@code SonarQubePolicy.data(userJson)} also
     * checks the keys.
     */
    public Builder data(String json) {
      dataDocuments.add(Objects.requireNonNull(json, "json"));
      return this;
    }

    /** As {@link #data(String)}, read from a file. */
    public Builder dataFile(Path file) {
      try {
        return data(Files.readString(file, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read data file " + file, e);
      }
    }

    /** An OPA capabilities file for {@code opa build} ({@code --capabilities}); none by default. */
    public Builder capabilities(Path file) {
      this.capabilities = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * The validity a verifier reports for a presented credential in {@link #decide(RawRequest)};
     * {@code VALID} by default. {@code UNKNOWN} leaves it unverified.
     */
    public Builder credentialValidity(CredentialValidity validity) {
      this.validity = Objects.requireNonNull(validity, "validity");
      return this;
    }

    /**
     * How to start the enforcer for the engine, such as {@code SonarQubePolicy::enforcer}; {@code
     * PolicyEnforcer::builder} by default (generic token kinds). The harness sets the credential
     * verifier and adds a listener; set anything else here.
     */
    public Builder enforcer(Function<PolicyEngine, PolicyEnforcer.Builder> enforcer) {
      this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
      return this;
    }

    /**
     * Where compiled bundles, staged sources and data files go, one subdirectory per content hash;
     * {@code target/portcullis-harness} (relative to the working directory) by default. Gradle
     * builds may prefer {@code build/portcullis-harness}.
     */
    public Builder workDirectory(Path directory) {
      this.workDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** The OPA to compile with; {@link OpaCli#locate()} by default. */
    public Builder opa(OpaCli opa) {
      this.opa = Objects.requireNonNull(opa, "opa");
      return this;
    }

    /** How many wasm instances the engine keeps, for properties run in parallel; 2 by default. */
    public Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    /**
     * Compiles (or reuses the compiled policy of the same content) and loads the engine.
     *
     * @throws PolicyLoadException when the Rego does not compile or the entrypoint is missing
     * @throws IllegalStateException when no OPA can be found or provisioned
     */
    public PolicyHarness build() {
      if (directories.isEmpty()) {
        throw new IllegalStateException("no Rego given: call rego(Path) or regoFromClasspath(...)");
      }
      if (entrypoint == null) {
        throw new IllegalStateException("no entrypoint given: call entrypoint(\"package/rule\")");
      }
      RegoSources sources =
          RegoSources.read(directories, sourceNames, dataDocuments, entrypoint, capabilities);
      return new PolicyHarness(this, sources, opa != null ? opa : OpaCli.locate());
    }
  }
}
