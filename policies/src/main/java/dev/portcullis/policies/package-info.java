/**
 * The SonarQube profile: the scanner policy (its compiled wasm, its configuration, an engine ready
 * to use) and what the enforcer needs to know about SonarQube's credentials, how to name, verify
 * and challenge them.
 */
package dev.portcullis.policies;
