--[[
  Renews a held slot's lease. A lease that ran out while nobody wanted the slot is taken back.
  Input: as model-slot-acquire-5.lua.
  Output: 1 renewed, 2 regained, 0 lost.
]]
--- @include "model-slots-common"
local token, lease = ARGV[1], tonumber(ARGV[3])
local limit = effective(tonumber(ARGV[2]))
local now = now_ms()
if redis.call('ZSCORE', KEYS[1], token) then
  redis.call('ZADD', KEYS[1], now + lease, token)
  touch(ARGV[5])
  return 1
end
local changed = prune(now)
if changed > 0 then redis.call('PUBLISH', ARGV[4], 'expired') end
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, token)
  touch(ARGV[5])
  return 2
end
return 0
