-- wrk script for deploy/local/bench: replays pre-signed requests written by gen_requests.py.
-- Usage: wrk -tT -cC -dD --latency -s replay.lua http://127.0.0.1:PORT -- PREFIX
-- Thread i streams PREFIX.i (records "<8-digit length><raw request>") so memory stays small;
-- at the end of its file it starts over and counts a wrap (then requests repeat as duplicates).
-- done() writes the figures as JSON to $BENCH_WRK_JSON.

local next_tid = 0
local threads = {}

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  file = assert(io.open(args[1] .. "." .. tid, "rb"))
  wraps = 0
  sent = 0
end

function request()
  local len = file:read(8)
  if not len then
    file:seek("set", 0)
    wraps = wraps + 1
    len = file:read(8)
  end
  sent = sent + 1
  return file:read(tonumber(len))
end

function done(summary, latency, requests)
  local wraps, sent = 0, 0
  for _, t in ipairs(threads) do
    wraps = wraps + (t:get("wraps") or 0)
    sent = sent + (t:get("sent") or 0)
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  local out = string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p75_ms":%.3f,"p90_ms":%.3f,"p95_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"wraps":%d,"sent":%d}',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(75) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout, wraps, sent)
  local path = os.getenv("BENCH_WRK_JSON")
  if path then
    local f = assert(io.open(path, "w"))
    f:write(out, "\n")
    f:close()
  else
    io.write(out, "\n")
  end
end
