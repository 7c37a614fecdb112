-- acquire: take the lock if it is free and issue the node's next fencing token.
--
-- KEYS[1]  lock key          KEYS[2]  fence counter hash    KEYS[3]  epoch key
-- KEYS[4]  waiter marker: set when refused, so that the holder's release announces
--          itself (release.lua publishes only when it finds the marker)
-- ARGV[1]  owner token (16 bytes)
-- ARGV[2]  TTL in milliseconds
-- ARGV[3]  the rest of the lock value: lock time, owner label and payload (value.go)
-- ARGV[4]  the client's quarantine in microseconds (a fresh counter starts above
--          epoch creation + quarantine: see "fencing" in the package's attempt_fence.go)
-- ARGV[5]  TTL of the fence counter hash in milliseconds (refreshed when a counter is
--          seeded or reaches a multiple of 64)
-- ARGV[6]  the resource's field in the fence counter hash
-- ARGV[7]  the epoch ids the client already trusts (past its quarantine), each with a
--          space on both sides: an epoch only gets older, so its age need not be read
-- ARGV[8]  how long the caller has waited for the lock, µs (take.lua's "refuse")
--
-- Returns {1, fence, epoch id, epoch age ms} when granted (also when this token already
-- holds the lock: a retried request), or {0, holder's PTTL ms, epoch id, epoch age ms,
-- holder, first}, where holder is a SHA-1 of the holder's token: it tells whether the
-- nodes that refused are held by one holder or split between contenders, without
-- revealing the token; first is 1 when the caller has waited longest of the contenders
-- refused here (take.lua's "refuse").
-- The epoch age is -1 when the epoch id is one of ARGV[7]. A node without an epoch
-- creates it, its id derived from ARGV[1].
-- The lock value is ARGV[1] .. the fence (7 bytes) .. ARGV[3].
-- transfer.lua takes a lock for a hand-over; the parts the two share are in take.lua.
--{{template "fence"}}
--{{template "epoch"}}
local waited = ARGV[8]

if cur then
  if string.sub(cur, 1, 16) == ARGV[1] then
    return {1, fenceOf(cur), id, age}
  end
  --{{template "refuse"}}
end

--{{template "grant"}}
return {1, fence, id, age}
