--[[
  Defines `now` (Redis's clock, in ms) and removes waiting jobs older than the age limit, at most
  500 per call, from the waiting set and from their installation's set.
  Uses: KEYS[2] the waiting set; ARGV[3] the age limit in ms; ARGV[4] the installation sets' key prefix.
  Other installations' sets are named from the shared prefix; on Cluster its hash tag keeps them in
  this slot.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 500)
for _, member in ipairs(stale) do
  local installation, job = string.match(member, '^([^:]+):(.*)$')
  if installation then redis.call('ZREM', ARGV[4] .. installation, job) end
  redis.call('ZREM', KEYS[2], member)
end
