package dev.portcullis;

/** The root of every exception Portcullis throws. */
public class PortcullisException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PortcullisException(String message) {
    super(message);
  }

  public PortcullisException(String message, Throwable cause) {
    super(message, cause);
  }
}
