--[[
  Takes a model slot if one is free for this token's place in line, else keeps (or makes) its
  ticket. Nobody overtakes an earlier ticket.
  Input:
    KEYS[1..4] holders, tickets, ticket leases, ticket sequence (see includes/model-slots-common)
    KEYS[5] the learned lower limit
    ARGV[1] token
    ARGV[2] limit (LLM_MAX_CONCURRENCY)
    ARGV[3] lease, in ms
    ARGV[4] channel told when a slot frees
    ARGV[5] keys' time to live, in ms
  Output: { granted (0|1), tickets ahead }
]]
--- @include "model-slots-common"
local token, lease = ARGV[1], tonumber(ARGV[3])
local limit = effective(tonumber(ARGV[2]))
local now = now_ms()
local changed = prune(now)
local granted, ahead = 0, 0
if redis.call('ZSCORE', KEYS[1], token) then
  redis.call('ZADD', KEYS[1], now + lease, token)
  granted = 1
else
  if not redis.call('ZSCORE', KEYS[2], token) then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), token)
  end
  ahead = redis.call('ZRANK', KEYS[2], token)
  -- The first (free) tickets in line may go: nobody overtakes an earlier ticket.
  if ahead < limit - redis.call('ZCARD', KEYS[1]) then
    redis.call('ZREM', KEYS[2], token)
    redis.call('ZREM', KEYS[3], token)
    redis.call('ZADD', KEYS[1], now + lease, token)
    granted = 1
  else
    redis.call('ZADD', KEYS[3], now + lease, token)
  end
end
touch(ARGV[5])
if changed > 0 then redis.call('PUBLISH', ARGV[4], 'expired') end
return { granted, ahead }
