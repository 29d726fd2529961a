-- wrk script of run-load.sh.
-- Sends the Authorization header taken from the environment (LOAD_AUTHORIZATION), so that the
-- token never appears on a command line, and prints one machine-readable line at the end:
-- request count, bytes, duration and latency percentiles in microseconds, and wrk's error
-- counters (status = responses that were not 2xx/3xx).
local authorization = os.getenv("LOAD_AUTHORIZATION")
if authorization ~= nil and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOAD_RESULT requests=%d bytes=%.0f duration_us=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f"
      .. " connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
