/**
 * The Jakarta Servlet adapter: a {@code Filter} that asks the core enforcer before a request
 * reaches the servlet.
 */
package dev.portcullis.servlet;
