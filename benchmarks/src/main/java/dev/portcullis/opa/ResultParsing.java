package dev.portcullis.opa;

import dev.portcullis.Decision;

/**
 * Reaches the engine's package-private result parser so that the breakdown benchmark can time it alone.
 * Lives in the benchmarks jar only; it is not API.
 */
public final class ResultParsing {

  private ResultParsing() {}

  /** {@code DecisionDocument.parse}: the wasm result set as a decision. */
  public static Decision parse(String resultSet) {
    return DecisionDocument.parse(resultSet);
  }
}
