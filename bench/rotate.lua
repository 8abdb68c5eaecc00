-- wrk script: GET the paths listed in a file, in turn (each thread from its own offset),
-- with optional extra headers, and print the latency percentiles as one JSON line.
-- Usage: wrk ... -s bench/rotate.lua http://127.0.0.1:PORT -- paths.txt ["Header: value" ...]

local threads = {}
local paths, headers, counter = {}, {}, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  counter = (id or 1) * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"errors": %d, "bad_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
