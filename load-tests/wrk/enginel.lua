-- wrk script for the WORKLOAD.md scenarios hot-list, hot-detail, cold-list and bom (mixed, which checks
-- every read for staleness, is the Gatling MixedSimulation).
-- Usage: wrk -s enginel.lua <url> -- <scenario> <tokens-file> [<pairs-file>]
--   hot-list:   GET /api/designs/?upload_status=COMPLETED&ordering=-created_at&page={1..5}&page_size=20
--               as a random user of the 100 (each with its own bearer token)
--   hot-detail: GET /api/designs/{id}/ over the fixed pool of 1,000 ids, each asked by a user who may see it
--               (<pairs-file>: lines "<token-index> <design-id>")
--   cold-list:  GET /api/designs/?search={word}&created_before={instant}&page_size=20, a random word of the
--               descriptions' vocabulary and a random instant to the millisecond: a query that never repeats
--   bom:        GET /api/designs/{id}/bom/ over the 2,000 designs with a BOM (<pairs-file> of those)
--   ceiling:    GET / of the CeilingServer (one Redis GET + inflate of a hot-list page, nothing else)
local scenario, tokens, pairs = nil, {}, {}
local words = { "bracket", "housing", "flange", "shaft", "gear", "bearing", "bolt", "washer", "nut", "spring",
  "valve", "pump", "impeller", "rotor", "stator", "casing", "cover", "plate", "beam", "rib", "gusset", "hinge",
  "latch", "clamp", "fixture", "jig", "mount", "adapter", "coupling", "sleeve", "bushing", "spacer", "manifold",
  "nozzle", "diffuser", "duct", "panel", "frame", "chassis", "enclosure", "lid", "base", "support", "weld", "casting" }
local DATA_END = 1767225600 -- 2026-01-01T00:00:00Z

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
  if scenario == "ceiling" then
    return wrk.format("GET", "/")
  elseif scenario == "hot-list" then
    local token = tokens[math.random(#tokens)]
    local path = "/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=" .. math.random(5) .. "&page_size=20"
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  elseif scenario == "cold-list" then
    local token = tokens[math.random(#tokens)]
    local t = DATA_END - math.random(0, 365 * 24 * 3600 - 1)
    local before = os.date("!%Y-%m-%dT%H:%M:%S", t) .. string.format(".%03dZ", math.random(0, 999))
    local path = "/api/designs/?search=" .. words[math.random(#words)] .. "&created_before=" .. before .. "&page_size=20"
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  else
    local p = pairs[math.random(#pairs)]
    local suffix = scenario == "bom" and "/bom/" or "/"
    return wrk.format("GET", "/api/designs/" .. p[2] .. suffix, { ["Authorization"] = "Bearer " .. tokens[p[1]] })
  end
end

-- No response() callback: wrk would then copy every answer's headers and body into Lua for it, load-generator work
-- that grows with the answer's headers and is not the server's. An answer with a status of 400 or more is counted by
-- wrk itself (summary.errors.status, in the errors below).
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50=%.2f p95=%.2f p99=%.2f errors=%d requests=%d\n",
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, errors, summary.requests))
end
