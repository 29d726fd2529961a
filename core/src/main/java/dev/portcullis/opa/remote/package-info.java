/**
 * A policy engine that asks an OPA server over its Data API, for users who already run OPA
 * centrally; apart from {@code dev.portcullis.opa} because it needs neither the wasm runtime nor a
 * compiled policy, only the JDK's HTTP client.
 */
package dev.portcullis.opa.remote;
