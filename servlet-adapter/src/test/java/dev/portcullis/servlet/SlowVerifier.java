package dev.portcullis.servlet;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.StubPolicyEngine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An enforcer whose verifier answers later on another thread, so the filter has to suspend
 * requests.
 */
final class SlowVerifier {

  private SlowVerifier() {}

  static PolicyEnforcer enforcer() {
    return enforcer(new StubPolicyEngine());
  }

  static PolicyEnforcer enforcer(PolicyEngine engine) {
    return PolicyEnforcer.builder(engine)
        .credentialVerifier(
            credential ->
                CompletableFuture.supplyAsync(
                    () -> new CredentialVerification(CredentialValidity.VALID, "slow-test"),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)))
        .build();
  }
}
