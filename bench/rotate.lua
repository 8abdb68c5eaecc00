-- wrk script: GET the paths listed in a file, in turn (each thread from its own offset),
-- with optional extra headers, and print the latency percentiles as one JSON line.
-- Usage: wrk ... -s bench/rotate.lua http://127.0.0.1:PORT -- paths.txt [count-cache] ["Header: value" ...]
-- With `count-cache`, the responses' X-Cache header (hit/miss, set by the response cache)
-- is counted; without it no response callback runs (wrk then skips header parsing).

local threads = {}
local paths, headers, counter = {}, {}, 0
hits, misses = 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  local counting = false
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
    if args[i] == "count-cache" then counting = true end
  end
  if not counting then response = nil end
  counter = (id or 1) * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

function response(status, response_headers, body)
  local state = response_headers["X-Cache"] or response_headers["x-cache"]
  if state == "hit" then hits = hits + 1 elseif state == "miss" then misses = misses + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  local cache_hits, cache_misses = 0, 0
  for _, thread in ipairs(threads) do
    cache_hits = cache_hits + (thread:get("hits") or 0)
    cache_misses = cache_misses + (thread:get("misses") or 0)
  end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"errors": %d, "bad_status": %d, "cache_hits": %d, "cache_misses": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status,
    cache_hits, cache_misses))
end
