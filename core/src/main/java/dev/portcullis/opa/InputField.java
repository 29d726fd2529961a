package dev.portcullis.opa;

import dev.portcullis.PolicyInput;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One leaf of the policy input document ({@link PolicyInput#toJson()}), named by its path in the
 * document as a policy reads it, such as {@code request.method} for {@code input.request.method}.
 * Objects and arrays ({@code request.query}, {@code request.headers}, {@code request.header_names},
 * {@code request.path_segments}) are one field each, whole.
 *
 * <p>A policy may declare the fields it reads ({@link PolicySource#readsOnly(Set)}); its decision
 * cache then keys decisions by those fields alone, so two requests that differ only in a field the
 * policy never reads share one decision.
 */
public enum InputField {
  REQUEST_METHOD("request.method", input -> input.request().method()),
  REQUEST_PATH("request.path", input -> input.request().path()),
  REQUEST_PATH_SEGMENTS("request.path_segments", input -> input.request().pathSegments()),
  REQUEST_QUERY("request.query", input -> input.request().query()),
  REQUEST_HEADERS("request.headers", input -> input.request().headers()),
  REQUEST_HEADER_NAMES("request.header_names", input -> input.request().headerNames()),
  REQUEST_CONTENT_LENGTH("request.content_length", input -> input.request().contentLength()),
  REQUEST_BODY_PRESENT("request.body.present", input -> input.request().body().present()),
  REQUEST_BODY_CHUNKED("request.body.chunked", input -> input.request().body().chunked()),
  REQUEST_BODY_MEDIA_TYPE("request.body.media_type", input -> input.request().body().mediaType()),
  CLIENT_IP("client.ip", input -> input.client().ip()),
  CREDENTIAL_PRESENT("credential.present", input -> input.credential().present()),
  CREDENTIAL_SCHEME("credential.scheme", input -> input.credential().scheme()),
  CREDENTIAL_KIND("credential.kind", input -> input.credential().kind()),
  CREDENTIAL_VALID("credential.valid", input -> input.credential().validity()),
  CREDENTIAL_VERIFIER("credential.verifier", input -> input.credential().verifier());

  /** Every field: the declaration that is right for any policy. */
  public static final Set<InputField> ALL =
      Collections.unmodifiableSet(EnumSet.allOf(InputField.class));

  private final String path;
  private final Function<PolicyInput, Object> value;

  InputField(String path, Function<PolicyInput, Object> value) {
    this.path = path;
    this.value = value;
  }

  /** The field's path in the input document, such as {@code request.body.media_type}. */
  public String path() {
    return path;
  }

  /**
   * The field at {@code path}, such as {@code credential.kind}.
   *
   * @throws IllegalArgumentException when the input document has no such field
   */
  public static InputField ofPath(String path) {
    Objects.requireNonNull(path, "path");
    for (InputField field : values()) {
      if (field.path.equals(path)) {
        return field;
      }
    }
    throw new IllegalArgumentException("the policy input has no field '" + path + "'");
  }

  /**
   * The field's value in {@code input}: the record component itself (an immutable string, list,
   * map, boxed number, enum or value record). Equal values are written as the same JSON value
   * (objects compare regardless of member order, as in Rego), so equal keys mean the policy reads
   * the same input.
   */
  Object valueIn(PolicyInput input) {
    return value.apply(input);
  }
}
