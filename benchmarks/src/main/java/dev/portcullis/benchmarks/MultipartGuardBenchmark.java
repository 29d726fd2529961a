package dev.portcullis.benchmarks;

import dev.portcullis.Decision;
import dev.portcullis.body.MultipartGuard;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What judging a report upload's multipart body costs the gateway: one {@link MultipartGuard} over
 * a 16 MiB body with a single report part, fed in 64 KiB chunks as an adapter reads it, on a heap
 * buffer (the servlet filter's reads) or a direct one (Netty's). The content is random bytes (a
 * zip), or text with a line feed every 40 bytes, the guard's slower case. Divide 16 MiB by the time
 * per operation for the rate.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MultipartGuardBenchmark -f 1 -wi 3 -w
 * 2s -i 5 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(1)
public class MultipartGuardBenchmark {

  private static final int CONTENT_BYTES = 16 * 1024 * 1024;
  private static final int CHUNK_BYTES = 64 * 1024;
  private static final String BOUNDARY = "a7f3c2e1-9b4d-4c2a-8e6f-0d1b2c3d4e5f";
  private static final Decision ALLOW =
      Decision.allow(List.of("scanner_endpoint"), "Allowed.").withBodyParts(Set.of("report"));

  @Param({"zip", "text"})
  public String content;

  @Param({"heap", "direct"})
  public String buffer;

  private ByteBuffer[] chunks;

  @Setup
  public void setUp() {
    byte[] bytes = new byte[CONTENT_BYTES];
    if (content.equals("zip")) {
      new Random(42).nextBytes(bytes);
    } else {
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) (i % 40 == 39 ? '\n' : 'a' + i % 26);
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"r.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(bytes);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] whole = body.toByteArray();
    int count = (whole.length + CHUNK_BYTES - 1) / CHUNK_BYTES;
    chunks = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      int length = Math.min(CHUNK_BYTES, whole.length - i * CHUNK_BYTES);
      ByteBuffer chunk =
          buffer.equals("heap") ? ByteBuffer.allocate(length) : ByteBuffer.allocateDirect(length);
      chunk.put(whole, i * CHUNK_BYTES, length).flip();
      chunks[i] = chunk;
    }
  }

  @Benchmark
  public Decision judgeBody() {
    MultipartGuard guard =
        MultipartGuard.forBody(ALLOW, "multipart/form-data; boundary=" + BOUNDARY);
    for (ByteBuffer chunk : chunks) {
      Decision refusal = guard.check(chunk);
      if (refusal != null) {
        throw new IllegalStateException("refused: " + guard.why());
      }
    }
    return guard.end();
  }
}
