/**
 * Extension points, each a small interface to implement:
 *
 * <ul>
 *   <li>{@link dev.portcullis.spi.RequestAccessor}: how an adapter reads its stack's request;
 *   <li>{@link dev.portcullis.spi.PolicyEngine}: what evaluates the policy (the OPA wasm engine in
 *       {@code dev.portcullis.opa} and the OPA server client in {@code dev.portcullis.opa.remote}
 *       are two);
 *   <li>{@link dev.portcullis.spi.CredentialClassifier}: how a product's tokens are told apart
 *       ({@code credential.kind});
 *   <li>{@link dev.portcullis.spi.CredentialVerifier}: who decides whether a credential is genuine;
 *   <li>and, living next to what they extend, {@link
 *       dev.portcullis.throttle.CredentialFailureThrottle} (who counts failed credentials per
 *       client) and {@link dev.portcullis.DecisionListener} (who hears every decision).
 * </ul>
 *
 * A product profile, such as the SonarQube one in {@code portcullis-policies}, is a set of these
 * plus a policy.
 */
package dev.portcullis.spi;
