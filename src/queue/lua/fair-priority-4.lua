--[[
  The BullMQ priority for a job about to be added for an installation (its virtual finish tag:
  fair queueing between installations), recorded as waiting. Asking again for a job still waiting
  returns the same tag.
  Input:
    KEYS[1] the installation's waiting jobs (job id -> tag)
    KEYS[2] every waiting job ("installation:job" -> enqueue time in ms)
    KEYS[3] the largest tag started since the queue was last empty
    KEYS[4] (optional) the BullMQ job's key: when it exists the job is queued already
    ARGV[1] job id
    ARGV[2] installation id
    ARGV[3] age limit of a waiting entry, in ms
    ARGV[4] key prefix of the installations' sets
    ARGV[5] the largest priority BullMQ accepts
  Output: the priority (1 or more; lower runs first).
]]
--- @include "now-and-prune"
local job, member, maxAge = ARGV[1], ARGV[2] .. ':' .. ARGV[1], tonumber(ARGV[3])
local known = redis.call('ZSCORE', KEYS[1], job)
if known then return tonumber(known) end
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[3]) end
local clock = tonumber(redis.call('GET', KEYS[3]) or '0')
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
local tag = math.max(clock, tonumber(last or '0')) + 1
if tag > tonumber(ARGV[5]) then tag = tonumber(ARGV[5]) end
if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 1 then return tag end
redis.call('ZADD', KEYS[1], tag, job)
redis.call('ZADD', KEYS[2], now, member)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], maxAge) end
return tag
