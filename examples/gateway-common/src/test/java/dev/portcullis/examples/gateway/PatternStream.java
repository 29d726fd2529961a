package dev.portcullis.examples.gateway;

import java.io.InputStream;

/**
 * The byte pattern of the gateway tests' downloads and uploads ({@link #fill}), generated on the
 * fly so no test holds a whole body in memory.
 */
public final class PatternStream extends InputStream {
  private final long size;
  private long position;
  private final byte[] chunk = new byte[64 * 1024];
  private int chunkOffset = chunk.length;

  public PatternStream(long size) {
    this.size = size;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) {
    if (position >= size) {
      return -1;
    }
    if (chunkOffset == chunk.length) {
      fill(chunk, position);
      chunkOffset = 0;
    }
    int count = (int) Math.min(Math.min(length, chunk.length - chunkOffset), size - position);
    System.arraycopy(chunk, chunkOffset, buffer, offset, count);
    chunkOffset += count;
    position += count;
    return count;
  }

  /** Fills {@code chunk} with the pattern's bytes from position {@code offset} on. */
  public static void fill(byte[] chunk, long offset) {
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) ((offset + i) * 31 % 251);
    }
  }
}
