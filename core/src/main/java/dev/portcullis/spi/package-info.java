/** Extension points: how an adapter reads its stack's request, and the engine that evaluates policies. */
package dev.portcullis.spi;
