-- transfer: hand a lock from its releasing holder to the next contender of the same
-- client in one round trip. It is acquire.lua for the new token in which a key held by
-- the old token counts as free (see "Hand-over" in the package's attempt_transfer.go for
-- why that is as safe as release then acquire). The node's clock, the epoch, the fence
-- counter and its hash's expiry and the lock value are acquire.lua's: the two scripts
-- share them from take.lua.
--
-- KEYS[1]  lock key          KEYS[2]  fence counter hash    KEYS[3]  epoch key
-- KEYS[4]  waiter marker (set by a refused acquire.lua or transfer.lua)
-- ARGV[1..7]  as acquire.lua: new owner token, TTL ms, value tail, quarantine µs,
--          fence hash TTL ms, fence field, trusted epoch ids
-- ARGV[8]  the releasing (old) owner token
--
-- Returns, with the node's epoch id and age ms (-1 for a trusted epoch, as acquire.lua)
-- as elements 3 and 4:
--   {1, fence, id, age, had, marked}  granted to the new token (also when it already
--                              holds the lock: a retried request); had is 1 when the old
--                              token held the lock here and was replaced, marked 1 when
--                              the waiter marker is present: another client was refused
--                              here and waits (the client then ends its chain of
--                              hand-overs with a release: "Fairness" in attempt_transfer.go)
--   {0, PTTL ms, id, age, holder, first}  refused: a third token holds the lock
--                              (exactly as acquire.lua: the waiter marker is set; the
--                              contender counts as having just begun to wait)
--{{template "fence"}}
--{{template "epoch"}}
local waited = 0

local had = 0
if cur then
  local owner = string.sub(cur, 1, 16)
  if owner == ARGV[1] then
    return {1, fenceOf(cur), id, age, 0, redis.call('EXISTS', KEYS[4])}
  end
  if owner ~= ARGV[8] then
    --{{template "refuse"}}
  end
  had = 1
end

--{{template "grant"}}
return {1, fence, id, age, had, redis.call('EXISTS', KEYS[4])}
