-- The wrk client of the benchmark (bench/load.ts runs it when wrk is installed): ClientUpdate
-- bodies made as bench/request-bodies.ts makes them for autocannon (the template comes from
-- there, with {id}, {seq} and {phone} to fill in), and every answer's ErrorCode counted.
-- At the end it prints one line: WRK_RESULT <json>.
local env = os.getenv
local template = env("WRK_BODY")
local participants = tonumber(env("WRK_PARTICIPANTS"))
local phoneA, phoneB = tonumber(env("WRK_PHONE_A")), tonumber(env("WRK_PHONE_B"))
local tag = env("WRK_TAG")

wrk.method = "POST"
wrk.headers["Content-Type"] = env("WRK_CONTENT_TYPE")
wrk.headers["Authorization"] = "Bearer " .. env("WRK_TOKEN")

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state): which phone each participant was last sent,
-- a request counter, and the answers by ErrorCode ("unreadable" when there is none).
local onB = {}
local seq = 0
codes = {}
non2xx = 0

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

function request()
  local i = math.random(participants)
  onB[i] = not onB[i]
  seq = seq + 1
  local values = {
    id = string.format("%d", i),
    seq = tag .. id .. "_" .. seq,
    phone = string.format("%.0f", (onB[i] and phoneB or phoneA) + i),
  }
  return wrk.format(nil, nil, nil, (template:gsub("{(%a+)}", values)))
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    return
  end
  local code = body:match('"ErrorCode":(%-?%d+)') or body:match("<ErrorCode>(%-?%d+)</ErrorCode>") or "unreadable"
  codes[code] = (codes[code] or 0) + 1
end

function done(summary, latency, requests)
  local all, non2xxAll = {}, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("codes")) do all[code] = (all[code] or 0) + n end
    non2xxAll = non2xxAll + thread:get("non2xx")
  end
  local parts = {}
  for code, n in pairs(all) do table.insert(parts, string.format('"%s":%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"responses":%d,"microseconds":%d,"p50":%d,"p99":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"non2xx":%d,"codes":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, non2xxAll, table.concat(parts, ",")))
end
