/**
 * A runnable Netty 4.2 streaming reverse proxy for SonarQube with the Portcullis handler in front.
 */
package dev.portcullis.examples.netty;
