// Package embedredis runs in-process Redis servers (miniredis) that publish the keyspace
// notifications miniredis lacks, so that Redlock's Watch runs over them on the same code
// path as over redis-server. It backs the development default of `distlock serve` (no
// Redis given) and the tests that want that default with a controllable clock.
//
// Redis announces a change of key k on the channel "__keyspace@<db>__:k" when its
// notify-keyspace-events config holds K and the change's class. A [Server] does the
// same, with Redis's event names, for the commands that set a string key or change a
// key's lifetime (distlock's lock keys change only so):
//
//	class g: DEL, UNLINK -> "del"; EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT -> "expire"; PERSIST -> "persist"
//	class $: SET -> "set"
//	class x: a key whose TTL ran out during [Server.Advance] -> "expired"
//
// notify-keyspace-events starts empty, as in a default redis-server, and CONFIG GET and
// CONFIG SET read and change it (the only config parameter served), so a watcher turns
// notifications on exactly as on real Redis.
//
// What differs from Redis, and why it is enough for a watch:
//   - A notification is published for each such command whether or not it changed the
//     key (SET NX on a held key, DEL of a missing key). A notification only tells a
//     watcher to read the key again; an extra read finds nothing new.
//   - Notifications name database 0 whatever the client selected: distlock uses
//     database 0 on its embedded servers.
//   - Keys that expire by the wall clock are not announced: miniredis deletes them only
//     when a command touches the database, as a Redis whose expiry cycle lags behind.
//     Redlock's watch arms a timer at each watched lock's expire time for that reason,
//     so the expiry is still reported. Keys expired by [Server.Advance] are announced.
//   - Miniredis's SetError replaces the hook that publishes: while it is set, nothing is
//     published (every command fails anyway).
package embedredis
