--[[
  Gives back a slot or a place in line.
  Input:
    KEYS[1] holders
    KEYS[2] tickets
    KEYS[3] ticket leases
    ARGV[1] token
    ARGV[2] channel told when a slot frees
  Output: how many entries went.
]]
local gone = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if gone > 0 then redis.call('PUBLISH', ARGV[2], 'released') end
return gone
