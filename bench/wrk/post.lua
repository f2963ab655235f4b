-- POST (or BENCH_METHOD) load for wrk, configured by environment variables (wrk's Lua has no other way to take arguments):
--   BENCH_METHOD      HTTP method (optional, default POST; the package scenarios GET the sample API)
--   BENCH_AUTH        value of the Authorization header (optional)
--   BENCH_KEYS_FILE   one API key per line: each request presents the next one as "Bearer <key>" (optional)
--   BENCH_BODY        request body (optional), sent as application/json
-- done() prints one line "BENCH {json}" with requests, rate, p50/p99 and error counts for run.sh to parse.
wrk.method = os.getenv("BENCH_METHOD") or "POST"

local auth = os.getenv("BENCH_AUTH")
local keys_file = os.getenv("BENCH_KEYS_FILE")
local body = os.getenv("BENCH_BODY")

local requests = {}
local index = 0
local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local headers = {}
  if body ~= nil and body ~= "" then
    headers["Content-Type"] = "application/json"
  else
    body = nil
  end
  if keys_file ~= nil and keys_file ~= "" then
    for line in io.lines(keys_file) do
      if line ~= "" then
        headers["Authorization"] = "Bearer " .. line
        requests[#requests + 1] = wrk.format(nil, nil, headers, body)
      end
    end
    -- Threads start half-way apart in the list so that they do not present the same key at the same time.
    index = math.floor(#requests / 2) * (thread_id or 0)
  else
    if auth ~= nil and auth ~= "" then
      headers["Authorization"] = auth
    end
    requests[1] = wrk.format(nil, nil, headers, body)
  end
end

function request()
  index = index + 1
  return requests[(index % #requests) + 1]
end

function done(summary, latency, requests_)
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
