-- wrk script for the WORKLOAD.md scenarios hot-list and hot-detail.
-- Usage: wrk -s enginel.lua <url> -- <scenario> <tokens-file> [<pairs-file>]
--   hot-list:   GET /api/designs/?upload_status=COMPLETED&ordering=-created_at&page={1..5}&page_size=20
--               as a random user of the 100 (each with its own bearer token)
--   hot-detail: GET /api/designs/{id}/ over the fixed pool of 1,000 ids, each asked by a user who may see it
--               (<pairs-file>: lines "<token-index> <design-id>")
local scenario, tokens, pairs = nil, {}, {}

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

function init(args)
  scenario = args[1]
  tokens = lines(args[2])
  if args[3] then
    for _, line in ipairs(lines(args[3])) do
      local i, id = line:match("^(%d+) (%S+)$")
      pairs[#pairs + 1] = { tonumber(i), id }
    end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  if scenario == "hot-list" then
    local token = tokens[math.random(#tokens)]
    local path = "/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=" .. math.random(5) .. "&page_size=20"
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  else
    local p = pairs[math.random(#pairs)]
    return wrk.format("GET", "/api/designs/" .. p[2] .. "/", { ["Authorization"] = "Bearer " .. tokens[p[1]] })
  end
end

local non2xx = 0
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50=%.2f p95=%.2f p99=%.2f errors=%d requests=%d\n",
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, errors, summary.requests))
end
