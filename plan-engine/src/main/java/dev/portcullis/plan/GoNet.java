package dev.portcullis.plan;

/**
 * Go's {@code net} package semantics for {@code net.cidr_contains}: addresses parsed as {@code
 * net.ParseIP} and {@code net.ParseCIDR} do (no zones, no leading zeros in IPv4 fields), and
 * containment as {@code IPNet.Contains} decides it, IPv4-mapped IPv6 addresses included.
 */
final class GoNet {

  private static final byte[] V4_IN_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

  private GoNet() {}

  /** A parsed CIDR: the network's address and its mask, as Go's {@code IPNet} holds them. */
  record Net(byte[] ip, byte[] mask) {}

  /** {@code net.ParseIP}: a 16-byte address, or null when {@code s} is none. */
  static byte[] parseIp(String s) {
    byte[] v4 = parseV4(s);
    if (v4 != null) {
      byte[] out = new byte[16];
      System.arraycopy(V4_IN_V6, 0, out, 0, 12);
      System.arraycopy(v4, 0, out, 12, 4);
      return out;
    }
    return parseV6(s);
  }

  /** {@code net.ParseCIDR}: the network, or null when {@code s} is not a CIDR. */
  static Net parseCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return null;
    }
    String addr = s.substring(0, slash);
    String mask = s.substring(slash + 1);
    byte[] v4 = parseV4(addr);
    byte[] ip16;
    int bits;
    if (v4 != null) {
      bits = 32;
      ip16 = parseIp(addr);
    } else {
      ip16 = parseV6(addr);
      if (ip16 == null) {
        return null;
      }
      bits = 128;
    }
    int n = 0;
    int i = 0;
    for (; i < mask.length() && mask.charAt(i) >= '0' && mask.charAt(i) <= '9'; i++) {
      n = n * 10 + (mask.charAt(i) - '0');
      if (n >= 0xFFFFFF) {
        return null;
      }
    }
    if (i == 0 || i != mask.length() || n > bits) {
      return null;
    }
    byte[] m = cidrMask(n, bits);
    byte[] network = mask(ip16, m);
    return network == null ? null : new Net(network, m);
  }

  private static byte[] cidrMask(int ones, int bits) {
    byte[] m = new byte[bits / 8];
    for (int i = 0; i < m.length; i++) {
      if (ones >= 8) {
        m[i] = (byte) 0xff;
        ones -= 8;
      } else {
        m[i] = (byte) (~(0xff >> ones) & 0xff);
        ones = 0;
      }
    }
    return m;
  }

  /** {@code IP.Mask}. */
  private static byte[] mask(byte[] ip, byte[] mask) {
    if (mask.length == 16 && ip.length == 4 && allFf(mask, 0, 12)) {
      mask = java.util.Arrays.copyOfRange(mask, 12, 16);
    }
    if (mask.length == 4 && ip.length == 16 && isV4InV6(ip)) {
      ip = java.util.Arrays.copyOfRange(ip, 12, 16);
    }
    if (ip.length != mask.length) {
      return null;
    }
    byte[] out = new byte[ip.length];
    for (int i = 0; i < ip.length; i++) {
      out[i] = (byte) (ip[i] & mask[i]);
    }
    return out;
  }

  private static boolean allFf(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != (byte) 0xff) {
        return false;
      }
    }
    return true;
  }

  private static boolean isV4InV6(byte[] ip) {
    for (int i = 0; i < 12; i++) {
      if (ip[i] != V4_IN_V6[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] to4(byte[] ip) {
    if (ip.length == 4) {
      return ip;
    }
    if (ip.length == 16 && isV4InV6(ip)) {
      return java.util.Arrays.copyOfRange(ip, 12, 16);
    }
    return null;
  }

  /** {@code IPNet.Contains}. */
  static boolean contains(Net net, byte[] ip) {
    byte[] nn = to4(net.ip());
    if (nn == null) {
      nn = net.ip();
      if (nn.length != 16) {
        return false;
      }
    }
    byte[] m = net.mask();
    if (m.length == 4) {
      if (nn.length != 4) {
        return false;
      }
    } else if (m.length == 16) {
      if (nn.length == 4) {
        m = java.util.Arrays.copyOfRange(m, 12, 16);
      }
    } else {
      return false;
    }
    byte[] x = to4(ip);
    if (x != null) {
      ip = x;
    }
    if (ip.length != nn.length) {
      return false;
    }
    for (int i = 0; i < ip.length; i++) {
      if ((nn[i] & m[i]) != (ip[i] & m[i])) {
        return false;
      }
    }
    return true;
  }

  /** The last address of {@code net}, as OPA computes it (same length as its address). */
  static byte[] last(Net net) {
    byte[] out = new byte[net.ip().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (net.ip()[i] | ~net.mask()[i]);
    }
    return out;
  }

  /** Dotted-quad IPv4 as netip.ParseAddr reads it: four fields 0-255, no leading zeros. */
  private static byte[] parseV4(String s) {
    byte[] out = new byte[4];
    int field = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (digits == 1 && value == 0) {
          return null; // leading zero
        }
        value = value * 10 + (c - '0');
        digits++;
        if (value > 255) {
          return null;
        }
      } else if (c == '.') {
        if (digits == 0 || field == 3) {
          return null;
        }
        out[field++] = (byte) value;
        value = 0;
        digits = 0;
      } else {
        return null;
      }
    }
    if (field != 3 || digits == 0) {
      return null;
    }
    out[3] = (byte) value;
    return out;
  }

  /** IPv6 as netip.ParseAddr reads it (with an optional trailing IPv4); zones are refused. */
  private static byte[] parseV6(String s) {
    if (s.indexOf(':') < 0) {
      return null;
    }
    byte[] ip = new byte[16];
    int ellipsis = -1;
    int i = 0;
    int n = 0; // bytes written
    if (s.length() >= 2 && s.charAt(0) == ':' && s.charAt(1) == ':') {
      ellipsis = 0;
      i = 2;
      if (i == s.length()) {
        return ip;
      }
    }
    while (n < 16) {
      int off = 0;
      int acc = 0;
      while (i + off < s.length()) {
        int d = Character.digit(s.charAt(i + off), 16);
        if (d < 0 || s.charAt(i + off) > 'f') {
          break;
        }
        acc = (acc << 4) + d;
        off++;
        if (off > 4) {
          return null;
        }
      }
      if (off == 0) {
        return null;
      }
      if (i + off < s.length() && s.charAt(i + off) == '.') {
        if (ellipsis < 0 && n != 12) {
          return null;
        }
        if (n + 4 > 16) {
          return null;
        }
        byte[] v4 = parseV4(s.substring(i));
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, ip, n, 4);
        n += 4;
        i = s.length();
        break;
      }
      ip[n] = (byte) (acc >> 8);
      ip[n + 1] = (byte) acc;
      n += 2;
      i += off;
      if (i == s.length()) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null; // zones (%) and anything else
      }
      i++;
      if (i == s.length()) {
        return null;
      }
      if (s.charAt(i) == ':') {
        if (ellipsis >= 0) {
          return null;
        }
        ellipsis = n;
        i++;
        if (i == s.length()) {
          break;
        }
      }
    }
    if (i != s.length()) {
      return null;
    }
    if (n < 16) {
      if (ellipsis < 0) {
        return null;
      }
      int tail = n - ellipsis;
      System.arraycopy(ip, ellipsis, ip, 16 - tail, tail);
      java.util.Arrays.fill(ip, ellipsis, 16 - tail, (byte) 0);
    } else if (ellipsis >= 0) {
      return null; // "::" must stand for at least one group
    }
    return ip;
  }
}
