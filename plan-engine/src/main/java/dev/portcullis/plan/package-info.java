/** A policy engine that evaluates OPA's compiled plan (the IR) directly on Java values. */
package dev.portcullis.plan;
