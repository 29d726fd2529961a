package dev.portcullis.netty;

import dev.portcullis.Decision;
import java.util.Objects;

/**
 * The user event {@link PortcullisHandler} fires towards the handlers behind it when it stops
 * passing on the body of a request it had allowed: neither more content nor a {@code
 * LastHttpContent} follows for that request, so whatever was started for it, such as a request to
 * an upstream, must be abandoned and never completed as if the body were whole.
 *
 * <p>Right after this event the handler answers the client itself when no response had begun (with
 * the status of {@code deny}) and closes the connection; whatever the handlers behind write
 * afterwards is discarded. A handler that ignores the event still sees the channel close.
 *
 * @param deny why the request was aborted, such as {@link Decision#bodyTooLarge()}
 */
public record RequestAborted(Decision deny) {

  public RequestAborted {
    Objects.requireNonNull(deny, "deny");
  }
}
