-- acquire: take the lock if it is free and issue the node's next fencing token.
--
-- KEYS[1]  lock key          KEYS[2]  fence counter hash    KEYS[3]  epoch key
-- KEYS[4]  waiter marker: set when refused, so that the holder's release announces
--          itself (release.lua publishes only when it finds the marker)
-- ARGV[1]  owner token (22 bytes)
-- ARGV[2]  TTL in milliseconds
-- ARGV[3]  the rest of the lock value: "<lock time ms>:<owner length>:<owner><payload>"
-- ARGV[4]  an epoch id to use if this node has no epoch yet
-- ARGV[5]  the client's quarantine in microseconds (a fresh counter starts above
--          epoch creation + quarantine: see "fencing" in the package's fence.go)
-- ARGV[6]  TTL of the fence counter hash in milliseconds (refreshed when a counter is
--          seeded or reaches a multiple of 64)
-- ARGV[7]  the resource's field in the fence counter hash
-- ARGV[8]  the epoch ids the client already trusts (past its quarantine), each with a
--          space on both sides: an epoch only gets older, so its age need not be read
--
-- Returns {1, fence, epoch id, epoch age ms} when granted (also when this token already
-- holds the lock: a retried request), or {0, holder's PTTL ms, epoch id, epoch age ms,
-- holder}, where holder is a SHA-1 of the holder's token: it tells whether the nodes that
-- refused are held by one holder or split between contenders, without revealing the token.
-- The epoch age is -1 when the epoch id is one of ARGV[8].
-- The lock value is "<token><fence>:" .. ARGV[3].
-- transfer.lua repeats this script for a hand-over: change the two together.
local now -- the node's time in microseconds, read only when needed (TIME costs)
local function clock()
  if not now then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return now
end
local got = redis.call('MGET', KEYS[3], KEYS[1])
local epoch, cur = got[1], got[2]
if not epoch then
  epoch = ARGV[4] .. ':' .. string.format('%.0f', clock())
  redis.call('SET', KEYS[3], epoch)
end
local sep = string.find(epoch, ':', 1, true)
local id = string.sub(epoch, 1, sep - 1)
local age = -1
if not string.find(ARGV[8], ' ' .. id .. ' ', 1, true) then
  age = math.floor((clock() - tonumber(string.sub(epoch, sep + 1))) / 1000)
end

if cur then
  if string.sub(cur, 1, 22) == ARGV[1] then
    return {1, tonumber(string.match(cur, '^(%d+):', 23)), id, age}
  end
  local pttl = redis.call('PTTL', KEYS[1])
  -- The marker outlives the holder's keys by more than the refused caller's wait for
  -- them (their PTTL plus a jitter of PTTL/50 + 1 ms), so a release within that wait
  -- finds it.
  redis.call('SET', KEYS[4], '1', 'PX', pttl + math.floor(pttl / 16) + 100)
  return {0, pttl, id, age, redis.sha1hex(string.sub(cur, 1, 22))}
end

-- A missing field counts from 0, so HINCRBY returns 1 exactly when there was no counter
-- (counters are seeded from the clock, far above 1).
local fence = redis.call('HINCRBY', KEYS[2], ARGV[7], 1)
local seeded = fence == 1
if seeded then
  fence = math.max(clock(), tonumber(string.sub(epoch, sep + 1)) + tonumber(ARGV[5]))
  redis.call('HSET', KEYS[2], ARGV[7], string.format('%.0f', fence))
end
-- The hash's expiry is refreshed when a counter is seeded and on every 64th value of a
-- counter, not on every acquire (a command each): see fence.go for why that is enough.
if seeded or fence % 64 == 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
-- %d, not %.0f: an integer below 2^53 formats exactly, and far cheaper than a float.
local f = string.format('%d', fence)
redis.call('SET', KEYS[1], ARGV[1] .. f .. ':' .. ARGV[3], 'PX', ARGV[2])
return {1, fence, id, age}
