package dev.portcullis.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic request and response bodies of any size, generated as streams so that a test never
 * holds a large body in memory, and their SHA-256.
 */
public final class Payload {

  private Payload() {}

  /** The byte at position {@code index} of every payload. */
  static byte byteAt(long index) {
    // Not periodic at any buffer size a container uses, so a dropped or repeated chunk changes the
    // hash.
    long x = index * 0x9E3779B97F4A7C15L;
    return (byte) (x >>> 56 ^ index >>> 13);
  }

  /** A fresh stream of the first {@code size} payload bytes. */
  public static InputStream stream(long size) {
    return new InputStream() {
      private long position;

      @Override
      public int read() {
        return position < size ? byteAt(position++) & 0xff : -1;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) {
        if (length == 0) {
          return 0;
        }
        if (position >= size) {
          return -1;
        }
        int count = (int) Math.min(length, size - position);
        for (int i = 0; i < count; i++) {
          buffer[offset + i] = byteAt(position++);
        }
        return count;
      }
    };
  }

  /** The hex SHA-256 of the first {@code size} payload bytes. */
  public static String sha256(long size) {
    try {
      return digest(stream(size)).sha256();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code in} to its end, keeping only its length and SHA-256. */
  public static Digest digest(InputStream in) throws IOException {
    MessageDigest sha = sha256Digest();
    byte[] buffer = new byte[64 * 1024];
    long count = 0;
    int read;
    while ((read = in.read(buffer)) >= 0) {
      sha.update(buffer, 0, read);
      count += read;
    }
    return new Digest(count, HexFormat.of().formatHex(sha.digest()));
  }

  static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * The length and hash of a body that was streamed through.
   *
   * @param bytes how many bytes were read
   * @param sha256 their SHA-256 in lower-case hex
   */
  public record Digest(long bytes, String sha256) {}
}
