/** The Netty adapter: a pipeline handler that asks the core enforcer before a request is forwarded. */
package dev.portcullis.netty;
