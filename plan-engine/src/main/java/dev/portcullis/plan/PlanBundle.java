package dev.portcullis.plan;

import dev.portcullis.PolicyLoadException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * The parts of an {@code opa build -t plan} bundle (a gzipped tar) the plan engine needs: {@code
 * /plan.json} and the data document, merged from every {@code data.json} at the path of its
 * directory, as OPA does ({@code /a/b/data.json} becomes {@code data.a.b}).
 *
 * <p>Hostile archives are refused at load: an entry whose path has a {@code ..} segment, a link or
 * other special entry, or more than {@link #MAX_UNCOMPRESSED_BYTES} uncompressed in total. Policy
 * sources, the manifest and wasm modules in the bundle are ignored; {@code data.yaml} is refused
 * (not implemented) rather than silently dropped.
 */
record PlanBundle(byte[] plan, Object data, boolean hasData) {

  /** The bound on the whole uncompressed archive (tar headers included). */
  static final long MAX_UNCOMPRESSED_BYTES = 64L * 1024 * 1024;

  private static final int BLOCK = 512;

  static PlanBundle read(String name, byte[] gzipped) {
    return read(name, gzipped, MAX_UNCOMPRESSED_BYTES);
  }

  static PlanBundle read(String name, byte[] gzipped, long limit) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      return read(name, new Bounded(in, limit, name));
    } catch (PolicyLoadException e) {
      throw e;
    } catch (IOException e) {
      throw new PolicyLoadException(
          "Bundle '" + name + "' is not a readable gzipped tar: " + e.getMessage(), e);
    }
  }

  private static PlanBundle read(String name, Bounded in) throws IOException {
    byte[] plan = null;
    TreeMap<String, Object> dataFiles = new TreeMap<>();
    String longName = null;
    byte[] header = new byte[BLOCK];
    while (true) {
      if (!readBlock(in, header)) {
        break; // a tar may end without its two zero blocks
      }
      if (isZero(header)) {
        break;
      }
      String path = longName != null ? longName : headerName(header);
      longName = null;
      long size = octal(header, 124, 12, name);
      byte type = header[156];
      if (size > in.remaining()) {
        throw tooLarge(name, in.limit);
      }
      byte[] body = in.readNBytes((int) size);
      if (body.length != size) {
        throw new EOFException("truncated entry " + path);
      }
      in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
      if (type == 'x') {
        longName = paxPath(body);
        continue;
      }
      if (type == 'L') {
        longName = cString(body, 0, body.length);
        continue;
      }
      if (type == 'g' || type == '5') {
        continue;
      }
      String member = safePath(path, name);
      if (type != '0' && type != 0 && type != '7') {
        throw new PolicyLoadException(
            "Bundle '" + name + "' has entry '" + path + "' that is not a regular file: refused.");
      }
      if (member.equals("plan.json")) {
        plan = body;
      } else if (member.equals("data.json") || member.endsWith("/data.json")) {
        String dir = member.equals("data.json") ? "" : member.substring(0, member.length() - 10);
        try {
          dataFiles.put(dir, Values.parseJson(new String(body, StandardCharsets.UTF_8)));
        } catch (IOException e) {
          throw new PolicyLoadException(
              "Bundle '" + name + "': '" + path + "' is not valid JSON: " + e.getMessage(), e);
        }
      } else if (member.endsWith("data.yaml") || member.endsWith("data.yml")) {
        throw new PolicyLoadException(
            "Bundle '" + name + "' has YAML data '" + path + "': only data.json is supported.");
      }
    }
    if (plan == null) {
      throw new PolicyLoadException(
          "Bundle '" + name + "' has no /plan.json: build it with 'opa build -t plan'.");
    }
    TreeMap<Object, Object> data = Values.newObject();
    boolean hasData = false;
    for (Map.Entry<String, Object> file : dataFiles.entrySet()) {
      hasData |= !(file.getValue() instanceof Map && ((Map<?, ?>) file.getValue()).isEmpty());
      insert(name, data, file.getKey(), file.getValue());
    }
    return new PlanBundle(plan, data, hasData);
  }

  /** Merges {@code value} into {@code data} at {@code dir} (slash-separated, "" for the root). */
  @SuppressWarnings("unchecked")
  private static void insert(String name, TreeMap<Object, Object> data, String dir, Object value) {
    if (dir.isEmpty() && !(value instanceof Map)) {
      throw new PolicyLoadException(
          "Bundle '" + name + "': the root /data.json must hold a JSON object.");
    }
    Map<Object, Object> node = data;
    List<String> keys = dir.isEmpty() ? List.of() : List.of(dir.split("/"));
    for (int i = 0; i < keys.size() - 1; i++) {
      Object child = node.get(keys.get(i));
      if (child == null) {
        child = Values.newObject();
        node.put(keys.get(i), child);
      } else if (!(child instanceof Map)) {
        throw conflict(name, dir);
      }
      node = (Map<Object, Object>) child;
    }
    if (keys.isEmpty()) {
      merge(name, dir, node, (Map<Object, Object>) value);
      return;
    }
    String last = keys.get(keys.size() - 1);
    Object existing = node.get(last);
    if (existing == null) {
      node.put(last, value);
    } else if (existing instanceof Map && value instanceof Map) {
      merge(name, dir, (Map<Object, Object>) existing, (Map<Object, Object>) value);
    } else {
      throw conflict(name, dir);
    }
  }

  @SuppressWarnings("unchecked")
  private static void merge(
      String name, String dir, Map<Object, Object> into, Map<Object, Object> from) {
    for (Map.Entry<Object, Object> e : from.entrySet()) {
      Object existing = into.get(e.getKey());
      if (existing == null) {
        into.put(e.getKey(), e.getValue());
      } else if (existing instanceof Map && e.getValue() instanceof Map) {
        merge(name, dir, (Map<Object, Object>) existing, (Map<Object, Object>) e.getValue());
      } else {
        throw conflict(name, dir.isEmpty() ? String.valueOf(e.getKey()) : dir + "/" + e.getKey());
      }
    }
  }

  private static PolicyLoadException conflict(String name, String path) {
    return new PolicyLoadException(
        "Bundle '" + name + "': its data files give two values at data path '" + path + "'.");
  }

  private static PolicyLoadException tooLarge(String name, long limit) {
    return new PolicyLoadException(
        "Bundle '" + name + "' is larger than " + limit + " bytes uncompressed: refused.");
  }

  /** The entry's path without leading "/" or "./"; refuses ".." and absolute Windows paths. */
  private static String safePath(String path, String name) {
    String p = path.replace('\\', '/');
    List<String> parts = new ArrayList<>();
    for (String part : p.split("/")) {
      if (part.equals("..") || part.contains(":")) {
        throw new PolicyLoadException(
            "Bundle '" + name + "' has entry '" + path + "' escaping the bundle root: refused.");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    return String.join("/", parts);
  }

  private static String headerName(byte[] h) {
    String name = cString(h, 0, 100);
    String magic = cString(h, 257, 6);
    if (magic.startsWith("ustar")) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String paxPath(byte[] body) {
    String records = new String(body, StandardCharsets.UTF_8);
    String path = null;
    for (String record : records.split("\n")) {
      int space = record.indexOf(' ');
      if (space > 0 && record.startsWith("path=", space + 1)) {
        path = record.substring(space + 6);
      }
    }
    return path;
  }

  private static String cString(byte[] b, int offset, int length) {
    int end = offset;
    while (end < offset + length && b[end] != 0) {
      end++;
    }
    return new String(b, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int offset, int length, String name) {
    String text = cString(b, offset, length).trim();
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text, 8);
    } catch (NumberFormatException e) {
      throw new PolicyLoadException(
          "Bundle '" + name + "' has a tar header with a malformed size: refused.");
    }
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("truncated tar header");
    }
    return true;
  }

  /** Counts what is read and refuses past the limit (a gzip bomb stops there). */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private final long limit;
    private final String name;
    private long read;

    Bounded(InputStream in, long limit, String name) {
      this.in = in;
      this.limit = limit;
      this.name = name;
    }

    long remaining() {
      return limit - read;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, (int) Math.min(length, Math.max(1, remaining() + 1)));
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > limit) {
        throw tooLarge(name, limit);
      }
    }
  }
}
