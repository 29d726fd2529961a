/**
 * Not API: what the core's packages share (the policy input writer, the request framing checks, the
 * policy result reader, warn-once logging, a size-bounded HTTP response body), free to change in
 * any release, used by first-party profile modules such as {@code portcullis-policies} at most and
 * never imported by adapters.
 */
package dev.portcullis.internal;
