/**
 * Credential verifiers: asking SonarQube or a file of token hashes whether a credential is genuine, and
 * caching SonarQube's answer keyed by a salted digest of the credential.
 */
package dev.portcullis.verify;
