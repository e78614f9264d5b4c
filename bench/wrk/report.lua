-- Shared by get.lua and post.lua: every answer other than the expected status
-- ($BENCH_EXPECT_STATUS: 200 for a page, 303 for a filing) counts as failed, and so does a
-- redirect to /login (a lost session answers 303 too); one machine-readable line at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "200")
  unexpected = 0
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"] or ""
  if status ~= expected or string.find(location, "/login", 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
  end
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "unexpected": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, bad))
end
