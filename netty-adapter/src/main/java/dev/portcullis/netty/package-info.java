/**
 * The Netty adapter: {@link dev.portcullis.netty.PortcullisHandler}, a pipeline handler placed
 * right after {@code HttpServerCodec} that asks the core enforcer about each request before it is
 * forwarded, answers denied ones itself and keeps pipelined responses in request order.
 */
package dev.portcullis.netty;
