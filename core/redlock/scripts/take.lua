-- take: the parts that acquire.lua and transfer.lua share, the two scripts that take
-- a lock for a new token; the client builds both from their files and this one (see
-- scripts.go), so the node's clock, the epoch, the fence counter and the lock value are
-- handled one way. Each part is a template that those scripts include with
-- "--{{template "NAME"}}"; the Lua locals it defines are theirs. The "fence" part is
-- also confirm.lua's and extend.lua's.

-- fence: the fencing token in a lock value, "<token: 16 bytes><fence: 7 bytes>…"
-- (value.go): fenceOf(value) reads it, fenceBytes(n) writes n. Fences are integers
-- below 2^53, exact in Lua's numbers.
--{{define "fence" -}}
local function fenceOf(v)
  local a, b, c, d, e, f, g = string.byte(v, 17, 23)
  return ((((((a * 256 + b) * 256 + c) * 256 + d) * 256 + e) * 256 + f) * 256) + g
end
local function fenceBytes(n) -- unrolled, without a table: this runs in every grant
  local g = n % 256
  n = (n - g) / 256
  local f = n % 256
  n = (n - f) / 256
  local e = n % 256
  n = (n - e) / 256
  local d = n % 256
  n = (n - d) / 256
  local c = n % 256
  n = (n - c) / 256
  local b = n % 256
  return string.char((n - b) / 256, b, c, d, e, f, g)
end
--{{- end}}

-- epoch: the node's clock (read only when needed) and its epoch, created when missing
-- with an id derived from the caller's token (96 bits of its SHA-1, which does not
-- reveal the token);
-- defines clock(), epoch, cur (the lock value or false), sep, id and age (-1 when the
-- epoch id is one of ARGV[7]).
--{{define "epoch" -}}
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
  epoch = string.sub(redis.sha1hex(ARGV[1]), 1, 24) .. ':' .. string.format('%.0f', clock())
  redis.call('SET', KEYS[3], epoch)
end
local sep = string.find(epoch, ':', 1, true)
local id = string.sub(epoch, 1, sep - 1)
local age = -1
if not string.find(ARGV[7], ' ' .. id .. ' ', 1, true) then
  age = math.floor((clock() - tonumber(string.sub(epoch, sep + 1))) / 1000)
end
--{{- end}}

-- refuse: another token holds the lock (cur): leave the waiter marker and return the
-- refusal {0, holder's PTTL ms, epoch id, epoch age ms, SHA-1 of the holder's token,
-- first}. The marker's value is when the longest-waiting contender refused here began
-- to wait, on this node's clock in µs (the caller's local variable waited: how long the
-- caller has waited, µs); first is 1 when the caller is that contender. After the next
-- release the others let it attempt first (acquire.go), so that contenders of different
-- clients are served about in the order they came.
--{{define "refuse" -}}
local pttl = redis.call('PTTL', KEYS[1])
local since = clock() - tonumber(waited)
local oldest = tonumber(redis.call('GET', KEYS[4]))
local first = 1
if oldest and oldest < since then
  first = 0
  since = oldest
end
-- The marker outlives the holder's keys by more than the refused caller's wait for
-- them (their PTTL plus a jitter of PTTL/50 + 1 ms), so a release within that wait
-- finds it.
redis.call('SET', KEYS[4], string.format('%.0f', since), 'PX', pttl + math.floor(pttl / 16) + 100)
return {0, pttl, id, age, redis.sha1hex(string.sub(cur, 1, 16)), first}
--{{- end}}

-- grant: issue the node's next fencing token for the resource and set the lock for
-- ARGV[1]; defines fence.
--{{define "grant" -}}
-- A missing field counts from 0, so HINCRBY returns 1 exactly when there was no counter
-- (counters are seeded from the clock, far above 1).
local fence = redis.call('HINCRBY', KEYS[2], ARGV[6], 1)
local seeded = fence == 1
if seeded then
  -- The seed is rounded up to a grain of the quarantine/64, at most a second, so that
  -- nodes whose clocks read within one grain seed alike and the acquire needs no
  -- fencing round (attempt_fence.go argues the bound); no grain without a quarantine.
  local q = tonumber(ARGV[4])
  local grain = math.min(math.floor(q / 64), 1000000)
  fence = math.max(clock(), tonumber(string.sub(epoch, sep + 1)) + q)
  if grain > 0 then
    fence = math.ceil(fence / grain) * grain
  end
  redis.call('HSET', KEYS[2], ARGV[6], string.format('%.0f', fence))
end
-- The hash's expiry is refreshed when a counter is seeded and on every 64th value of a
-- counter, not on every acquire (a command each): see attempt_fence.go for why that is
-- enough.
if seeded or fence % 64 == 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call('SET', KEYS[1], ARGV[1] .. fenceBytes(fence) .. ARGV[3], 'PX', ARGV[2])
--{{- end}}
