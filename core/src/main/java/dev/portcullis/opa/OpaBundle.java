package dev.portcullis.opa;

import dev.portcullis.PolicyLoadException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The two members of an {@code opa build -t wasm} bundle ({@code bundle.tar.gz}) that an engine
 * needs: the compiled policy and the data document.
 *
 * @param policy the compiled {@code /policy.wasm}
 * @param data the bundle's {@code /data.json}, or {@code {}} when it has none
 */
public record OpaBundle(PolicySource policy, String data) {

  private static final int BLOCK = 512;
  private static final long MAX_MEMBER_BYTES = 64L << 20;

  /** Reads a gzipped tar bundle as written by {@code opa build -t wasm}. */
  public static OpaBundle read(Path bundle) {
    byte[] wasm = null;
    String data = "{}";
    try (InputStream in = new GZIPInputStream(Files.newInputStream(bundle))) {
      byte[] header = new byte[BLOCK];
      while (readBlock(in, header)) {
        if (isZeroBlock(header)) {
          break;
        }
        String name = field(header, 0, 100);
        String sizeField = field(header, 124, 12).trim();
        long size = sizeField.isEmpty() ? 0 : Long.parseLong(sizeField, 8);
        char type = (char) header[156];
        if (size < 0 || size > MAX_MEMBER_BYTES) {
          throw new PolicyLoadException("Bundle '" + bundle + "' has a member larger than 64 MiB.");
        }
        byte[] content = readMember(in, size);
        String member = name.startsWith("/") ? name.substring(1) : name;
        if (type == '0' || type == 0) {
          if (member.equals("policy.wasm")) {
            wasm = content;
          } else if (member.equals("data.json")) {
            data = new String(content, StandardCharsets.UTF_8);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new PolicyLoadException(
          "Bundle '" + bundle + "' is not a readable gzipped tar (" + e + ").", e);
    }
    if (wasm == null) {
      throw new PolicyLoadException(
          "Bundle '"
              + bundle
              + "' has no /policy.wasm; build it with 'opa build -t wasm -e <entrypoint> <dir>'.");
    }
    return new OpaBundle(PolicySource.bytes(bundle.toString(), wasm), data);
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int read = in.readNBytes(block, 0, BLOCK);
    if (read == 0) {
      return false;
    }
    if (read < BLOCK) {
      throw new IOException("truncated tar header");
    }
    return true;
  }

  private static byte[] readMember(InputStream in, long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
    byte[] block = new byte[BLOCK];
    long remaining = size;
    while (remaining > 0) {
      if (in.readNBytes(block, 0, BLOCK) < BLOCK) {
        throw new IOException("truncated tar member");
      }
      out.write(block, 0, (int) Math.min(BLOCK, remaining));
      remaining -= BLOCK;
    }
    return out.toByteArray();
  }

  private static boolean isZeroBlock(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
