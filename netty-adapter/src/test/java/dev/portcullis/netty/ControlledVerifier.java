package dev.portcullis.netty;

import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A credential verifier that answers only when the test says so, making every decision about a
 * request with a credential asynchronous. Thread-safe.
 */
final class ControlledVerifier implements CredentialVerifier {

  private final List<CompletableFuture<CredentialVerification>> pending = new ArrayList<>();

  @Override
  public synchronized CompletionStage<CredentialVerification> verify(Credential credential) {
    CompletableFuture<CredentialVerification> verification = new CompletableFuture<>();
    pending.add(verification);
    return verification;
  }

  synchronized int pending() {
    return pending.size();
  }

  /** Completes every pending verification as valid, on the calling thread; returns how many. */
  int completeAll() {
    List<CompletableFuture<CredentialVerification>> now;
    synchronized (this) {
      now = new ArrayList<>(pending);
      pending.clear();
    }
    now.forEach(
        v -> v.complete(new CredentialVerification(CredentialValidity.VALID, "controlled-test")));
    return now.size();
  }

  /**
   * Fails every pending verification on the calling thread (the enforcer denies with 503); returns
   * how many.
   */
  int failAll() {
    List<CompletableFuture<CredentialVerification>> now;
    synchronized (this) {
      now = new ArrayList<>(pending);
      pending.clear();
    }
    now.forEach(
        v ->
            v.completeExceptionally(
                new IllegalStateException("the verifier fails, as the test asked")));
    return now.size();
  }
}
