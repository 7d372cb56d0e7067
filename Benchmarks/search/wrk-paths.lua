-- wrk script: requests the paths listed (one per line) in PATHS_FILE in turn,
-- and writes p50/p95/p99 latency (ms), the request count and the timeouts to RESULT_FILE.
local paths = {}
local index = 0
local function load()
  for line in io.lines(os.getenv("PATHS_FILE")) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end
load()
local token = os.getenv("TOKEN")

request = function()
  index = index % #paths + 1
  local headers = {}
  if token and #token > 0 then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[index], headers)
end

done = function(summary, latency, requests)
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write(string.format('{"requests": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_200": %d, "timeouts": %d}\n',
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status, summary.errors.timeout))
  out:close()
end
