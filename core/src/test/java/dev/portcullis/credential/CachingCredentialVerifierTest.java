package dev.portcullis.credential;

import static dev.portcullis.credential.TestCredentials.INVALID_TOKEN;
import static dev.portcullis.credential.TestCredentials.VALID_TOKEN;
import static dev.portcullis.credential.TestCredentials.basic;
import static dev.portcullis.credential.TestCredentials.basicToken;
import static dev.portcullis.credential.TestCredentials.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.ManualClock;
import dev.portcullis.credential.FakeUpstream.Reply;
import dev.portcullis.spi.CredentialVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingCredentialVerifierTest {

  private static final CredentialVerification VALID =
      new CredentialVerification(CredentialValidity.VALID, "test");
  private static final CredentialVerification INVALID =
      new CredentialVerification(CredentialValidity.INVALID, "test");

  private final ManualClock clock = new ManualClock();
  private FakeUpstream sonar;

  @BeforeEach
  void start() {
    sonar =
        new FakeUpstream("sonarqube")
            .reply(VALID_TOKEN + ":", Reply.VALID)
            .reply(INVALID_TOKEN + ":", Reply.INVALID);
  }

  @Test
  void bearerAndBasicFormsOfATokenShareOneEntry() throws Exception {
    CachingCredentialVerifier verifier = cached(sonarQube()).build();

    assertThat(await(verifier, bearer(VALID_TOKEN)).validity()).isEqualTo(CredentialValidity.VALID);
    assertThat(await(verifier, basicToken(VALID_TOKEN)).validity())
        .isEqualTo(CredentialValidity.VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN)))
        .isEqualTo(new CredentialVerification(CredentialValidity.VALID, "sonarqube"));

    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(1);
    assertThat(verifier.keys()).hasSize(1);
  }

  @Test
  void validAnswerExpiresAfterThePositiveTtlHoweverOftenItIsUsed() throws Exception {
    CountingVerifier upstream =
        new CountingVerifier(credential -> CompletableFuture.completedFuture(VALID));
    CachingCredentialVerifier verifier =
        cached(upstream).positiveTtl(Duration.ofSeconds(60)).build();

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
    CountingVerifier upstream =
        new CountingVerifier(credential -> CompletableFuture.completedFuture(INVALID));
    CachingCredentialVerifier verifier =
        cached(upstream).negativeTtl(Duration.ofSeconds(10)).build();

    await(verifier, bearer(INVALID_TOKEN));
    advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(await(verifier, bearer(INVALID_TOKEN))).isEqualTo(INVALID);
    assertThat(upstream.calls()).isEqualTo(1);

    advance(Duration.ofNanos(1));
    await(verifier, bearer(INVALID_TOKEN));
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void aVerifierThatThrowsOrAnswersNothingFailsAndIsAskedAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CachingCredentialVerifier verifier =
        cached(
                credential -> {
                  switch (calls.incrementAndGet()) {
                    case 1:
                      throw new IllegalStateException("down");
                    case 2:
                      return null;
                    case 3:
                      return CompletableFuture.completedFuture(null);
                    default:
                      return CompletableFuture.completedFuture(VALID);
                  }
                })
            .build();

    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN)))
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN)))
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> await(verifier, bearer(VALID_TOKEN)))
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(calls.get()).isEqualTo(4);
  }

  @Test
  void cancellingOneCallersStageLeavesTheOthersAndTheEntryAlone() throws Exception {
    CompletableFuture<CredentialVerification> upstream = new CompletableFuture<>();
    CountingVerifier counting = new CountingVerifier(credential -> upstream);
    CachingCredentialVerifier verifier = cached(counting).build();

    CompletableFuture<CredentialVerification> first =
        verifier.verify(bearer(VALID_TOKEN)).toCompletableFuture();
    CompletableFuture<CredentialVerification> second =
        verifier.verify(bearer(VALID_TOKEN)).toCompletableFuture();
    first.cancel(true);
    upstream.complete(VALID);

    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(VALID);
    assertThat(await(verifier, bearer(VALID_TOKEN))).isEqualTo(VALID);
    assertThat(counting.calls()).isEqualTo(1);
  }

  @Test
  void differentCredentialsAreDifferentEntries() throws Exception {
    CountingVerifier upstream =
        new CountingVerifier(credential -> CompletableFuture.completedFuture(VALID));
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
        assertThat(
                Collections.indexOfSubList(
                    boxed(key.bytes()),
                    boxed(secret.substring(0, 4).getBytes(StandardCharsets.UTF_8))))
            .isEqualTo(-1);
        assertThat(key.toString()).doesNotContain(secret);
      }
    }
    assertThat(verifier.toString()).doesNotContain(VALID_TOKEN).contains("positiveTtl=PT1M");
  }

  @Test
  void builderRefusesNonsense() {
    assertThatThrownBy(
            () ->
                CachingCredentialVerifier.builder(CredentialVerifier.NONE)
                    .positiveTtl(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                CachingCredentialVerifier.builder(CredentialVerifier.NONE)
                    .negativeTtl(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> CachingCredentialVerifier.builder(CredentialVerifier.NONE).maximumSize(0).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  private CachingCredentialVerifier.Builder cached(CredentialVerifier delegate) {
    return CachingCredentialVerifier.builder(delegate).clock(clock).executor(Runnable::run);
  }

  private FakeUpstream sonarQube() {
    return sonar;
  }

  private void advance(Duration duration) {
    clock.advance(duration);
  }

  private static CredentialVerification await(CredentialVerifier verifier, Credential credential)
      throws Exception {
    return verifier.verify(credential).toCompletableFuture().get(10, TimeUnit.SECONDS);
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
