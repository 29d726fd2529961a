package dev.portcullis;

/**
 * A policy or its configuration could not be loaded. Thrown at build time, so a gateway with a
 * broken policy never starts; the message names the policy, what is wrong and how to fix it.
 */
public class PolicyLoadException extends PortcullisException {
  private static final long serialVersionUID = 1L;

  public PolicyLoadException(String message) {
    super(message);
  }

  public PolicyLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
