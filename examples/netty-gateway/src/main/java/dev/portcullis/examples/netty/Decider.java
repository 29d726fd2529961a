package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;

/** What decides about each request in front of the proxy, and where the proxy reads what it judged. */
interface Decider {

  /** A new handler for one client connection, placed between the idle handler and the proxy. */
  ChannelHandler newHandler();

  /**
   * The origin-form target to forward {@code request} to, or {@code null} when nothing allowed it, in
   * which case the proxy refuses it.
   */
  String judged(Channel channel, HttpRequest request);
}
