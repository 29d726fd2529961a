/** The {@code portcullis} command line: ask a policy for a decision, as a gateway would. */
package dev.portcullis.examples.cli;
