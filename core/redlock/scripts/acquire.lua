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
--          epoch creation + quarantine: see "fencing" in the package's attempt_fence.go)
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
-- transfer.lua takes a lock for a hand-over; the parts the two share are in take.lua.
--{{template "epoch"}}

if cur then
  if string.sub(cur, 1, 22) == ARGV[1] then
    return {1, tonumber(string.match(cur, '^(%d+):', 23)), id, age}
  end
  --{{template "refuse"}}
end

--{{template "grant"}}
return {1, fence, id, age}
