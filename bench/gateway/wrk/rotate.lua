-- wrk script for bench/gateway: rotates request bodies, station identities and wsa:MessageIDs per request and
-- prints the result as one JSON line (prefixed "WRK_JSON ") for the orchestrator.
--
--   wrk -t2 -c64 -d10s -s rotate.lua URL -- TEMPLATE_FILE STATIONS ID_PREFIX MSGID_PREFIX
--
-- TEMPLATE_FILE: blocks separated by a line "--8<--"; each block is a Content-Type line then the body, with
-- {{ID}} and {{MSGID}} slots. MSGID_PREFIX is the first 24 characters of a urn:uuid (8-4-4-4-); each request
-- appends 2 hex digits of thread id and 10 of a per-thread counter, so ids are unique per run.

local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

local templates = {}
local ids = {}
local station_count = 1
local msgid_prefix = ""
local counter = 0

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

-- Splits a body into literal parts and slot names: { "lit", "ID", "lit", "MSGID", ... }.
local function compile(body)
  local parts = {}
  local pos = 1
  while true do
    local s, e, name = string.find(body, "{{(%u+)}}", pos)
    if not s then break end
    table.insert(parts, { lit = string.sub(body, pos, s - 1) })
    table.insert(parts, { slot = name })
    pos = e + 1
  end
  table.insert(parts, { lit = string.sub(body, pos) })
  return parts
end

function init(args)
  local text = read_file(args[1])
  station_count = tonumber(args[2])
  local id_prefix = args[3]
  msgid_prefix = args[4]
  for i = 1, station_count do
    ids[i] = string.format("%s%04d", id_prefix, i)
  end
  local sep = "\n--8<--\n"
  local pos = 1
  while pos <= #text do
    local s, e = string.find(text, sep, pos, true)
    local block = s and string.sub(text, pos, s - 1) or string.sub(text, pos)
    local nl = string.find(block, "\n", 1, true)
    table.insert(templates, {
      headers = { ["Content-Type"] = string.sub(block, 1, nl - 1) },
      parts = compile(string.sub(block, nl + 1)),
    })
    if not s then break end
    pos = e + 1
  end
  -- spread threads over the station list
  counter = (tid or 0) * 7919
end

local buf = {}

function request()
  counter = counter + 1
  local t = templates[(counter % #templates) + 1]
  local id = ids[(math.floor(counter / #templates) % station_count) + 1]
  local msgid = string.format("%s%02x%010x", msgid_prefix, tid or 0, counter)
  local parts = t.parts
  for i = 1, #parts do
    local p = parts[i]
    if p.lit then
      buf[i] = p.lit
    elseif p.slot == "ID" then
      buf[i] = id
    else
      buf[i] = msgid
    end
  end
  for i = #parts + 1, #buf do buf[i] = nil end
  return wrk.format("POST", nil, t.headers, table.concat(buf))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
