package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What decides about each request in front of the proxy, and where the proxy reads what it judged.
 */
interface Decider {

  /**
   * What was allowed for one request.
   *
   * @param target the origin-form target to forward the request to
   * @param clientIp the client the request was allowed for, resolved behind trusted proxies, or ""
   *     when the decider did not resolve one and the connection's peer is the client
   */
  record Allowed(String target, String clientIp) {}

  /** A new handler for one client connection, placed between the idle handler and the proxy. */
  ChannelHandler newHandler();

  /**
   * What allowed {@code request}, or {@code null} when nothing allowed it, in which case the proxy
   * refuses it.
   */
  Allowed judged(Channel channel, HttpRequest request);
}
