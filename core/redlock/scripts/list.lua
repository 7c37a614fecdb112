-- list: the lock values of the keys one SCAN page found, with when each expires and the
-- node's epoch. Read-only; one call per node per List page.
--
-- KEYS[1]  epoch key         KEYS[2..]  lock keys
--
-- Returns {epoch id, epoch age ms, value 1 or "", expire time 1, value 2, …}: one pair
-- per lock key in order, the expire time in Unix ms by the node's clock (0 when free),
-- as read.lua gives it. A node without an epoch reports id "" and age 0: it lost its data.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out = {'', 0}
local epoch = redis.call('GET', KEYS[1])
if epoch then
  local sep = string.find(epoch, ':', 1, true)
  out[1] = string.sub(epoch, 1, sep - 1)
  out[2] = math.floor((now - tonumber(string.sub(epoch, sep + 1))) / 1000)
end
for i = 2, #KEYS do
  local cur = redis.call('GET', KEYS[i])
  local at = 0
  if cur then
    at = redis.pcall('PEXPIRETIME', KEYS[i])
    if type(at) ~= 'number' then
      at = math.floor(now / 1000) + redis.call('PTTL', KEYS[i])
    end
  else
    cur = ''
  end
  out[#out + 1] = cur
  out[#out + 1] = at
end
return out
