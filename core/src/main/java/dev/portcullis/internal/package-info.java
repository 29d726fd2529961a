/**
 * Not API: what the core's own packages share (the policy input writer, the request framing checks, the
 * policy result reader), free to change in any release and never imported by adapters.
 */
package dev.portcullis.internal;
