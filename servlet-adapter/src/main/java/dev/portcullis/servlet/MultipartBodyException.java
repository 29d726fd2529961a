package dev.portcullis.servlet;

import dev.portcullis.Decision;
import dev.portcullis.body.MultipartGuard;

/**
 * The failure of a read from an allowed request's multipart body once its {@link MultipartGuard}
 * refused it: a part the decision does not allow, or framing outside the strict form (see {@link
 * BodyRefusedException}). Its message says which rule, and quotes nothing from the body.
 */
public final class MultipartBodyException extends BodyRefusedException {
  private static final long serialVersionUID = 1L;

  MultipartBodyException(MultipartGuard guard) {
    this(guard.refusal(), guard.why());
  }

  MultipartBodyException(Decision deny, String why) {
    super(deny, "The multipart request body was refused: " + why);
  }
}
