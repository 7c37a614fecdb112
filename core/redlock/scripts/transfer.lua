-- transfer: hand a lock from its releasing holder to the next contender of the same
-- client in one round trip. It is acquire.lua for the new token in which a key held by
-- the old token counts as free, unless another client waits for the lock here (see
-- "Hand-over" in the package's attempt_transfer.go for why that is as safe as release
-- then acquire). The node's clock, the epoch, the fence counter and its hash's expiry
-- and the lock value are acquire.lua's: the two scripts share them from take.lua.
--
-- KEYS[1]  lock key          KEYS[2]  fence counter hash    KEYS[3]  epoch key
-- KEYS[4]  waiter marker (set by a refused acquire.lua or transfer.lua)
-- ARGV[1..7]  as acquire.lua: new owner token, TTL ms, value tail, quarantine µs,
--          fence hash TTL ms, fence field, trusted epoch ids
-- ARGV[8]  the releasing (old) owner token
-- ARGV[9]  the release channel     ARGV[10] the message "<resource tag> <release id>"
--
-- Returns, with the node's epoch id and age ms (-1 for a trusted epoch, as acquire.lua)
-- as elements 3 and 4:
--   {1, fence, id, age, had}   granted to the new token (also when it already holds the
--                              lock: a retried request); had is 1 when the old token
--                              held the lock here and was replaced, else 0
--   {0, PTTL ms, id, age, holder}  refused: a third token holds the lock (exactly as
--                              acquire.lua: the waiter marker is set)
--   {2, had, id, age}          yielded: a waiter marker is present, so another client
--                              was refused here and waits; the old token's key is
--                              released and announced as release.lua would (had = 1),
--                              and the new token does not take the lock here.
--{{template "fence"}}
--{{template "epoch"}}

local had = 0
if cur then
  local owner = string.sub(cur, 1, 16)
  if owner == ARGV[1] then
    return {1, fenceOf(cur), id, age, 0}
  end
  if owner ~= ARGV[8] then
    --{{template "refuse"}}
  end
  had = 1
end

if redis.call('EXISTS', KEYS[4]) == 1 then
  if had == 1 then
    redis.call('DEL', KEYS[1], KEYS[4])
    redis.call('PUBLISH', ARGV[9], ARGV[10])
  end
  return {2, had, id, age}
end

--{{template "grant"}}
return {1, fence, id, age, had}
