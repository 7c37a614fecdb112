-- confirm: the second round trip of fencing. Raise this node's fence counter to the
-- token the client chose (the maximum over the granting quorum) and store it in the lock
-- value, but only while the caller still holds the lock.
--
-- KEYS[1]  lock key          KEYS[2]  fence counter hash
-- ARGV[1]  owner token (16 bytes)
-- ARGV[2]  the chosen fencing token
-- ARGV[3]  TTL of the fence counter hash in milliseconds (refreshed on every write)
-- ARGV[4]  the resource's field in the fence counter hash
--
-- Returns 1 when confirmed, 0 when the caller does not hold the lock here.
--{{template "fence"}}
local cur = redis.call('GET', KEYS[1])
if not cur or string.sub(cur, 1, 16) ~= ARGV[1] then
  return 0
end
local want = tonumber(ARGV[2])
local c = tonumber(redis.call('HGET', KEYS[2], ARGV[4]) or '0')
if c < want then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[2])
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1] .. fenceBytes(want) .. string.sub(cur, 24), 'KEEPTTL')
return 1
