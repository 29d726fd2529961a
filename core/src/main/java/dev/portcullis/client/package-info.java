/**
 * Client addresses: the strict {@link dev.portcullis.client.IpAddress} type, CIDR ranges, and the
 * real client IP behind trusted reverse proxies from {@code Forwarded} and {@code X-Forwarded-For}.
 */
package dev.portcullis.client;
