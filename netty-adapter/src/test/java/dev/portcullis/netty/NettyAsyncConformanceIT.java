package dev.portcullis.netty;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.testkit.StubPolicyEngine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The conformance suite with a verifier that answers later on another thread, so decisions hop back
 * to the event loop.
 */
class NettyAsyncConformanceIT extends NettyConformanceIT {

  @Override
  protected PolicyEnforcer enforcer() {
    return PolicyEnforcer.builder(new StubPolicyEngine())
        .credentialVerifier(
            credential ->
                CompletableFuture.supplyAsync(
                    () -> new CredentialVerification(CredentialValidity.VALID, "slow-test"),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)))
        .build();
  }
}
