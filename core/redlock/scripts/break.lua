-- break: an operator's force-release. Delete the lock if the token the quorum saw still
-- holds it here, announce it if somebody waits, and raise the resource's fencing counter
-- above the broken token, so that every later grant's token exceeds the broken one + 1.
--
-- KEYS[1]  lock key          KEYS[2]  waiter marker    KEYS[3]  fence counter hash
-- ARGV[1]  the broken holder's token (16 bytes)
-- ARGV[2]  the broken holder's fencing token
-- ARGV[3]  the resource's field in the fence counter hash
-- ARGV[4]  TTL of the fence counter hash in milliseconds (refreshed here)
-- ARGV[5]  the release channel     ARGV[6]  the message "<resource tag> <release id>"
--
-- Returns {deleted, counter}: deleted is 1 when this node held the lock for ARGV[1]
-- (another token's lock is kept: it was granted after the break was decided), and
-- counter the fence counter after the raise. The counter is raised on every node,
-- held or not, as a later grant's quorum may consist of nodes that missed the lock.
local deleted = 0
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, 16) == ARGV[1] then
  deleted = 1
  if redis.call('DEL', KEYS[1], KEYS[2]) == 2 then
    redis.call('PUBLISH', ARGV[5], ARGV[6])
  end
end
local c = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
local want = math.max(c, tonumber(ARGV[2])) + 1
redis.call('HSET', KEYS[3], ARGV[3], string.format('%d', want))
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {deleted, want}
