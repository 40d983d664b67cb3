--[[
  Lowers the cap learned from the model server, keeping the lower of the stored and the new one.
  Input:
    KEYS[1] the learned limit
    ARGV[1] the new limit
    ARGV[2] its time to live, in ms
  Output: the limit now stored.
]]
local current = tonumber(redis.call('GET', KEYS[1]) or '')
local limit = tonumber(ARGV[1])
if current and current < limit then limit = current end
redis.call('SET', KEYS[1], limit, 'PX', ARGV[2])
return limit
