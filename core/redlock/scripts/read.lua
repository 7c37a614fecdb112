-- read: the current lock value, when it expires and the node's epoch. Read-only.
--
-- KEYS[1]  lock key          KEYS[2]  epoch key
--
-- Returns {value or "", expire time in Unix ms by the node's clock (0 when free),
-- epoch id, epoch age ms}. A node without an epoch reports id "" and age 0: it lost its
-- data. The expire time is absolute (PEXPIRETIME, Redis 7; computed from TIME and PTTL
-- on older servers) so that two reads of an unchanged lock agree.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local id, age = '', 0
local epoch = redis.call('GET', KEYS[2])
if epoch then
  local sep = string.find(epoch, ':', 1, true)
  id = string.sub(epoch, 1, sep - 1)
  age = math.floor((now - tonumber(string.sub(epoch, sep + 1))) / 1000)
end
local cur = redis.call('GET', KEYS[1])
if not cur then
  return {'', 0, id, age}
end
local at = redis.pcall('PEXPIRETIME', KEYS[1])
if type(at) ~= 'number' then
  at = math.floor(now / 1000) + redis.call('PTTL', KEYS[1])
end
return {cur, at, id, age}
