/**
 * Portcullis core: turns an HTTP request into a {@link dev.portcullis.PolicyInput}, asks a {@link
 * dev.portcullis.spi.PolicyEngine} and returns a {@link dev.portcullis.Decision}, failing closed.
 */
package dev.portcullis;
