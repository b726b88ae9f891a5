-- objects.lua — wrk script of bench/wrk-vs-nginx.sh: one GET per request for an object of the catalogue
-- /v/seg00000.ts … /v/segNNNNN.ts, over wrk's persistent connections.
--
--   wrk … -s bench/objects.lua URL -- N [uniform|zipf:ALPHA]
--
-- uniform (default): every object equally likely (math.random(0, N - 1)).
-- zipf:ALPHA: object k - 1 has rank k and probability k^-ALPHA / H(N, ALPHA), so object 0 is the most popular.
-- The cumulative distribution is computed once per wrk thread in init (N doubles); each request draws one
-- uniform number and finds its object by binary search (log2 N steps: 12 for 4000 objects).
-- At the end wrk's totals go to stdout as one line "BENCH key=value …" for the script to read.

local n = 2000
local zipf = false
local cdf = nil
local counter = 0

setup = function(thread) counter = counter + 1; thread:set("id", counter) end

init = function(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  n = tonumber(args[1] or "") or n
  local pop = args[2] or "uniform"
  if pop ~= "uniform" then
    local alpha = tonumber(pop:match("^zipf:([0-9.]+)$") or "")
    if not alpha then error("objects.lua: popularity must be uniform or zipf:ALPHA, not " .. pop) end
    zipf = true
    cdf = {}
    local sum = 0
    for k = 1, n do sum = sum + k ^ -alpha; cdf[k] = sum end
    for k = 1, n do cdf[k] = cdf[k] / sum end
    cdf[n] = 1.0 -- no rounding gap at the top: every u < 1 finds an object
  end
end

local function pick()
  if not zipf then return math.random(0, n - 1) end
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo - 1
end

request = function()
  return wrk.format("GET", string.format("/v/seg%05d.ts", pick()))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
