--[[
  Releases a lock only if this process still holds it (its token), so a lock that expired and was
  taken by another process is left alone.
  Input:
    KEYS[1] the lock
    ARGV[1] this holder's token
  Output: 1 if released, else 0.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
