package dev.portcullis.examples.netty;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.netty.PortcullisHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The Portcullis Netty handler in front of the proxy: one handler per connection, and the decision
 * it leaves on the channel for the request it passes on.
 *
 * <p>A request is forwarded only when the decision on the channel allows exactly the target the
 * request now carries (the handler replaced it with the judged canonical target), for the client
 * the decision resolved behind trusted proxies. The decision is taken off the channel as it is
 * used, so one decision never forwards two requests.
 */
final class PortcullisDecider implements Decider {

  private final PortcullisHandler.Builder handlers;

  PortcullisDecider(PolicyEnforcer enforcer) {
    this.handlers = PortcullisHandler.builder(enforcer);
  }

  @Override
  public ChannelHandler newHandler() {
    return handlers.build();
  }

  @Override
  public Allowed judged(Channel channel, HttpRequest request) {
    Decision decision = channel.attr(PortcullisHandler.DECISION).getAndSet(null);
    if (decision == null
        || !decision.allow()
        || !decision.forwardTarget().startsWith("/")
        || !decision.forwardTarget().equals(request.uri())) {
      return null;
    }
    return new Allowed(decision.forwardTarget(), decision.clientIp());
  }
}
