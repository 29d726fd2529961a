/** The default SonarQube scanner policy: its compiled wasm, its configuration, and an engine ready to use. */
package dev.portcullis.policies;
