-- release: delete a lock the caller holds and, if asked and somebody waits for it,
-- announce that it is free.
--
-- KEYS[1]  lock key          KEYS[2]  waiter marker (set by a refused acquire.lua)
-- ARGV[1]  owner token (16 bytes)
-- ARGV[2]  the release channel, or "" to stay silent (cleanup of a failed attempt,
--          which would only wake contenders into another split vote)
-- ARGV[3]  the message: "<resource tag> <release id>"
--
-- Returns 1 when deleted, 0 when the caller did not hold the lock here. Without a
-- marker nobody was refused by this lock here, so nobody waits for the announcement.
local cur = redis.call('GET', KEYS[1])
if not cur or string.sub(cur, 1, 16) ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
elseif redis.call('DEL', KEYS[1], KEYS[2]) == 2 then -- one command: the lock and a marker
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
