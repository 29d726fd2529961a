package dev.portcullis.opa;

/**
 * One loaded policy instance: entrypoint selected, data document resident. Not thread-safe: the
 * engine's pool lends it to one evaluation at a time.
 */
interface PolicyInstance {

  /**
   * The result set, as JSON, of evaluating the entrypoint with {@code inputJson} as the input.
   *
   * @throws RuntimeException when the policy aborts, memory runs out or the thread is interrupted
   */
  String evaluate(String inputJson);
}
