/**
 * Brute-force throttling: a client that presents too many failed credentials is refused with 429
 * and {@code Retry-After} before any further credential is verified.
 */
package dev.portcullis.throttle;
