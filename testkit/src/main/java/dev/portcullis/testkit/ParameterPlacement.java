package dev.portcullis.testkit;

/**
 * Where a request parameter travels. SonarQube reads parameters from the query and, like any
 * servlet application, from a {@code multipart/form-data} body on every method and from an {@code
 * application/x-www-form-urlencoded} body on POST; the query's values come first.
 */
public enum ParameterPlacement {
  /** In the query string. */
  QUERY,
  /** In a {@code multipart/form-data} body (the request declares one; its bytes are not sent). */
  MULTIPART_BODY,
  /** In an {@code application/x-www-form-urlencoded} body (declared, as above). */
  URLENCODED_BODY
}
