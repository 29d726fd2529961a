package dev.portcullis.examples.gateway;

import java.net.URI;

/** A started gateway, whatever server it runs on. */
public interface RunningGateway extends AutoCloseable {

  /** Where the gateway listens. */
  URI uri();

  /** Where the admin listener ({@code --admin-listen}) listens, or {@code null} without one. */
  default URI adminUri() {
    return null;
  }

  /** One line saying where it listens, what it forwards to and how it decides. */
  String describe();

  /** Waits until the gateway stops. */
  void join() throws InterruptedException;

  /** Stops accepting, lets running exchanges finish for a few seconds, then stops. */
  @Override
  void close() throws Exception;
}
