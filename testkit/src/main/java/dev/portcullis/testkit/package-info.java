/**
 * The conformance suite every Portcullis adapter runs, with the stub policy engine and echo
 * upstream it needs.
 */
package dev.portcullis.testkit;
