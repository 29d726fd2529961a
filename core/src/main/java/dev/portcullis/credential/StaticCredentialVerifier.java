package dev.portcullis.credential;

import dev.portcullis.PolicyLoadException;
import dev.portcullis.internal.WarnOnce;
import dev.portcullis.spi.CredentialVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A credential verifier that accepts exactly the tokens whose SHA-256 digests are listed in a file,
 * so a gateway can admit a known set of pipeline tokens without asking the product behind it.
 *
 * <p>The file holds one entry per line: the lower-case hex SHA-256 of a token's UTF-8 bytes,
 * optionally prefixed {@code sha256:} (what {@link #fileEntry} and {@code portcullis hash-token}
 * print) and optionally followed by whitespace and a {@code #} comment. Blank lines and lines
 * starting with {@code #} are ignored. Only a token credential ({@code Bearer <token>} or Basic
 * {@code <token>:} with an empty password) can be {@link CredentialValidity#VALID}; a user name and
 * password, or any other scheme, is {@link CredentialValidity#INVALID}. The digest of the presented
 * token is compared with every entry in constant time, without stopping at a match.
 *
 * <p>Reloading: at most once per {@linkplain Builder#checkInterval check interval} (default 5 s),
 * the verifying thread reads the file's size, modification time and file key (one {@code stat}, no
 * read) and reloads it when any of them changed; replace the file atomically (write a copy, then
 * rename it over the old one), as Kubernetes does for a mounted secret. A file that cannot be read
 * or parsed at {@link #fromFile} fails fast with a {@link PolicyLoadException} naming the file and
 * line. Later, a changed file that fails to parse (half-written, a typo) keeps the last good set,
 * so one bad edit does not lock every pipeline out, and is logged once at WARN per changed version;
 * a deleted file is a deliberate revocation and makes every credential {@code INVALID} until the
 * file is back. The token itself is never logged, kept or put in an exception.
 *
 * <p>Thread-safe; completes synchronously and never blocks beyond that periodic {@code stat} and,
 * after a change, one read of the file.
 */
public final class StaticCredentialVerifier implements CredentialVerifier {

  /** The verifier's name in the policy input ({@code credential.verifier}). */
  public static final String NAME = "static";

  private static final Logger LOG = LoggerFactory.getLogger(StaticCredentialVerifier.class);
  private static final String PREFIX = "sha256:";
  private static final String STAT_FAILED = "stat_failed";
  private static final int HEX_DIGITS = 64;
  private static final CredentialVerification VALID =
      new CredentialVerification(CredentialValidity.VALID, NAME);
  private static final CredentialVerification INVALID =
      new CredentialVerification(CredentialValidity.INVALID, NAME);

  private final Path file;
  private final Clock clock;
  private final long checkIntervalMillis;
  private final AtomicLong nextCheckMillis;

  /** The digests in use; replaced whole, never mutated. */
  private volatile Entries entries;

  /**
   * The version of the file last looked at, loaded or not, so a broken version is parsed and logged
   * once.
   */
  private volatile Stamp lastSeen;

  /**
   * Warns once about a file that cannot be looked at for a reason other than its absence, until it
   * can.
   */
  private final WarnOnce statLog = new WarnOnce(LOG);

  private StaticCredentialVerifier(Builder builder) {
    this.file = builder.file;
    this.clock = builder.clock;
    this.checkIntervalMillis = builder.checkInterval.toMillis();
    Stamp stamp;
    try {
      stamp = Stamp.of(file);
    } catch (IOException e) {
      throw new PolicyLoadException(cannotRead(e), e);
    }
    this.entries = load(file);
    this.lastSeen = stamp;
    this.nextCheckMillis = new AtomicLong(clock.millis() + checkIntervalMillis);
    logLoaded(entries);
  }

  /** A verifier for {@code file}, checked for changes every 5 s. */
  public static StaticCredentialVerifier fromFile(Path file) {
    return builder(file).build();
  }

  /** A builder for a verifier reading {@code file}. */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /**
   * The line this verifier accepts for {@code token}: {@code sha256:} and the lower-case hex
   * SHA-256 of its UTF-8 bytes.
   */
  public static String fileEntry(String token) {
    Objects.requireNonNull(token, "token");
    return PREFIX + HexFormat.of().formatHex(sha256(token));
  }

  @Override
  public CompletionStage<CredentialVerification> verify(Credential credential) {
    Objects.requireNonNull(credential, "credential");
    if (!credential.present()) {
      return CompletableFuture.completedFuture(CredentialVerification.UNVERIFIED);
    }
    checkForChange();
    if (!isToken(credential)) {
      return CompletableFuture.completedFuture(INVALID);
    }
    return CompletableFuture.completedFuture(
        entries.contains(sha256(credential.secret())) ? VALID : INVALID);
  }

  private static boolean isToken(Credential credential) {
    return (credential.scheme() == CredentialScheme.BEARER
            || credential.scheme() == CredentialScheme.BASIC)
        && !credential.kind().equals(CredentialKind.PASSWORD)
        && !credential.secret().isEmpty();
  }

  /**
   * One thread per interval wins the compare-and-set and looks at the file; the others go on at
   * once.
   */
  private void checkForChange() {
    long now = clock.millis();
    long due = nextCheckMillis.get();
    // A clock set back by more than one interval counts as due, so a clock change cannot stop
    // reloads.
    boolean notYet = now < due && due - now <= checkIntervalMillis;
    if (notYet || !nextCheckMillis.compareAndSet(due, now + checkIntervalMillis)) {
      return;
    }
    Stamp stamp;
    try {
      stamp = Stamp.of(file);
      statLog.forget(STAT_FAILED);
    } catch (NoSuchFileException e) {
      if (lastSeen != Stamp.MISSING) {
        lastSeen = Stamp.MISSING;
        entries = Entries.NONE;
        LOG.warn(
            "static credentials file missing verifier={} file={}; every credential is invalid until it is back",
            NAME,
            file);
      }
      return;
    } catch (IOException e) {
      statLog.log(
          STAT_FAILED,
          "repeats",
          "static credentials not reloaded verifier={} file={} error={};"
              + " keeping the previous {} hashes",
          NAME,
          file,
          e.getClass().getSimpleName(),
          entries.size());
      return;
    }
    if (stamp.equals(lastSeen)) {
      return;
    }
    lastSeen = stamp;
    try {
      Entries loaded = load(file);
      entries = loaded;
      logLoaded(loaded);
    } catch (PolicyLoadException e) {
      LOG.warn(
          "static credentials not reloaded verifier={} reason=\"{}\"; keeping the previous {} hashes",
          NAME,
          e.getMessage(),
          entries.size());
    }
  }

  private void logLoaded(Entries loaded) {
    if (loaded.size() == 0) {
      LOG.warn(
          "static credentials loaded verifier={} file={} hashes=0; every credential is invalid",
          NAME,
          file);
    } else {
      LOG.info(
          "static credentials loaded verifier={} file={} hashes={}", NAME, file, loaded.size());
    }
  }

  private static Entries load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new PolicyLoadException(
          "Cannot read the static credentials file "
              + file
              + ": "
              + e.getClass().getSimpleName()
              + ".",
          e);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new PolicyLoadException("The static credentials file " + file + " is not UTF-8 text.");
    }
    Set<String> hexes = new LinkedHashSet<>();
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String hex = entry(lines.get(i), file, i + 1);
      if (hex != null) {
        hexes.add(hex);
      }
    }
    List<byte[]> digests = new ArrayList<>(hexes.size());
    for (String hex : hexes) {
      digests.add(HexFormat.of().parseHex(hex));
    }
    return new Entries(digests);
  }

  /** The hex digest on one line, or null for a blank or comment line. Never quotes the line. */
  private static String entry(String line, Path file, int number) {
    String value = line.strip();
    int comment = value.indexOf('#');
    if (comment == 0 || value.isEmpty()) {
      return null;
    }
    if (comment > 0) {
      if (!Character.isWhitespace(value.charAt(comment - 1))) {
        throw badLine(file, number, "a '#' comment must be separated from the hash by whitespace");
      }
      value = value.substring(0, comment).strip();
    }
    if (value.startsWith(PREFIX)) {
      value = value.substring(PREFIX.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        throw badLine(file, number, "it contains a character that is not a lower-case hex digit");
      }
    }
    if (value.length() != HEX_DIGITS) {
      throw badLine(file, number, "it has " + value.length() + " hex digits, not " + HEX_DIGITS);
    }
    return value;
  }

  private static PolicyLoadException badLine(Path file, int number, String why) {
    return new PolicyLoadException(
        "Line "
            + number
            + " of the static credentials file "
            + file
            + " is not a token hash: "
            + why
            + ". Each line must be 'sha256:' and 64 lower-case hex digits"
            + " (the prefix is optional), a '#' comment or blank; 'portcullis hash-token' prints one.");
  }

  private String cannotRead(IOException e) {
    return "Cannot read the static credentials file "
        + file
        + ": "
        + e.getClass().getSimpleName()
        + ".";
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The number of distinct hashes in use; for tests. */
  int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return "StaticCredentialVerifier[file="
        + file
        + ", hashes="
        + entries.size()
        + ", checkInterval="
        + Duration.ofMillis(checkIntervalMillis)
        + "]";
  }

  /** An immutable list of 32-byte digests. */
  private static final class Entries {
    static final Entries NONE = new Entries(List.of());

    private final byte[][] digests;

    Entries(List<byte[]> digests) {
      this.digests = digests.toArray(new byte[0][]);
    }

    int size() {
      return digests.length;
    }

    /**
     * Compares against every entry, without stopping at a match, so the time taken depends only on
     * the number of entries, never on which one matched or how much of it did.
     */
    boolean contains(byte[] digest) {
      boolean found = false;
      for (byte[] entry : digests) {
        found |= MessageDigest.isEqual(entry, digest);
      }
      return found;
    }
  }

  /** What identifies one version of the file without reading it. */
  private record Stamp(long size, long modifiedNanos, Object fileKey) {
    static final Stamp MISSING = new Stamp(-1, -1, null);

    static Stamp of(Path file) throws IOException {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(
          attributes.size(),
          attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
          attributes.fileKey());
    }
  }

  /**
   * Builds a {@link StaticCredentialVerifier}; validated, and the file loaded, in {@link #build()}.
   */
  public static final class Builder {
    private final Path file;
    private Clock clock = Clock.systemUTC();
    private Duration checkInterval = Duration.ofSeconds(5);

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * How often, at most, the file is checked for a change; default 5 s. A removed hash keeps
     * working for at most this long. Zero checks on every verification.
     */
    public Builder checkInterval(Duration checkInterval) {
      this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
      return this;
    }

    /** The time source for the check interval; tests drive it by hand. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Loads the file.
     *
     * @throws PolicyLoadException when the file cannot be read or a line is not a hash, naming the
     *     line
     */
    public StaticCredentialVerifier build() {
      if (checkInterval.isNegative()) {
        throw new IllegalArgumentException(
            "checkInterval must not be negative, not " + checkInterval);
      }
      return new StaticCredentialVerifier(this);
    }
  }
}
