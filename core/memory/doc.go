// Package memory is an in-process [driver.Lessor] with the same contract as Redlock: for
// tests, and for programs that want the distlock API without a lock service.
//
// [Open] returns a handle on the store called name, shared by every Open of that name in
// the process, so that separate clients contend for the same locks. Importing the package
// also registers the scheme "memory": the URL "memory://name" reaches the same store. Named stores live as long as the process;
// use a unique name per test. [New] makes a private store instead.
//
// The store follows the rules of [driver.Lessor]:
//   - fencing tokens strictly increase across holders of a resource (they come from one
//     counter per store, so they also increase across resources);
//   - a waiter is woken by the release of the lock it waits for and by its expiry, never
//     by polling;
//   - a lease expires by the store's clock (see [WithClock]), exactly as a Redis key
//     expires by the Redis server's clock; waits and contexts run on real time, as a
//     Redlock client's do;
//   - input is validated with [driver.ValidateResource] and [driver.ValidateLease] before
//     anything else, and bad input is [driver.ErrInvalidArgument];
//   - Release and Extend of an expired or stolen lease return [driver.ErrNotHeld];
//   - Close of a handle wakes its waiters, which return [driver.ErrClosed]; other handles on
//     the same named store are unaffected, and Close releases no lease.
package memory
