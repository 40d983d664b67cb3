--[[
  Records the newest head seen for a pull request, ordered by the event's updated_at, so a late
  redelivery of an old event never replaces a newer head.
  Input:
    KEYS[1] the pull request's head record ("sha|at|job id")
    ARGV[1] head sha
    ARGV[2] updated_at of the event, in ms
    ARGV[3] job id of the review for this head
    ARGV[4] time to live of the record, in seconds
  Output: the previous record when the new one replaced it with another head, else nil.
]]
local current = redis.call('GET', KEYS[1])
if current then
  local sha, at, job = string.match(current, '^([^|]*)|([^|]*)|(.*)$')
  if tonumber(at) > tonumber(ARGV[2]) then return nil end
  if sha == ARGV[1] then return nil end
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3], 'EX', ARGV[4])
  return current
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3], 'EX', ARGV[4])
return nil
