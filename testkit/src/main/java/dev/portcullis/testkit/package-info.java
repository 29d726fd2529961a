/**
 * The conformance suite every Portcullis adapter runs, the test doubles Portcullis tests share, and
 * the kit for testing policies.
 *
 * <p>For policy authors:
 *
 * <ul>
 *   <li>{@link dev.portcullis.testkit.PortcullisArbitraries}: jqwik arbitraries of scanner traffic
 *       ({@link dev.portcullis.testkit.ServerGeneration}, {@link
 *       dev.portcullis.testkit.ScannerKind}), sensitive endpoints ({@link
 *       dev.portcullis.testkit.EndpointFamily}), hostile variants ({@link
 *       dev.portcullis.testkit.PathVariant}, {@link dev.portcullis.testkit.ParameterPlacement}),
 *       credentials ({@link dev.portcullis.testkit.TestCredential}) and client addresses.
 *   <li>{@link dev.portcullis.testkit.PolicyHarness}: compiles Rego with the real {@code opa}
 *       ({@link dev.portcullis.testkit.OpaCli}) and decides requests through the real enforcer.
 *   <li>{@link dev.portcullis.testkit.DecisionAssert}: AssertJ assertions on decisions whose
 *       failures print a {@code decide} command line ({@link
 *       dev.portcullis.testkit.RawRequests#toDecideCommand}).
 *   <li>{@link dev.portcullis.testkit.OpaEvalDifferential}: the embedded engine against {@code opa
 *       eval}.
 *   <li>{@link dev.portcullis.testkit.OpaServer}: a real {@code opa run --server} on a free
 *       loopback port with your Rego and data, to test the remote engine ({@link
 *       dev.portcullis.opa.remote.RemoteOpaPolicyEngine}) or anything else that asks OPA over HTTP.
 * </ul>
 *
 * <p>For adapters and Portcullis' own tests:
 *
 * <ul>
 *   <li>{@link dev.portcullis.testkit.AbstractAdapterConformanceTest}: the suite an adapter
 *       extends.
 *   <li>{@link dev.portcullis.testkit.StubPolicyEngine}: decisions by path, for adapter tests.
 *   <li>{@link dev.portcullis.testkit.UpstreamHandler} and {@link
 *       dev.portcullis.testkit.EchoUpstream}: the application behind an adapter under test.
 *   <li>{@link dev.portcullis.testkit.Payload}: deterministic bodies of any size, and their hashes.
 *   <li>{@link dev.portcullis.testkit.RawHttpConnection}: an HTTP/1.1 client on a plain socket, for
 *       pipelining, bad framing and closes; it reads {@link
 *       dev.portcullis.testkit.RawHttpResponse}s, which also parse what a server wrote to an
 *       embedded channel.
 *   <li>{@link dev.portcullis.testkit.RawHttp}: one exchange on its own connection, and whether the
 *       server closed it afterwards.
 *   <li>{@link dev.portcullis.testkit.FakeSonarQube}: SonarQube's credential validation on a real
 *       HTTP server, with replies per credential, held and stalled answers, a context path and
 *       extra routes.
 *   <li>{@link dev.portcullis.testkit.RecordingUpstream}: an HTTP/1.1 upstream on raw sockets that
 *       records what reaches it (heads at once, bodies complete or cut short), counts connections,
 *       notices closes and misbehaves on request.
 *   <li>{@link dev.portcullis.testkit.ManualClock}: a {@link java.time.Clock} a test moves by hand.
 *   <li>{@link dev.portcullis.testkit.NettyLeakCheck} and {@link
 *       dev.portcullis.testkit.RecordingLeakDetector}: fail a test that leaked a Netty buffer
 *       (Netty is an optional dependency: only these two need it).
 *   <li>{@link dev.portcullis.testkit.RedisServer}: a real {@code redis-server} on a free loopback
 *       port, stopped and started again to play an outage of a shared throttle.
 * </ul>
 */
package dev.portcullis.testkit;
