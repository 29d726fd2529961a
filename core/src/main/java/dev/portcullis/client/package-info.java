/** Finds the real client IP behind trusted reverse proxies from {@code Forwarded} and {@code X-Forwarded-For}. */
package dev.portcullis.client;
