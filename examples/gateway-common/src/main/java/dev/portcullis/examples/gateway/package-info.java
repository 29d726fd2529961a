/**
 * What the example gateways share: the command line ({@link
 * dev.portcullis.examples.gateway.GatewayCommand}), the configuration ({@link
 * dev.portcullis.examples.gateway.GatewayConfig}) and the enforcer set-up ({@link
 * dev.portcullis.examples.gateway.GatewayEnforcer}), so the Jetty and the Netty gateway decide
 * identically and differ only in how they move bytes.
 */
package dev.portcullis.examples.gateway;
