-- read: the current lock value, its remaining TTL and the node's epoch. Read-only.
--
-- KEYS[1]  lock key          KEYS[2]  epoch key
--
-- Returns {value or "", PTTL ms (negative when free), epoch id, epoch age ms}. A node
-- without an epoch reports id "" and age 0: it lost its data.
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
if not cur then
  return {'', -2, id, age}
end
return {cur, redis.call('PTTL', KEYS[1]), id, age}
