--[[
  A job leaves the fairness bookkeeping: it started (its tag moves the clock) or was removed
  before it started.
  Input:
    KEYS[1] the installation's waiting jobs
    KEYS[2] every waiting job
    KEYS[3] the largest tag started
    ARGV[1] job id
    ARGV[2] installation id
    ARGV[3] "1" if the job started, "0" if it was removed unstarted
    ARGV[4] time to live of the clock, in ms
  Output: 1 if the job was waiting, else 0.
]]
local tag = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2] .. ':' .. ARGV[1])
if tag and ARGV[3] == '1' then
  local clock = tonumber(redis.call('GET', KEYS[3]) or '0')
  if tonumber(tag) > clock then redis.call('SET', KEYS[3], tag, 'PX', ARGV[4]) end
end
return tag and 1 or 0
