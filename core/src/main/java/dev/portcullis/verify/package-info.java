/**
 * Credential verifiers: asking SonarQube whether a token or password is genuine, and caching the answer
 * keyed by a salted digest of the credential.
 */
package dev.portcullis.verify;
