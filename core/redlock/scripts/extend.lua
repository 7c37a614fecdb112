-- extend: reset the TTL of a lock the caller holds.
--
-- KEYS[1]  lock key          KEYS[2]  epoch key
-- ARGV[1]  owner token (16 bytes)
-- ARGV[2]  new TTL in milliseconds
--
-- Returns {1, fence, epoch id, epoch age ms} when extended, {0, 0, epoch id, epoch age ms}
-- when the caller does not hold the lock here. A node without an epoch reports id ""
-- and age 0: it lost its data.
--{{template "fence"}}
local id, age = '', 0
local epoch = redis.call('GET', KEYS[2])
if epoch then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local sep = string.find(epoch, ':', 1, true)
  id = string.sub(epoch, 1, sep - 1)
  age = math.floor((now - tonumber(string.sub(epoch, sep + 1))) / 1000)
end
local cur = redis.call('GET', KEYS[1])
if not cur or string.sub(cur, 1, 16) ~= ARGV[1] then
  return {0, 0, id, age}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, fenceOf(cur), id, age}
