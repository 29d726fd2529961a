import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the hostile request corpus, {@code e2e/hostile/corpus.tsv}: requests a leaked scanner token could
 * send to reach SonarQube endpoints or projects the gateway must keep out. Deterministic: the same source
 * gives the same file, and run-e2e.sh checks that the committed file is what this program writes.
 *
 * <pre>java e2e/hostile/GenerateCorpus.java e2e/hostile/corpus.tsv</pre>
 *
 * <p>The format (columns, escapes, placeholders) is described in the file's header and in e2e/README.md;
 * {@code HostileCorpus.java} sends it.
 */
public final class GenerateCorpus {

  /** One request of the corpus; every field is already in the file's escaped form. */
  record Case(String family, String method, String target, String headers, String cred, String body,
      String fields, String project, String aim, String expect, String note) {}

  private final List<Case> cases = new ArrayList<>();

  private void add(String family, String method, String target, String headers, String cred, String body,
      String fields, String project, String aim, String expect, String note) {
    for (String s : List.of(family, method, target, headers, cred, body, fields, project, aim, expect, note)) {
      if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("raw tab or line break in a field (escape it): " + s);
      }
    }
    cases.add(new Case(family, method, target, headers.isEmpty() ? "-" : headers, cred, body,
        fields.isEmpty() ? "-" : fields, project, aim, expect, note.isEmpty() ? "-" : note));
  }

  /** A GET with A's project analysis token and no body, expected to be refused. */
  private void get(String family, String target, String project, String aim, String note) {
    add(family, "GET", target, "", "tokenA", "none", "", project, aim, "deny", note);
  }

  // --- request-target encodings of denied paths ------------------------------------------------------

  /** Denied endpoints whose answer would leak (users, tokens, the API, projects, system, findings). */
  private static final List<String> DENIED = List.of(
      "/api/users/search",
      "/api/user_tokens/search",
      "/api/webservices/list",
      "/api/components/search",
      "/api/system/info",
      "/api/authentication/validate",
      "/api/issues/search",
      "/api/v2/users-management/users");

  /** The first two get every variant; the others every variant whose index is a multiple of 3. */
  private static final int FULL = 2;

  private static String pct(char c, boolean upper) {
    String hex = String.format("%02x", (int) c);
    return "%" + (upper ? hex.toUpperCase(Locale.ROOT) : hex);
  }

  private static String pctAll(String s, boolean upper) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(pct(c, upper));
    }
    return out.toString();
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static String alternate(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(i % 2 == 1 ? Character.toUpperCase(c) : c);
    }
    return out.toString();
  }

  /** The same path with {@code sep} between the segments after "/api" (or between all of them). */
  private static String join(List<String> segments, String sep) {
    return String.join(sep, segments);
  }

  private void targetEncodings() {
    for (int p = 0; p < DENIED.size(); p++) {
      String path = DENIED.get(p);
      String query = path.equals("/api/components/search") ? "?qualifiers=TRK" : "";
      List<String> seg = List.of(path.substring(1).split("/"));
      String last = seg.get(seg.size() - 1);
      String head = "/" + join(seg.subList(0, seg.size() - 1), "/"); // "/api/users"
      String inner = join(seg.subList(1, seg.size()), "/"); // "users/search" (after /api/)
      String mid = seg.get(1);
      String afterMid = "/" + join(seg.subList(2, seg.size()), "/");
      // "../" steps that lead from /api/settings/values/ back to "/api/", so the rest lands on the path
      String up = "/api/settings/values/";
      List<String[]> v = new ArrayList<>(); // {family, target, note}
      // percent-encoding of unreserved characters and separators
      v.add(new String[] {"path-percent", head + "/" + pct(last.charAt(0), false) + last.substring(1), "first letter of the last segment encoded"});
      v.add(new String[] {"path-percent", "/api/" + pctAll(mid, false) + afterMid, "a whole segment encoded"});
      v.add(new String[] {"path-percent", "/" + pctAll("api", true) + "/" + inner, "'api' encoded, upper-case hex"});
      v.add(new String[] {"path-percent", "/" + pctAll("api", false) + "/" + pctAll(mid, true) + afterMid.replace(last, pctAll(last, false)), "every segment encoded, mixed hex case"});
      v.add(new String[] {"path-percent", head + "%2f" + last, "encoded slash before the last segment"});
      v.add(new String[] {"path-percent", "/api%2F" + join(seg.subList(1, seg.size()), "%2F"), "every slash but the first encoded"});
      v.add(new String[] {"path-percent", "%2f" + join(seg, "%2f"), "every slash encoded, target not starting with '/'"});
      v.add(new String[] {"path-percent", path + "%2f", "trailing encoded slash"});
      v.add(new String[] {"path-percent", path + "%3fx=1", "encoded '?'"});
      v.add(new String[] {"path-percent", up + "..%2f..%2f" + inner.replace("/", "%2f"), "traversal from an allowed path, encoded slashes"});
      v.add(new String[] {"path-percent", up + "%2e%2e%2f%2e%2e%2f" + inner.replace("/", "%2f"), "traversal from an allowed path, dots and slashes encoded"});
      v.add(new String[] {"path-percent", "/api/settings/values%2f..%2f..%2f" + inner.replace("/", "%2f"), "allowed path, then an encoded traversal"});
      // double (and triple) percent-encoding
      v.add(new String[] {"path-double-percent", head + "%252f" + last, "double-encoded slash"});
      v.add(new String[] {"path-double-percent", "/api/%25" + String.format("%02x", (int) mid.charAt(0)) + mid.substring(1) + afterMid, "double-encoded first letter"});
      v.add(new String[] {"path-double-percent", "/api%252f" + join(seg.subList(1, seg.size()), "%252f"), "every slash double-encoded"});
      v.add(new String[] {"path-double-percent", up + "%252e%252e/%252e%252e/" + inner, "double-encoded dot segments"});
      v.add(new String[] {"path-double-percent", head + "%25%32%66" + last, "'%2f' with its characters encoded"});
      v.add(new String[] {"path-double-percent", "/api/%2525" + String.format("%02x", (int) mid.charAt(0)) + mid.substring(1) + afterMid, "triple-encoded first letter"});
      v.add(new String[] {"path-double-percent", path + "%2500", "double-encoded NUL"});
      // overlong and other non-shortest UTF-8
      v.add(new String[] {"path-overlong-utf8", head + "%c0%af" + last, "overlong '/' (2 bytes)"});
      v.add(new String[] {"path-overlong-utf8", head + "%e0%80%af" + last, "overlong '/' (3 bytes)"});
      v.add(new String[] {"path-overlong-utf8", head + "%f0%80%80%af" + last, "overlong '/' (4 bytes)"});
      v.add(new String[] {"path-overlong-utf8", up + "%c0%ae%c0%ae/%c0%ae%c0%ae/" + inner, "overlong '.' dot segments"});
      v.add(new String[] {"path-overlong-utf8", up + "%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/" + inner, "overlong '.' (3 bytes) dot segments"});
      v.add(new String[] {"path-overlong-utf8", head + "%c1%9c" + last, "overlong backslash"});
      v.add(new String[] {"path-overlong-utf8", head + "\\xc0\\xaf" + last, "raw overlong '/' bytes"});
      v.add(new String[] {"path-overlong-utf8", head + "%ef%bc%8f" + last, "fullwidth solidus U+FF0F"});
      v.add(new String[] {"path-overlong-utf8", "/api/%c1%" + String.format("%02x", 0x80 | (mid.charAt(0) & 0x3f)) + mid.substring(1) + afterMid, "overlong first letter"});
      v.add(new String[] {"path-overlong-utf8", path + "%c0%80", "overlong NUL"});
      v.add(new String[] {"path-overlong-utf8", head + "%u002f" + last, "IIS %u encoding of '/'"});
      // dot segments
      v.add(new String[] {"path-dot-segment", up + "../../" + inner, "raw '..' from an allowed path"});
      v.add(new String[] {"path-dot-segment", up + "%2e%2e/%2e%2e/" + inner, "'%2e%2e' from an allowed path"});
      v.add(new String[] {"path-dot-segment", up + "%2E%2E/%2E%2E/" + inner, "'%2E%2E' from an allowed path"});
      v.add(new String[] {"path-dot-segment", up + ".%2e/%2e./" + inner, "half-encoded '..'"});
      v.add(new String[] {"path-dot-segment", "/api/./" + inner, "'.' segment"});
      v.add(new String[] {"path-dot-segment", head + "/./" + last, "'.' before the last segment"});
      v.add(new String[] {"path-dot-segment", "/." + path, "leading '.' segment"});
      v.add(new String[] {"path-dot-segment", path + "/.", "trailing '.' segment"});
      v.add(new String[] {"path-dot-segment", "/api/x/../" + inner, "'x/..'"});
      v.add(new String[] {"path-dot-segment", "/batch/index/../.." + path, "from /batch/index"});
      v.add(new String[] {"path-dot-segment", "/static/csharp/../.." + path, "from /static/csharp"});
      v.add(new String[] {"path-dot-segment", path + "/%2e", "trailing '%2e'"});
      v.add(new String[] {"path-dot-segment", "/api/v2/analysis/jres/..%2f..%2f..%2f" + inner.replace("/", "%2f"), "opaque jres id that walks back"});
      v.add(new String[] {"path-dot-segment", "/api/server/version/../.." + path, "from /api/server/version"});
      // ';' path parameters
      v.add(new String[] {"path-semicolon", path + ";", "trailing ';'"});
      v.add(new String[] {"path-semicolon", path + ";x=1", "path parameter on the last segment"});
      v.add(new String[] {"path-semicolon", "/api;/" + inner, "';' after 'api'"});
      v.add(new String[] {"path-semicolon", "/api/" + mid + ";jsessionid=0" + afterMid, "jsessionid path parameter"});
      v.add(new String[] {"path-semicolon", up + "..;/..;/" + inner, "'..;' segments (Tomcat treats them as '..')"});
      v.add(new String[] {"path-semicolon", "/api/settings/values;/../../" + inner, "';' then '..' from an allowed path"});
      v.add(new String[] {"path-semicolon", path + ";.protobuf", "';' then a suffix"});
      v.add(new String[] {"path-semicolon", "/api/" + mid + "%3bx" + afterMid, "encoded ';'"});
      v.add(new String[] {"path-semicolon", path + "%3b", "trailing encoded ';'"});
      v.add(new String[] {"path-semicolon", "/;" + path, "';' as the first segment"});
      // absolute-form and other non-origin forms
      v.add(new String[] {"path-absolute-form", "http://{GW}" + path, "absolute-form naming the gateway"});
      v.add(new String[] {"path-absolute-form", "http://{SQ}" + path, "absolute-form naming SonarQube"});
      v.add(new String[] {"path-absolute-form", "HTTP://{GW}" + path, "upper-case scheme"});
      v.add(new String[] {"path-absolute-form", "http://localhost" + path, "absolute-form, another host"});
      v.add(new String[] {"path-absolute-form", "https://{GW}" + path, "https scheme on plain HTTP"});
      v.add(new String[] {"path-absolute-form", "http://x@{GW}" + path, "user info"});
      v.add(new String[] {"path-absolute-form", "http://{GW}/api/settings/values/../../" + inner, "absolute-form with dot segments"});
      v.add(new String[] {"path-absolute-form", "//{GW}" + path, "scheme-relative"});
      v.add(new String[] {"path-absolute-form", "http:" + path, "scheme without authority"});
      v.add(new String[] {"path-absolute-form", "{GW}" + path, "authority without scheme"});
      // case variants
      v.add(new String[] {"path-case", path.toUpperCase(Locale.ROOT), "all upper case"});
      v.add(new String[] {"path-case", "/API/" + inner, "'API'"});
      v.add(new String[] {"path-case", "/api/" + mid.toUpperCase(Locale.ROOT) + afterMid, "second segment upper case"});
      v.add(new String[] {"path-case", head + "/" + last.toUpperCase(Locale.ROOT), "last segment upper case"});
      v.add(new String[] {"path-case", "/Api/" + capitalize(mid) + "/" + join(seg.subList(2, seg.size()).stream().map(GenerateCorpus::capitalize).toList(), "/"), "capitalized segments"});
      v.add(new String[] {"path-case", head + "/" + alternate(last), "alternating case"});
      // suffixes
      for (String suffix : List.of(".json", ".protobuf", ".xml", "/", ".", "%20", "%09", "/index", ".protobuf/", "?", "~", ".JSON", ".json.protobuf")) {
        v.add(new String[] {"path-suffix", path + suffix, "suffix '" + suffix + "'"});
      }
      // backslashes
      v.add(new String[] {"path-backslash", "/api\\\\" + join(seg.subList(1, seg.size()), "\\\\"), "backslashes after 'api'"});
      v.add(new String[] {"path-backslash", "\\\\" + join(seg, "\\\\"), "backslashes only"});
      v.add(new String[] {"path-backslash", head + "\\\\" + last, "backslash before the last segment"});
      v.add(new String[] {"path-backslash", "/api/settings/values\\\\..\\\\..\\\\" + inner.replace("/", "\\\\"), "backslash traversal"});
      v.add(new String[] {"path-backslash", up + "..\\\\..\\\\" + inner, "mixed traversal"});
      v.add(new String[] {"path-backslash", "/api%5c" + join(seg.subList(1, seg.size()), "%5c"), "encoded backslashes"});
      v.add(new String[] {"path-backslash", "/api/settings/values%5c..%5c..%5c" + inner.replace("/", "%5c"), "encoded backslash traversal"});
      v.add(new String[] {"path-backslash", path + "\\\\", "trailing backslash"});
      // NUL
      v.add(new String[] {"path-nul", path + "%00", "trailing encoded NUL"});
      v.add(new String[] {"path-nul", path + "%00.protobuf", "NUL before a suffix"});
      v.add(new String[] {"path-nul", head + "%00/" + last, "NUL inside a segment"});
      v.add(new String[] {"path-nul", "/api/settings/values%00/../../" + inner, "NUL after an allowed path"});
      v.add(new String[] {"path-nul", path + "\\x00", "raw NUL byte"});
      v.add(new String[] {"path-nul", path + "%00?x=1", "NUL before the query"});
      v.add(new String[] {"path-nul", up + "%00/../../" + inner, "NUL segment"});
      // empty segments
      v.add(new String[] {"path-slash", "/" + path, "leading '//'"});
      v.add(new String[] {"path-slash", "/api//" + inner, "'//' after 'api'"});
      v.add(new String[] {"path-slash", head + "//" + last, "'//' before the last segment"});
      v.add(new String[] {"path-slash", path + "//", "trailing '//'"});
      v.add(new String[] {"path-slash", "//" + path, "leading '///'"});
      // other characters
      v.add(new String[] {"path-other", path + "%23", "encoded '#'"});
      v.add(new String[] {"path-other", path + "#x", "fragment"});
      v.add(new String[] {"path-other", path + "?#", "empty query and fragment"});
      v.add(new String[] {"path-other", path + "\\t", "raw tab"});
      v.add(new String[] {"path-other", path + "%0d%0aX-Injected:%201", "encoded CRLF"});
      v.add(new String[] {"path-other", path + "%20HTTP/1.1", "encoded space and a version"});
      v.add(new String[] {"path-other", "/api/server/version " + path, "two targets on the request line"});
      v.add(new String[] {"path-other", path + "%", "truncated escape"});
      v.add(new String[] {"path-other", path + "%zz", "invalid escape"});
      v.add(new String[] {"path-other", path + "%e9", "invalid UTF-8"});
      v.add(new String[] {"path-other", path + "\\xe9", "raw Latin-1 byte"});
      for (int i = 0; i < v.size(); i++) {
        if (p >= FULL && i % 3 != 0) {
          continue;
        }
        String[] c = v.get(i);
        String target = c[1];
        if (!query.isEmpty() && !target.endsWith("?") && !target.contains("?")) {
          target = target + query;
        }
        get(c[0], target, "-", path, c[2]);
      }
    }
  }

  // --- parameters smuggled past the query ----------------------------------------------------------

  private static final String BOUNDARY_CT = "Content-Type: multipart/form-data; boundary={BOUNDARY}";

  /** Endpoints that name a project, with the parameter and the extra query a real call needs. */
  private static final List<String[]> PROJECT_ENDPOINTS = List.of(
      new String[] {"/api/settings/values", "component", ""},
      new String[] {"/api/settings/values.protobuf", "component", ""},
      new String[] {"/api/qualityprofiles/search", "project", ""},
      new String[] {"/api/measures/component", "component", "metricKeys=ncloc"},
      new String[] {"/batch/project.protobuf", "key", ""},
      new String[] {"/api/new_code_periods/show.protobuf", "project", ""},
      new String[] {"/api/analysis_cache/get", "project", ""},
      new String[] {"/api/qualitygates/project_status", "projectKey", ""},
      new String[] {"/api/v2/analysis/active_rules", "projectKey", ""},
      new String[] {"/api/project_branches/list", "project", ""});

  private void parameterSmuggling() {
    for (int e = 0; e < PROJECT_ENDPOINTS.size(); e++) {
      String[] ep = PROJECT_ENDPOINTS.get(e);
      String path = ep[0];
      String p = ep[1];
      String extra = ep[2];
      String amp = extra.isEmpty() ? "" : "&" + extra;
      String q = extra.isEmpty() ? "" : "?" + extra; // the query without the project parameter
      String encName = p.charAt(0) + pct(p.charAt(1), false) + p.substring(2);
      boolean full = e < 2; // settings/values (JSON and protobuf) carry B's sentinel: every variant
      List<String[]> v = new ArrayList<>(); // family, method, target, headers, body, fields, note
      v.add(new String[] {"param-query", "GET", path + "?" + p + "={B}" + amp, "", "none", "", "B in the query (allowed only without allowed_project_keys)"});
      v.add(new String[] {"param-body", "GET", path + q, "", "multipart", p + "={B}", "B only in a multipart body on GET"});
      v.add(new String[] {"param-body", "GET", path + "?" + p + "={A}" + amp, "", "multipart", p + "={B}", "A in the query, B in a multipart body"});
      v.add(new String[] {"param-body", "GET", path + q, "", "urlencoded", p + "={B}", "B only in a urlencoded body on GET"});
      v.add(new String[] {"param-body", "POST", path + q, "", "urlencoded", p + "={B}", "POST with B in a urlencoded body"});
      v.add(new String[] {"param-body", "POST", path + q, "", "multipart", p + "={B}", "POST with B in a multipart body"});
      v.add(new String[] {"param-body", "GET", path + q, "", "multipart+chunked", p + "={B}", "chunked multipart body on GET"});
      v.add(new String[] {"param-duplicate", "GET", path + "?" + p + "={A}&" + p + "={B}" + amp, "", "none", "", "A then B in the query"});
      v.add(new String[] {"param-duplicate", "GET", path + "?" + p + "={B}&" + p + "={A}" + amp, "", "none", "", "B then A in the query"});
      v.add(new String[] {"param-encoded-name", "GET", path + "?" + encName + "={B}" + amp, "", "none", "", "encoded parameter name"});
      v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={A}&" + encName + "={B}" + amp, "", "none", "", "plain name A, encoded name B"});
      v.add(new String[] {"param-encoded-name", "POST", path + q, "", "urlencoded", encName + "={B}", "encoded name in a urlencoded body"});
      if (full) {
        v.add(new String[] {"param-body", "GET", path + "?" + p + "=" + amp, "", "multipart", p + "={B}", "empty value in the query, B in the body"});
        v.add(new String[] {"param-body", "GET", path + "?" + p + "={A}" + amp, "", "urlencoded", p + "={B}", "A in the query, B in a urlencoded body"});
        v.add(new String[] {"param-body", "POST", path + "?" + p + "={A}" + amp, "", "urlencoded", p + "={B}", "POST, A in the query, B in a urlencoded body"});
        v.add(new String[] {"param-body", "GET", path + q, "", "text", p + "={B}", "text/plain body"});
        v.add(new String[] {"param-body", "GET", path + q, "", "json", p + "={B}", "JSON body"});
        v.add(new String[] {"param-body", "GET", path + q, "", "urlencoded+chunked", p + "={B}", "chunked urlencoded body on GET"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: Multipart/Form-Data; boundary={BOUNDARY}", "multipart", p + "={B}", "content type in mixed case"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: multipart/form-data; charset=utf-8; boundary=\"{BOUNDARY}\"", "multipart", p + "={B}", "quoted boundary and a charset"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type:multipart/form-data;boundary={BOUNDARY}", "multipart", p + "={B}", "no spaces in the content type"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: application/x-www-form-urlencoded; charset=ISO-8859-1", "urlencoded", p + "={B}", "urlencoded with a charset"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: multipart/mixed; boundary={BOUNDARY}", "multipart", p + "={B}", "multipart/mixed"});
        v.add(new String[] {"param-body", "GET", path + q, "Expect: 100-continue", "multipart", p + "={B}", "Expect: 100-continue"});
        v.add(new String[] {"param-body", "GET", path + q, "", "multipart", p + "={A}&" + p + "={B}", "two fields in the body"});
        v.add(new String[] {"param-body", "GET", path + q, "", "multipart-file", p + "={B}", "the field as a file part"});
        v.add(new String[] {"param-body", "GET", path + q, BOUNDARY_CT, "rawbody",
            "--{BOUNDARY}\\r\\nContent-Disposition: form-data; name*=UTF-8''" + p + "\\r\\n\\r\\n{B}\\r\\n--{BOUNDARY}--\\r\\n",
            "RFC 2231 field name"});
        v.add(new String[] {"param-body", "GET", path + q, BOUNDARY_CT, "rawbody",
            "--{BOUNDARY}\\r\\ncontent-disposition: FORM-DATA; NAME=" + p + "\\r\\n\\r\\n{B}\\r\\n--{BOUNDARY}--\\r\\n",
            "upper-case, unquoted part header"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: multipart/form-data; boundary=other", "rawbody",
            "--{BOUNDARY}\\r\\nContent-Disposition: form-data; name=\"" + p + "\"\\r\\n\\r\\n{B}\\r\\n--{BOUNDARY}--\\r\\n",
            "boundary in the header differs from the body's"});
        v.add(new String[] {"param-body", "GET", path + q, "Content-Type: multipart/form-data; boundary={BOUNDARY}\\nContent-Length: 0", "none", "", "form content type, empty body"});
        v.add(new String[] {"param-duplicate", "GET", path + "?" + p + "={A}&" + p + "=" + amp, "", "none", "", "A then an empty value"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p.substring(0, 1).toUpperCase(Locale.ROOT) + p.substring(1) + "={B}" + amp, "", "none", "", "capitalized name"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + pctAll(p, true) + "={B}" + amp, "", "none", "", "whole name encoded"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "%00={B}" + amp, "", "none", "", "NUL after the name"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "[]={B}" + amp, "", "none", "", "array-style name"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "%20={B}" + amp, "", "none", "", "space after the name"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={A}%26" + p + "%3d{B}" + amp, "", "none", "", "encoded '&' and '=' in the value"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={A}&amp;" + p + "={B}" + amp, "", "none", "", "HTML '&amp;'"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "=portcullis-e2e-%62" + amp, "", "none", "", "B's key with an encoded letter"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={B}%00" + amp, "", "none", "", "B followed by NUL"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "=%20{B}" + amp, "", "none", "", "B after a space"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={A};" + p + "={B}" + amp, "", "none", "", "';' as a separator"});
        v.add(new String[] {"param-encoded-name", "GET", path + "?" + p + "={A}%3b" + p + "={B}" + amp, "", "none", "", "encoded ';' as a separator"});
      }
      for (String[] c : v) {
        // B named once in the query, however encoded, is allowed without allowed_project_keys
        boolean queryOnly = c[4].equals("none") && (c[0].equals("param-query") || c[6].equals("encoded parameter name")
            || c[6].equals("whole name encoded") || c[6].equals("B's key with an encoded letter"));
        add(c[0], c[1], c[2], c[3], "global", c[4], c[5], "B", path, queryOnly ? "deny-restricted" : "deny", c[6]);
      }
    }
  }

  // --- report upload --------------------------------------------------------------------------------

  private void ceSubmit() {
    String s = "/api/ce/submit";
    String report = "multipart-report";
    // name, query, headers, cred, body kind, fields, project, expect, note
    add("ce-submit", "POST", s + "?projectKey={A}", "", "tokenA", report, "", "A", s, "forward", "control: a scanner's upload of A");
    add("ce-submit", "POST", s, "", "global", report, "projectKey={B}", "B", s, "deny", "B only in the body");
    add("ce-submit", "POST", s, "", "global", report, "projectKey={A}", "A", s, "deny", "A only in the body");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", report, "projectKey={B}", "B", s, "deny", "A in the query, B in the body after the report (a field beside the report)");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", "multipart-report-last", "projectKey={B}", "B", s, "deny", "A in the query, B in the body before the report (a field beside the report)");
    add("ce-submit", "POST", s + "?projectKey=", "", "global", report, "projectKey={B}", "B", s, "deny", "empty projectKey in the query, B in the body");
    add("ce-submit", "POST", s + "?projectName=x", "", "global", report, "projectKey={B}", "B", s, "deny", "projectName in the query, B in the body");
    add("ce-submit", "POST", s + "?projectKey={B}", "", "tokenA", report, "", "B", s, "any", "B in the query (A's token: SonarQube refuses it)");
    add("ce-submit", "POST", s + "?projectKey={A}&projectKey={B}", "", "global", report, "", "B", s, "deny", "A and B in the query");
    add("ce-submit", "POST", s + "?projectKey={B}&projectKey={A}", "", "global", report, "", "B", s, "deny", "B and A in the query");
    add("ce-submit", "POST", s + "?projectkey={A}", "", "global", report, "projectKey={B}", "B", s, "deny", "lower-case name in the query, B in the body");
    add("ce-submit", "POST", s + "?proj%65ctKey={B}", "", "tokenA", report, "", "B", s, "any", "encoded name, B (A's token)");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", "urlencoded", "projectKey={B}&report=x", "B", s, "any", "urlencoded body");
    add("ce-submit", "POST", s, "", "global", "urlencoded", "projectKey={B}&report=x", "B", s, "deny", "urlencoded body only");
    add("ce-submit", "POST", s, "", "global", "multipart-report+chunked", "projectKey={B}", "B", s, "deny", "chunked, B only in the body");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", "multipart-report+chunked", "projectKey={B}", "B", s, "deny", "chunked, A in the query, B in the body (a field beside the report)");
    add("ce-submit", "POST", s, "Expect: 100-continue", "global", report, "projectKey={B}", "B", s, "deny", "Expect: 100-continue, B only in the body");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", "multipart-report-file", "projectKey={B}", "B", s, "deny", "B as a file part (a part the policy does not name)");
    add("ce-submit", "POST", s, "", "global", "multipart-report-file", "projectKey={B}", "B", s, "deny", "B as a file part only");
    add("ce-submit", "POST", s, BOUNDARY_CT, "global", "rawbody",
        "--{BOUNDARY}\\r\\nContent-Disposition: form-data; name*=UTF-8''projectKey\\r\\n\\r\\n{B}\\r\\n--{BOUNDARY}\\r\\nContent-Disposition: form-data; name=\"report\"; filename=\"r.zip\"\\r\\nContent-Type: application/zip\\r\\n\\r\\n{ZIP}\\r\\n--{BOUNDARY}--\\r\\n",
        "B", s, "deny", "RFC 2231 field name");
    add("ce-submit", "POST", s, "Content-Type: multipart/form-data; boundary=x; boundary={BOUNDARY}", "global", "multipart-report", "projectKey={B}", "B", s, "deny", "two boundary parameters");
    add("ce-submit", "POST", s, "Content-Type: multipart/mixed; boundary={BOUNDARY}", "global", report, "projectKey={B}", "B", s, "deny", "multipart/mixed");
    add("ce-submit", "POST", s, "Content-Type: MULTIPART/FORM-DATA; BOUNDARY={BOUNDARY}", "global", report, "projectKey={B}", "B", s, "deny", "upper-case content type");
    add("ce-submit", "POST", s + "?organization=x", "", "global", report, "projectKey={B}", "B", s, "deny", "another query parameter, B in the body");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", report, "characteristic=branch=pcx&projectKey={B}", "B", s, "deny", "a branch characteristic and B in the body (fields beside the report)");
    add("ce-submit", "POST", s + "?projectKey={A}%00", "", "tokenA", report, "", "A", s, "any", "A followed by NUL");
    add("ce-submit", "GET", s + "?projectKey={A}", "", "tokenA", "none", "", "A", s, "deny", "GET");
    add("ce-submit", "PUT", s + "?projectKey={A}", "", "tokenA", report, "", "A", s, "deny", "PUT");
    add("ce-submit", "POST", s + ".json?projectKey={A}", "", "global", report, "projectKey={B}", "B", s, "deny", "'.json' suffix");
    add("ce-submit", "POST", s + "/?projectKey={A}", "", "global", report, "projectKey={B}", "B", s, "deny", "trailing slash");
    add("ce-submit", "POST", "/api/ce/submit.protobuf", "", "global", report, "projectKey={B}", "B", s, "deny", "'.protobuf' suffix, B in the body");
    add("ce-submit", "POST", "/api/ce/%73ubmit", "", "global", report, "projectKey={B}", "B", s, "deny", "encoded letter, B in the body");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", report, "projectName=pcx-renamed", "A", s, "deny", "A in the query, a projectName field after the report");
    add("ce-submit", "POST", s + "?projectKey={A}", "", "global", "multipart-report-last", "characteristic=pullRequest=1", "A", s, "deny", "A in the query, a characteristic field before the report");
  }

  // --- method overrides and methods ---------------------------------------------------------------

  private void methodOverrides() {
    List<String> names = List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
    for (String name : names) {
      for (String value : List.of("DELETE", "POST", "PUT")) {
        add("method-override", "GET", "/api/settings/values?component={A}", name + ": " + value, "tokenA", "none", "",
            "A", "/api/settings/values", "deny", name + " " + value + " on a scanner read");
      }
      for (String value : List.of("GET", "PATCH")) {
        add("method-override", "POST", "/api/ce/submit?projectKey={A}", name + ": " + value, "tokenA", "multipart-report", "",
            "A", "/api/ce/submit", "deny", name + " " + value + " on the report upload");
      }
      add("method-override", "POST", "/api/settings/values?component={A}", name + ": GET", "tokenA", "none", "",
          "A", "/api/settings/values", "deny", "POST overridden back to GET");
      add("method-override", "GET", "/api/users/search", name + ": GET", "tokenA", "none", "",
          "-", "/api/users/search", "deny", name + " on a denied endpoint");
      add("method-override", "GET", "/api/settings/values?component={A}", name.toLowerCase(Locale.ROOT) + ": DELETE", "tokenA", "none", "",
          "A", "/api/settings/values", "deny", "lower-case header name");
    }
    add("method-override", "GET", "/api/settings/values?component={A}", "X-HTTP-Method-Override: delete", "tokenA", "none", "", "A", "/api/settings/values", "deny", "lower-case value");
    add("method-override", "GET", "/api/settings/values?component={A}", "X-HTTP-Method-Override: GET\\nX-HTTP-Method-Override: DELETE", "tokenA", "none", "", "A", "/api/settings/values", "deny", "twice");
    add("method-override", "GET", "/api/settings/values?component={A}", "X-HTTP-Method-Override:", "tokenA", "none", "", "A", "/api/settings/values", "deny", "empty value");
    add("method-override", "GET", "/api/settings/values?component={A}&_method=DELETE", "", "tokenA", "none", "", "A", "/api/settings/values", "deny", "_method query parameter");
    add("method-override", "POST", "/api/ce/submit?projectKey={A}", "", "tokenA", "multipart-report", "_method=PUT", "A", "/api/ce/submit", "deny", "_method field in the upload (a field beside the report)");
    add("method-override", "GET", "/api/settings/values?component={A}", "X-Original-URL: /api/users/search", "tokenA", "none", "", "A", "/api/users/search", "any", "X-Original-URL naming a denied endpoint");
    add("method-override", "GET", "/api/settings/values?component={A}", "X-Rewrite-URL: /api/users/search", "tokenA", "none", "", "A", "/api/users/search", "any", "X-Rewrite-URL naming a denied endpoint");
    add("method-override", "GET", "/api/settings/values?component={A}", "X-Original-Method: DELETE", "tokenA", "none", "", "A", "/api/settings/values", "any", "X-Original-Method");

    for (String m : List.of("HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "PATCH", "PROPFIND", "get", "Get", "POST")) {
      add("method", m, "/api/settings/values?component={A}", "", "tokenA", "none", "", "A", "/api/settings/values", "deny", m + " on a scanner read");
    }
    for (String m : List.of("HEAD", "OPTIONS", "TRACE", "POST", "get")) {
      add("method", m, "/api/users/search", "", "tokenA", "none", "", "-", "/api/users/search", "deny", m + " on a denied endpoint");
    }
    add("method", "CONNECT", "{SQ}", "", "tokenA", "none", "", "-", "CONNECT", "deny", "CONNECT to SonarQube");
    add("method", "OPTIONS", "*", "", "tokenA", "none", "", "-", "*", "deny", "asterisk-form");
    add("method", "HEAD", "/api/server/version", "", "none", "none", "", "-", "/api/server/version", "deny", "HEAD on an anonymous bootstrap call");
    add("method", "POST", "/api/server/version", "", "none", "urlencoded", "x=1", "-", "/api/server/version", "deny", "POST on an anonymous bootstrap call");
    add("method", "POST", "/api/user_tokens/generate?name=pcx-corpus", "", "tokenA", "none", "", "-", "/api/user_tokens/generate", "deny", "token minting");
    add("method", "POST", "/api/user_tokens/generate", "", "tokenA", "urlencoded", "name=pcx-corpus-body", "-", "/api/user_tokens/generate", "deny", "token minting, name in the body");
    add("method", "POST", "/api/settings/values", "", "tokenA", "urlencoded", "component={A}", "A", "/api/settings/values", "deny", "POST with the parameter in the body");
  }

  // --- bodies on endpoints that take none ---------------------------------------------------------

  private void bodyOnGet() {
    String[][] endpoints = {
        {"/api/server/version", "none"},
        {"/batch/index", "none"},
        {"/api/plugins/installed", "tokenA"},
        {"/api/settings/values?component={A}", "tokenA"},
        {"/api/qualityprofiles/search?project={A}", "tokenA"},
        {"/api/languages/list", "tokenA"},
        {"/api/metrics/search", "tokenA"},
        {"/api/v2/analysis/version", "tokenA"},
        {"/api/ce/task?id=AAAAAAAAAAAAAAAAAAAA", "tokenA"},
        {"/api/features/list", "tokenA"},
        {"/api/new_code_periods/show.protobuf?project={A}", "tokenA"},
    };
    String[][] bodies = {
        {"urlencoded", "x=1", ""},
        {"multipart", "x=1", ""},
        {"text", "x=1", ""},
        {"text+chunked", "x=1", ""},
        {"json", "x=1", ""},
        {"octets", "x=1", ""},
        {"none", "", "Content-Type: application/x-www-form-urlencoded\\nContent-Length: 0"},
    };
    for (String[] ep : endpoints) {
      String path = ep[0].replaceAll("\\?.*", "");
      for (String[] b : bodies) {
        String note = b[0].equals("none") ? "form content type, Content-Length: 0" : b[0] + " body";
        add("body-on-get", "GET", ep[0], b[2], ep[1], b[0], b[1], ep[0].contains("{A}") ? "A" : "-", path, "deny", note);
      }
    }
    add("body-on-get", "HEAD", "/api/plugins/installed", "", "tokenA", "urlencoded", "x=1", "-", "/api/plugins/installed", "deny", "HEAD with a body");
    add("body-on-get", "GET", "/api/plugins/installed", "Content-Length: 0", "tokenA", "none", "", "-", "/api/plugins/installed", "any", "Content-Length: 0, no content type");
    add("body-on-get", "GET", "/api/plugins/installed", "Content-Type: text/plain", "tokenA", "none", "", "-", "/api/plugins/installed", "any", "content type, no body");
  }

  // --- parameter values with a known format ----------------------------------------------------------

  private void parameterValues() {
    String[][] v = {
        {"/api/plugins/download?plugin=java/../../../users/search", "tokenA", "plugin walking to users/search"},
        {"/api/plugins/download?plugin=..%2f..%2fapi%2fusers%2fsearch", "tokenA", "plugin with encoded slashes"},
        {"/api/plugins/download?plugin=java%00", "tokenA", "plugin with NUL"},
        {"/api/plugins/download?plugin=java%5c..%5c..", "tokenA", "plugin with backslashes"},
        {"/api/plugins/download?plugin=java&plugin=csharp", "tokenA", "two plugins (SonarQube takes the first)"},
        {"/batch/file?name=../../conf/sonar.properties", "none", "batch file outside the engine jar"},
        {"/batch/file?name=sonar-scanner-engine-shaded-1-all.jar/../../../conf/sonar.properties", "none", "engine jar name, then a traversal"},
        {"/batch/file?name=sonar-scanner-engine-shaded-1-all.jar%00.properties", "none", "engine jar name with NUL"},
        {"/batch/file?name=..%5c..%5cconf%5csonar.properties", "none", "backslash traversal"},
        {"/api/ce/task?id=../../api/users/search", "tokenA", "task id walking away"},
        {"/api/ce/task?id=AAAA%00", "tokenA", "task id with NUL"},
        {"/api/v2/analysis/jres?os=../../users&arch=x64", "tokenA", "os with a traversal"},
        {"/api/rules/search?qprofile=../users/search", "tokenA", "qprofile with a traversal"},
        {"/api/v2/analysis/jres/..", "tokenA", "jre id '..'"},
        {"/api/v2/analysis/jres/%2e%2e", "tokenA", "jre id '%2e%2e'"},
        {"/api/v2/analysis/jres/x%2f..%2f..%2fusers", "tokenA", "jre id with encoded slashes"},
        {"/static/csharp/..%2f..%2fapi%2fusers%2fsearch", "none", "static file walking away"},
        {"/static/csharp/%2e%2e/%2e%2e/api/users/search.zip", "none", "static file with encoded dots"},
        {"/static/csharp/x.zip/../../../api/users/search", "none", "static zip, then a traversal"},
        {"/static/webapp/index.zip", "none", "static file of another plugin"},
        {"/api/settings/values?component={A}/../{B}", "global", "component with a traversal to B"},
        {"/api/settings/values?component=portcullis-e2e-*", "global", "component as a glob"},
    };
    for (String[] c : v) {
      String path = c[0].replaceAll("\\?.*", "");
      String expect = c[2].startsWith("two plugins") ? "any" : c[0].contains("{B}") ? "deny-restricted" : "deny";
      add("param-value", "GET", c[0], "", c[1], "none", "", c[0].contains("{B}") || c[0].contains("*") ? "B" : "-", path, expect, c[2]);
    }
  }

  // --- headers: framing, side doors, credentials -----------------------------------------------------

  private void framing() {
    String sv = "/api/settings/values?component={A}";
    String[][] h = {
        {"-Host\\nHost: {GW}\\nHost: evil.example", "two Host headers"},
        {"-Host\\nHost: {GW}, evil.example", "two hosts in one Host header"},
        {"-Host", "no Host on HTTP/1.1"},
        {"-Host\\nHost: {SQ}", "Host naming SonarQube"},
        {"-Host\\nHost: localhost", "Host naming localhost"},
        {"Content-Length: 0\\nTransfer-Encoding: chunked", "Content-Length and Transfer-Encoding"},
        {"Transfer-Encoding: gzip", "Transfer-Encoding gzip"},
        {"Transfer-Encoding: chunked, chunked", "chunked twice"},
        {"Transfer-Encoding: gzip, chunked", "gzip then chunked"},
        {"Transfer-Encoding: xchunked", "xchunked"},
        {"Transfer-Encoding: identity", "identity"},
        {"Content-Type: text/plain\\nContent-Type: application/json", "two Content-Type headers"},
        {"Content-Length: 0\\nContent-Length: 0", "Content-Length twice"},
        {"Content-Length: +0", "Content-Length '+0'"},
        {"Content-Length: -1", "negative Content-Length"},
        {"Connection: close, Authorization", "Connection naming Authorization"},
        {"Connection: close, Content-Type", "Connection naming Content-Type"},
        {"Connection: close, Host", "Connection naming Host"},
        {"X-Forwarded-For: 10.0.0.1", "X-Forwarded-For from the client"},
        {"Forwarded: for=10.0.0.1;host=evil.example", "Forwarded from the client"},
        {"X-Forwarded-Host: evil.example\\nX-Forwarded-Prefix: /api/users", "X-Forwarded-Host and -Prefix"},
        {"X-Pcx-Folded: a\\n /api/users/search", "obs-fold continuation line"},
        {"X-Pcx-Space : x", "space before the colon"},
        {"{MANYHEADERS}", "101 header fields"},
        {"X-Pcx-Big: {BIGVALUE}", "a 40 KB header"},
    };
    for (String[] c : h) {
      add("framing", "GET", sv, c[0], "tokenA", "none", "", "A", "/api/settings/values", "any", c[1]);
    }
    add("framing", "GET", "/api/settings/values?component={B}", "-Host\\nHost: {GW}\\nHost: evil.example", "global", "none", "", "B", "/api/settings/values", "deny", "two Host headers, B");
    add("framing", "GET", "/api/settings/values", "Transfer-Encoding: chunked\\nContent-Type: application/x-www-form-urlencoded", "global", "urlencoded+chunked", "component={B}", "B", "/api/settings/values", "deny", "chunked form body naming B");
    add("framing", "GET", "/api/settings/values?component={A}&x=" + "a".repeat(8200), "", "tokenA", "none", "", "A", "/api/settings/values", "deny", "target over 8192 characters");
    // smuggling and pipelining: whole requests; {CASEHDR} marks each request the runner can attribute.
    // The hidden requests carry no case header and no credential: if one reaches SonarQube unjudged, its
    // access-log line is unattributed, which fails the run whatever SonarQube answers.
    String auth = "Authorization: {AUTH:tokenA}\\r\\n";
    String hidden = "GET /api/users/search HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n";
    String hiddenHex = Integer.toHexString(hidden.replace("\\r\\n", "..").length());
    String start = "GET /api/server/version HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}";
    add("smuggling", "RAW", start + "Content-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n" + hidden,
        "", "none", "raw", "", "-", "/api/users/search", "deny", "CL.TE with a hidden request");
    add("smuggling", "RAW", start + "Transfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\n" + hiddenHex + "\\r\\n" + hidden + "\\r\\n0\\r\\n\\r\\n",
        "", "none", "raw", "", "-", "/api/users/search", "deny", "TE.CL with a hidden request");
    add("smuggling", "RAW", start + "Transfer-Encoding : chunked\\r\\n\\r\\n0\\r\\n\\r\\n" + hidden,
        "", "none", "raw", "", "-", "/api/users/search", "deny", "space before the Transfer-Encoding colon");
    add("smuggling", "RAW", start + "Transfer-Encoding: chunked\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n0\\r\\n\\r\\n" + hidden,
        "", "none", "raw", "", "-", "/api/users/search", "deny", "two Transfer-Encoding headers");
    add("smuggling", "RAW", start + "Content-Length: 0\\r\\n\\r\\n" + hidden,
        "", "none", "raw", "", "-", "/api/users/search", "any", "pipelined: a request without the case header after an allowed one");
    add("smuggling", "RAW", "GET /api/plugins/installed HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "\\r\\nGET /api/users/search HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "Connection: close\\r\\n\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "any", "pipelined: an allowed request, then a denied one");
    add("smuggling", "RAW", "GET /api/plugins/installed HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "\\r\\nGET /api/settings/values HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}Authorization: {AUTH:global}\\r\\n"
        + "Content-Type: application/x-www-form-urlencoded\\r\\nContent-Length: 27\\r\\nConnection: close\\r\\n\\r\\ncomponent=portcullis-e2e-b\\n",
        "", "tokenA", "raw", "", "B", "/api/settings/values", "any", "pipelined: an allowed request, then a body naming B");
    add("smuggling", "POST", "/api/ce/submit?projectKey={A}", "Content-Type: application/octet-stream", "tokenA", "rawbody", hidden,
        "-", "/api/users/search", "any", "a request as the upload body");
    add("smuggling", "RAW", "GET /api/users/search HTTP/1.0\\r\\n{CASEHDR}" + auth + "\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "HTTP/1.0 without Host");
    add("smuggling", "RAW", "GET /api/users/search\\r\\n\\r\\n", "", "none", "raw", "", "-", "/api/users/search", "deny", "HTTP/0.9 request line");
    add("smuggling", "RAW", "GET /api/users/search HTTP/2.0\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "Connection: close\\r\\n\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "version HTTP/2.0");
    add("smuggling", "RAW", "GET /api/users/search http/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "Connection: close\\r\\n\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "lower-case version");
    add("smuggling", "RAW", "GET  /api/users/search  HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "Connection: close\\r\\n\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "double spaces in the request line");
    add("smuggling", "RAW", "GET /api/users/search HTTP/1.1\\nHost: {GW}\\n{CASEHDRLF}Authorization: {AUTH:tokenA}\\nConnection: close\\n\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "bare LF line endings");
    add("smuggling", "RAW", "GET /api/settings/values?component={A} HTTP/1.1\\r\\nHost: {GW}\\r\\n{CASEHDR}" + auth + "X-Pcx: a\\rGET /api/users/search HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n",
        "", "tokenA", "raw", "", "-", "/api/users/search", "deny", "bare CR inside a header");

    // headers that authenticate by other means, or smuggle identity
    String[][] side = {
        {"X-Sonar-Passcode: x", "/api/system/health", "passcode header"},
        {"X-Sonar-Passcode: x", "/api/settings/values?component={A}", "passcode header on a scanner read"},
        {"Cookie: JWT-SESSION=x; XSRF-TOKEN=y", "/api/users/search", "session cookie"},
        {"Cookie: JWT-SESSION=x", "/api/settings/values?component={A}", "session cookie on a scanner read"},
        {"X-Forwarded-Login: admin", "/api/users/search", "SSO login header"},
        {"X-Forwarded-Login: admin\\nX-Forwarded-Name: admin", "/api/settings/values?component={A}", "SSO headers on a scanner read"},
        {"X-Hub-Signature-256: sha256=00", "/api/alm_integrations/webhook_github", "GitHub webhook signature"},
        {"x-sonar-passcode: x", "/api/monitoring/metrics", "lower-case passcode header"},
    };
    for (String[] c : side) {
      String path = c[1].replaceAll("\\?.*", "");
      add("side-door", "GET", c[1], c[0], "tokenA", "none", "", c[1].contains("{A}") ? "A" : "-", path, "deny", c[2]);
    }
  }

  private void credentials() {
    String[][] v = {
        {"admin", "/api/users/search", "admin password, denied endpoint"},
        {"adminwrong", "/api/users/search", "wrong admin password, denied endpoint"},
        {"admin", "/api/plugins/installed", "admin password, scanner call"},
        {"adminwrong", "/api/plugins/installed", "wrong admin password, scanner call"},
        {"admin", "/api/system/info", "admin password, system info"},
        {"admin", "/api/user_tokens/search", "admin password, token list"},
        {"admin", "/api/settings/values?component={B}", "admin password, B's settings"},
        {"unknown", "/api/users/search", "unknown token, denied endpoint"},
        {"unknown", "/api/plugins/installed", "unknown token, scanner call"},
        {"none", "/api/users/search", "no credential, denied endpoint"},
        {"none", "/api/settings/values?component={B}", "no credential, B's settings"},
        {"bearerA", "/api/users/search", "A's token as Bearer, denied endpoint"},
        {"tokenA,admin", "/api/users/search", "two Authorization headers"},
        {"tokenA,admin", "/api/plugins/installed", "two Authorization headers, scanner call"},
        {"global", "/api/users/search", "global analysis token, denied endpoint"},
    };
    for (String[] c : v) {
      String path = c[1].replaceAll("\\?.*", "");
      add("credential", "GET", c[1], "", c[0], "none", "", c[1].contains("{B}") ? "B" : "-", path, "deny", c[2]);
    }
    String[][] h = {
        {"Authorization: basic {AUTHB64:admin}", "/api/users/search", "lower-case 'basic', admin password"},
        {"Authorization: Bearer {AUTHB64:admin}", "/api/users/search", "Bearer carrying Basic's admin credentials"},
        {"Proxy-Authorization: {AUTH:admin}", "/api/users/search", "admin password as Proxy-Authorization"},
        {"Authorization: Basic", "/api/users/search", "Basic without credentials"},
        {"Authorization: Basic !!!", "/api/users/search", "Basic, not base64"},
    };
    for (String[] c : h) {
      add("credential", "GET", c[1], c[0], "none", "none", "", "-", c[1], "deny", c[2]);
    }
  }

  private void controls() {
    add("control", "GET", "/api/server/version", "", "none", "none", "", "-", "/api/server/version", "forward", "anonymous bootstrap");
    add("control", "GET", "/api/plugins/installed", "", "tokenA", "none", "", "-", "/api/plugins/installed", "forward", "scanner call");
    add("control", "GET", "/api/settings/values?component={A}", "", "tokenA", "none", "", "A", "/api/settings/values", "forward", "A's settings");
    add("control", "GET", "/api/settings/values.protobuf?component={A}", "", "tokenA", "none", "", "A", "/api/settings/values.protobuf", "forward", "A's settings, protobuf");
    add("control", "GET", "/api/settings/values?component={A}", "", "global", "none", "", "A", "/api/settings/values", "forward", "A's settings, global token");
    add("control", "GET", "/api/settings/values", "", "global", "none", "", "-", "/api/settings/values", "forward", "global settings, global token");
    add("control", "GET", "/api/qualityprofiles/search?project={A}", "", "tokenA", "none", "", "A", "/api/qualityprofiles/search", "forward", "A's quality profiles");
    add("control", "GET", "/api/settings/values?component=unknown", "", "tokenA", "none", "", "-", "/api/settings/values", "any", ".NET authentication probe (forwarded; SonarQube answers 404)");
  }

  private void write(Path file) throws IOException {
    Map<String, Integer> perFamily = new LinkedHashMap<>();
    List<String> rows = new ArrayList<>();
    for (Case c : cases) {
      int n = perFamily.merge(c.family(), 1, Integer::sum);
      String id = c.family() + "-" + String.format("%03d", n);
      rows.add(String.join("\t", id, c.family(), c.method(), c.target(), c.headers(), c.cred(), c.body(),
          c.fields(), c.project(), c.aim(), c.expect(), c.note()));
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      out.print("""
          # Hostile request corpus for the Portcullis gateways in front of SonarQube.
          # Generated by e2e/hostile/GenerateCorpus.java; do not edit by hand (run-e2e.sh checks it is up to date).
          # Sent by e2e/hostile/HostileCorpus.java over raw sockets; see e2e/README.md.
          #
          # Columns (tab-separated):
          #   id        family-NNN
          #   family    what the case tries (path-*, param-*, ce-submit, method*, body-on-get, framing, smuggling, side-door, credential, control)
          #   method    the request method as sent; RAW: the target column is the whole request
          #   target    the raw request target (or request), escaped: \\\\ backslash, \\t \\r \\n, \\xHH one byte
          #   headers   extra header lines separated by \\n ('-' none); '-Host' / '-Connection' suppress the runner's Host / Connection: close
          #   cred      none | tokenA (A's project analysis token, Basic) | bearerA | global (global analysis token) |
          #             admin (admin password, Basic) | adminwrong | unknown (a token SonarQube never issued); a,b = two Authorization headers
          #   body      none | urlencoded | multipart | multipart-file | multipart-report[-last|-file] | text | json | octets | rawbody | raw;
          #             '+chunked' sends it chunked instead of with Content-Length
          #   fields    body fields name=value&...; for rawbody the body itself ('-' none)
          #   project   the project the case aims at (A, B, -)
          #   aim       the endpoint the case aims at
          #   expect    deny (should be refused; reported if forwarded) | deny-restricted (refused behind allowed_project_keys=[A] only) |
          #             forward (control: must reach SonarQube and get 2xx) | any
          #   note      what the variant is
          # Placeholders: {A} {B} project keys, {GW} the gateway's host:port, {SQ} SonarQube's, {BOUNDARY}, {ZIP} (an empty zip),
          #   {AUTH:cred} / {AUTHB64:cred} an Authorization value / its base64 part, {CASEHDR} the case header line (RAW),
          #   {MANYHEADERS} 101 header lines, {BIGVALUE} 40 KB.
          """);
      out.println(String.join("\t", "id", "family", "method", "target", "headers", "cred", "body", "fields", "project",
          "aim", "expect", "note"));
      for (String row : rows) {
        out.println(row);
      }
    }
    System.out.println(file + ": " + cases.size() + " cases");
    perFamily.forEach((family, n) -> System.out.println("  " + family + " " + n));
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java GenerateCorpus.java OUTPUT.tsv");
      System.exit(2);
    }
    GenerateCorpus g = new GenerateCorpus();
    g.controls();
    g.targetEncodings();
    g.parameterSmuggling();
    g.ceSubmit();
    g.methodOverrides();
    g.bodyOnGet();
    g.parameterValues();
    g.framing();
    g.credentials();
    g.write(Path.of(args[0]));
  }
}
