package dev.portcullis.examples.jetty;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.NanoTime;

/**
 * Jetty's HTTP/1.1 connection factory with a deadline on every request head: the request line and
 * header fields must be complete within {@code headerTimeout} of the head's first byte (a blank
 * line before a request line counts), however slowly they trickle in, or the connection is closed.
 *
 * <p>Why a connection of our own: Jetty 12 has no such deadline. Its idle timeout restarts with
 * every byte, so under a 2 s idle timeout a client sending a header byte every 1.5 s holds a
 * connection as long as it likes, and {@code HttpConfiguration.setMinRequestDataRate} measures only
 * bodies that the application reads. Only the connection sees its parser, so after each read that
 * leaves a head incomplete it shortens its endpoint's idle timeout to what is left of the deadline;
 * Jetty's own idle expiry, which closes a connection that has no request yet, then cuts the head at
 * the deadline, on Jetty's scheduler and without a task of ours. Once the head is complete the
 * connection's normal idle timeout is back before the request is handled. This extends Jetty's
 * internal {@link HttpConnection}, so recheck it on every Jetty upgrade; the protocol tests pin the
 * behaviour.
 */
final class HeaderDeadlineConnectionFactory extends HttpConnectionFactory {

  private final long headerTimeoutNanos;

  HeaderDeadlineConnectionFactory(HttpConfiguration configuration, Duration headerTimeout) {
    super(configuration);
    this.headerTimeoutNanos = headerTimeout.toNanos();
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    DeadlineConnection connection =
        new DeadlineConnection(getHttpConfiguration(), connector, endPoint, headerTimeoutNanos);
    connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
    return configure(connection, connector, endPoint);
  }

  /**
   * A connection that times the head it is receiving. Its fields are touched only by the thread
   * that parses, which Jetty hands the connection to with a happens-before edge.
   */
  private static final class DeadlineConnection extends HttpConnection {
    private final long headerTimeoutNanos;
    private final long idleTimeoutMillis;
    private boolean receivingHead;
    private long headStart;
    private long headsCompleted;

    DeadlineConnection(
        HttpConfiguration configuration,
        Connector connector,
        EndPoint endPoint,
        long headerTimeoutNanos) {
      super(configuration, connector, endPoint);
      this.headerTimeoutNanos = headerTimeoutNanos;
      this.idleTimeoutMillis = connector.getIdleTimeout();
    }

    @Override
    public void onFillable() {
      long bytesBefore = getBytesIn();
      long headsBefore = headsCompleted;
      super.onFillable();
      HttpParser parser = getParser();
      if (!parser.isStart() && parser.inHeaderState()) {
        limit(parser.getBeginNanoTime());
      } else if (parser.isStart() && getBytesIn() > bytesBefore && headsCompleted == headsBefore) {
        // Blank lines before a request line: Jetty skips them, but they must not hold the
        // connection either.
        limit(NanoTime.now());
      }
    }

    private void limit(long firstByte) {
      if (!receivingHead) {
        receivingHead = true;
        headStart = firstByte;
      }
      long left = TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos - NanoTime.since(headStart));
      if (left <= 0) {
        getEndPoint()
            .close(new TimeoutException("request head not complete within the header timeout"));
        return;
      }
      getEndPoint().setIdleTimeout(Math.min(left, idleTimeoutMillis));
    }

    private void headComplete() {
      headsCompleted++;
      if (receivingHead) {
        receivingHead = false;
        getEndPoint().setIdleTimeout(idleTimeoutMillis);
      }
    }

    @Override
    protected RequestHandler newRequestHandler() {
      // Called by the superclass constructor: the handler may only use this connection's fields
      // later.
      return new RequestHandler() {
        @Override
        public boolean headerComplete() {
          headComplete();
          return super.headerComplete();
        }
      };
    }
  }
}
