package dev.portcullis.policies;

import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.INVALID_TOKEN;
import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.VALID_TOKEN;
import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.basicToken;
import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.credential.CredentialVerificationException;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.FakeSonarQube.Reply;
import dev.portcullis.testkit.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core's credential cache in front of the SonarQube verifier and a real HTTP server playing
 * SonarQube.
 */
class CachedSonarQubeCredentialVerifierTest {

  private final ManualClock clock = new ManualClock();
  private FakeSonarQube sonar;

  @BeforeEach
  void start() throws IOException {
    sonar = SonarQubeCredentialVerifierTest.sonarQubeWithTestTokens().start();
  }

  @AfterEach
  void stop() {
    sonar.close();
  }

  @Test
  void fiftyConcurrentVerificationsOfANewTokenCauseOneCall() throws Exception {
    sonar.reply(VALID_TOKEN + ":", Reply.HELD);
    CachingCredentialVerifier verifier = cached(sonarQube()).build();
    int callers = 50;
    ExecutorService threads = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch ready = new CountDownLatch(callers);
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<CompletionStage<CredentialVerification>>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        Credential credential = i % 2 == 0 ? bearer(VALID_TOKEN) : basicToken(VALID_TOKEN);
        calls.add(
            CompletableFuture.supplyAsync(
                () -> {
                  ready.countDown();
                  awaitLatch(go);
                  return verifier.verify(credential);
                },
                threads));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      List<CompletableFuture<CredentialVerification>> stages = new ArrayList<>();
      for (CompletableFuture<CompletionStage<CredentialVerification>> call : calls) {
        stages.add(call.get(10, TimeUnit.SECONDS).toCompletableFuture());
      }
      // Every caller holds its stage while SonarQube is still answering the first call.
      assertThat(sonar.awaitFirstCall()).isTrue();
      assertThat(stages).noneMatch(CompletableFuture::isDone);

      sonar.release();

      for (CompletableFuture<CredentialVerification> stage : stages) {
        assertThat(stage.get(10, TimeUnit.SECONDS).validity()).isEqualTo(CredentialValidity.VALID);
      }
      assertThat(sonar.totalCalls()).isEqualTo(1);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void ttlsAreAppliedToRealSonarQubeAnswers() throws Exception {
    CachingCredentialVerifier verifier = cached(sonarQube()).build();

    await(verifier, bearer(VALID_TOKEN));
    await(verifier, bearer(INVALID_TOKEN));
    advance(Duration.ofSeconds(11));
    await(verifier, bearer(VALID_TOKEN));
    await(verifier, bearer(INVALID_TOKEN));

    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(1);
    assertThat(sonar.calls(INVALID_TOKEN + ":")).isEqualTo(2);
  }

  @Test
  void failuresAreNotCached() throws Exception {
    sonar.reply(VALID_TOKEN + ":", Reply.SERVER_ERROR);
    CachingCredentialVerifier verifier = cached(sonarQube()).build();

    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN)))
        .hasCauseInstanceOf(CredentialVerificationException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN)))
        .hasCauseInstanceOf(CredentialVerificationException.class);
    sonar.reply(VALID_TOKEN + ":", Reply.VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN)).validity()).isEqualTo(CredentialValidity.VALID);

    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(3);
  }

  private CachingCredentialVerifier.Builder cached(CredentialVerifier delegate) {
    return CachingCredentialVerifier.builder(delegate).clock(clock).executor(Runnable::run);
  }

  private SonarQubeCredentialVerifier sonarQube() {
    return SonarQubeCredentialVerifier.builder().baseUri(sonar.baseUri()).build();
  }

  private void advance(Duration duration) {
    clock.advance(duration);
  }

  private static CredentialVerification await(CredentialVerifier verifier, Credential credential)
      throws Exception {
    return verifier.verify(credential).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
