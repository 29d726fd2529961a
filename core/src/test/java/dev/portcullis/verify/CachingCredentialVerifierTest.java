package dev.portcullis.verify;

import static dev.portcullis.verify.SonarQubeCredentialVerifierTest.INVALID_TOKEN;
import static dev.portcullis.verify.SonarQubeCredentialVerifierTest.VALID_TOKEN;
import static dev.portcullis.verify.SonarQubeCredentialVerifierTest.basic;
import static dev.portcullis.verify.SonarQubeCredentialVerifierTest.basicToken;
import static dev.portcullis.verify.SonarQubeCredentialVerifierTest.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Credential;
import dev.portcullis.CredentialValidity;
import dev.portcullis.CredentialVerification;
import dev.portcullis.ManualClock;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.verify.StubSonarQube.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingCredentialVerifierTest {

  private static final CredentialVerification VALID = new CredentialVerification(CredentialValidity.VALID, "test");
  private static final CredentialVerification INVALID = new CredentialVerification(CredentialValidity.INVALID, "test");

  private final ManualClock clock = new ManualClock();
  private StubSonarQube sonar;

  @BeforeEach
  void start() throws IOException {
    sonar = new StubSonarQube()
        .reply(VALID_TOKEN + ":", Reply.VALID)
        .reply(INVALID_TOKEN + ":", Reply.INVALID);
  }

  @AfterEach
  void stop() {
    sonar.close();
  }

  @Test
  void bearerAndBasicFormsOfATokenShareOneEntry() throws Exception {
    CachingCredentialVerifier verifier = cached(sonarQube()).build();

    assertThat(await(verifier, bearer(VALID_TOKEN)).validity()).isEqualTo(CredentialValidity.VALID);
    assertThat(await(verifier, basicToken(VALID_TOKEN)).validity()).isEqualTo(CredentialValidity.VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(new CredentialVerification(CredentialValidity.VALID, "sonarqube"));

    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(1);
    assertThat(verifier.keys()).hasSize(1);
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
        calls.add(CompletableFuture.supplyAsync(() -> {
          ready.countDown();
          awaitLatch(go);
          return verifier.verify(credential);
        }, threads));
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
  void validAnswerExpiresAfterThePositiveTtlHoweverOftenItIsUsed() throws Exception {
    CountingVerifier upstream = new CountingVerifier(credential -> CompletableFuture.completedFuture(VALID));
    CachingCredentialVerifier verifier = cached(upstream).positiveTtl(Duration.ofSeconds(60)).build();

    await(verifier, bearer(VALID_TOKEN));
    for (int second = 0; second < 59; second++) {
      advance(Duration.ofSeconds(1));
      assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    }
    advance(Duration.ofMillis(999));
    await(verifier, bearer(VALID_TOKEN));
    assertThat(upstream.calls()).isEqualTo(1);

    advance(Duration.ofMillis(1));
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void invalidAnswerExpiresAfterTheNegativeTtl() throws Exception {
    CountingVerifier upstream = new CountingVerifier(credential -> CompletableFuture.completedFuture(INVALID));
    CachingCredentialVerifier verifier = cached(upstream).negativeTtl(Duration.ofSeconds(10)).build();

    await(verifier, bearer(INVALID_TOKEN));
    advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(await(verifier, bearer(INVALID_TOKEN))).isEqualTo(INVALID);
    assertThat(upstream.calls()).isEqualTo(1);

    advance(Duration.ofNanos(1));
    await(verifier, bearer(INVALID_TOKEN));
    assertThat(upstream.calls()).isEqualTo(2);
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

    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN))).hasCauseInstanceOf(CredentialVerificationException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN))).hasCauseInstanceOf(CredentialVerificationException.class);
    sonar.reply(VALID_TOKEN + ":", Reply.VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN)).validity()).isEqualTo(CredentialValidity.VALID);

    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(3);
  }

  @Test
  void aVerifierThatThrowsOrAnswersNothingFailsAndIsAskedAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CachingCredentialVerifier verifier = cached(credential -> {
      switch (calls.incrementAndGet()) {
        case 1: throw new IllegalStateException("down");
        case 2: return null;
        case 3: return CompletableFuture.completedFuture(null);
        default: return CompletableFuture.completedFuture(VALID);
      }
    }).build();

    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN))).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN))).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN))).hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(calls.get()).isEqualTo(4);
  }

  @Test
  void cancellingOneCallersStageLeavesTheOthersAndTheEntryAlone() throws Exception {
    CompletableFuture<CredentialVerification> upstream = new CompletableFuture<>();
    CountingVerifier counting = new CountingVerifier(credential -> upstream);
    CachingCredentialVerifier verifier = cached(counting).build();

    CompletableFuture<CredentialVerification> first = verifier.verify(bearer(VALID_TOKEN)).toCompletableFuture();
    CompletableFuture<CredentialVerification> second = verifier.verify(bearer(VALID_TOKEN)).toCompletableFuture();
    first.cancel(true);
    upstream.complete(VALID);

    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(counting.calls()).isEqualTo(1);
  }

  @Test
  void differentCredentialsAreDifferentEntries() throws Exception {
    CountingVerifier upstream = new CountingVerifier(credential -> CompletableFuture.completedFuture(VALID));
    CachingCredentialVerifier verifier = cached(upstream).build();

    await(verifier, bearer(VALID_TOKEN));
    await(verifier, bearer(INVALID_TOKEN));
    await(verifier, basic("scanner", VALID_TOKEN));
    await(verifier, basic("other", VALID_TOKEN));
    await(verifier, Credential.parse(List.of("Token " + VALID_TOKEN)));

    assertThat(upstream.calls()).isEqualTo(5);
    assertThat(verifier.keys()).hasSize(5);
  }

  @Test
  void theCacheNeverHoldsTheCredential() throws Exception {
    CachingCredentialVerifier verifier = cached(sonarQube()).build();
    String password = "correct horse battery staple";

    await(verifier, bearer(VALID_TOKEN));
    await(verifier, bearer(INVALID_TOKEN));
    await(verifier, basic("scanner", password));

    assertThat(verifier.keys()).hasSize(3);
    for (CredentialDigest key : verifier.keys()) {
      assertThat(key.bytes()).hasSize(32);
      for (String secret : List.of(VALID_TOKEN, INVALID_TOKEN, password, "scanner")) {
        assertThat(Collections.indexOfSubList(boxed(key.bytes()), boxed(secret.substring(0, 4).getBytes(StandardCharsets.UTF_8))))
            .isEqualTo(-1);
        assertThat(key.toString()).doesNotContain(secret);
      }
    }
    assertThat(verifier.toString()).doesNotContain(VALID_TOKEN).contains("positiveTtl=PT1M");
  }

  @Test
  void builderRefusesNonsense() {
    assertThatThrownBy(() -> CachingCredentialVerifier.builder(CredentialVerifier.NONE).positiveTtl(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CachingCredentialVerifier.builder(CredentialVerifier.NONE).negativeTtl(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CachingCredentialVerifier.builder(CredentialVerifier.NONE).maximumSize(0).build())
        .isInstanceOf(IllegalArgumentException.class);
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

  private static CredentialVerification await(CredentialVerifier verifier, Credential credential) throws Exception {
    return verifier.verify(credential).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<Byte> boxed(byte[] bytes) {
    List<Byte> list = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      list.add(b);
    }
    return list;
  }

  /** Counts the calls that reach it. */
  private static final class CountingVerifier implements CredentialVerifier {
    private final Function<Credential, CompletionStage<CredentialVerification>> answer;
    private final AtomicInteger calls = new AtomicInteger();

    CountingVerifier(Function<Credential, CompletionStage<CredentialVerification>> answer) {
      this.answer = answer;
    }

    @Override
    public CompletionStage<CredentialVerification> verify(Credential credential) {
      calls.incrementAndGet();
      return answer.apply(credential);
    }

    int calls() {
      return calls.get();
    }
  }
}
