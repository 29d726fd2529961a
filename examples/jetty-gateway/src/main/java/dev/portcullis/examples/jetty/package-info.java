/** A runnable Jetty 12 reverse proxy for SonarQube with the Portcullis servlet filter in front. */
package dev.portcullis.examples.jetty;
