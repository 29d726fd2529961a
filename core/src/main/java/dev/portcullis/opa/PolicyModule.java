package dev.portcullis.opa;

import java.util.Map;

/** A policy module loaded by one of the wasm runtimes, from which the pool makes instances. */
interface PolicyModule {

  /** The entrypoints the module was built with, by name. */
  Map<String, Integer> entrypoints();

  /** A new instance evaluating {@code entrypoint}, with {@code data} loaded once. */
  PolicyInstance instantiate(int entrypoint, String data);

  /** How instances run, for the load log line: which runtime and how its code was compiled. */
  String runtime();
}
