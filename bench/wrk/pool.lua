-- wrk script: cycles through a pool of prepared requests (different users, tokens, paths).
-- Usage: wrk ... -s pool.lua URL -- POOL_FILE. Each line of POOL_FILE is
--   PATH<TAB>Header: value<TAB>Header: value...
-- The requests are formatted once in init(); request() only hands out the next one.
local requests = {}
local next_index = 1

init = function(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
    local headers = {}
    for i = 2, #fields do
      local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    table.insert(requests, wrk.format("GET", fields[1], headers))
  end
  -- Threads start at different offsets so they do not walk the pool in lockstep.
  next_index = (math.random(#requests) - 1) + 1
end

request = function()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

-- The WRKJSON summary line is report.lua's, loaded from next to this file.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
