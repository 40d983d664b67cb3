--[[
  What every model-slot script shares. Keys: KEYS[1] holders (token -> lease end), KEYS[2]
  tickets (token -> sequence), KEYS[3] ticket leases (token -> lease end), KEYS[4] ticket
  sequence. Times in ms from Redis's clock.
]]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drops expired holders and waiters; returns how many went, so waiters can be told to look again.
local function prune(now)
  local gone = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  for _, token in ipairs(dead) do redis.call('ZREM', KEYS[2], token) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  return gone + #dead
end
local function touch(ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
-- KEYS[5]: a lower cap learned from the server, if any.
local function effective(limit)
  local learned = tonumber(redis.call('GET', KEYS[5]) or '')
  if learned and learned >= 1 and learned < limit then return learned end
  return limit
end
