/**
 * Credential verifiers that any product can use: a file of token hashes, and a cache in front of a verifier
 * that asks the product, keyed by a salted digest of the credential.
 */
package dev.portcullis.verify;
