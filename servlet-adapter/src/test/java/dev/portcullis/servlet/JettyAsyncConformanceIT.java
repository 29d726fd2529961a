package dev.portcullis.servlet;

import dev.portcullis.PolicyEnforcer;

/**
 * The conformance suite on Jetty with an asynchronous verifier and the filter suspending requests.
 */
class JettyAsyncConformanceIT extends JettyConformanceIT {

  @Override
  protected PolicyEnforcer enforcer() {
    return SlowVerifier.enforcer();
  }

  @Override
  PortcullisFilter filter(PolicyEnforcer enforcer) {
    return PortcullisFilter.builder(enforcer).asynchronous(true).build();
  }
}
