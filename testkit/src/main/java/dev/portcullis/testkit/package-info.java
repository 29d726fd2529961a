/**
 * The conformance suite every Portcullis adapter runs, and the test doubles Portcullis tests share.
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
