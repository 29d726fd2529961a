package dev.portcullis.credential;

import dev.portcullis.spi.CredentialVerifier;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A verifier in this process that answers like a product's validation endpoint: it knows
 * credentials by their Basic form ({@code token:} or {@code user:password}), counts the calls per
 * credential and finds every credential it does not know invalid. The HTTP verifier of a product
 * profile is tested against a real server in that profile's module.
 */
final class FakeUpstream implements CredentialVerifier {

  /** What the upstream answers for one credential. */
  enum Reply {
    VALID,
    INVALID
  }

  private final String name;
  private final Map<String, Reply> replies = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  FakeUpstream(String name) {
    this.name = name;
  }

  FakeUpstream reply(String basicCredential, Reply reply) {
    replies.put(basicCredential, reply);
    return this;
  }

  /** How often {@code basicCredential} was asked about. */
  int calls(String basicCredential) {
    AtomicInteger count = calls.get(basicCredential);
    return count == null ? 0 : count.get();
  }

  @Override
  public CompletionStage<CredentialVerification> verify(Credential credential) {
    String basic =
        credential.kind().equals(CredentialKind.PASSWORD)
            ? credential.user() + ":" + credential.secret()
            : credential.secret() + ":";
    calls.computeIfAbsent(basic, k -> new AtomicInteger()).incrementAndGet();
    CredentialValidity validity =
        replies.get(basic) == Reply.VALID ? CredentialValidity.VALID : CredentialValidity.INVALID;
    return CompletableFuture.completedFuture(new CredentialVerification(validity, name));
  }
}
