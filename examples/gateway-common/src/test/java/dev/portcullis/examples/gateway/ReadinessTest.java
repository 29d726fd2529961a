package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadinessTest {

  private final Readiness readiness = new Readiness(true, false);

  private void started() {
    readiness.policyLoaded();
    readiness.serving();
    readiness.sonarQubeAnswered();
  }

  @Test
  void readyOnlyOnceEveryCheckPasses() {
    assertThat(readiness.ready()).isFalse();
    readiness.policyLoaded();
    readiness.serving();
    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.json()).contains("SonarQube has not answered yet");

    readiness.sonarQubeAnswered();

    assertThat(readiness.ready()).isTrue();
    assertThat(readiness.json()).contains("\"throttle_store\":\"available\"");
  }

  @Test
  void notReadyWhileTheSharedThrottleStoreDoesNotAnswer() {
    AtomicBoolean redis = new AtomicBoolean(true);
    started();
    readiness.throttleStore(redis::get);

    redis.set(false);

    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.json())
        .contains("\"throttle_store\":\"unavailable\"")
        .contains("shared throttle store (Redis) does not answer");
    redis.set(true);
    assertThat(readiness.ready()).isTrue();
  }

  @Test
  void notReadyOnceStopping() {
    started();

    readiness.stopping();

    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.json()).contains("the gateway is stopping");
  }

  @Test
  void notReadyWhileTheRemoteEngineDoesNotAnswer() {
    AtomicBoolean opa = new AtomicBoolean(false);
    started();
    assertThat(readiness.json()).contains("\"remote_engine\":\"not_used\"");
    readiness.remoteEngine(opa::get);

    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.json())
        .contains("\"remote_engine\":\"not_answering\"")
        .contains("remote OPA server (--engine) has not answered");
    opa.set(true);
    assertThat(readiness.ready()).isTrue();
    assertThat(readiness.json()).contains("\"remote_engine\":\"answering\"");
  }
}
