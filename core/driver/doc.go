// Package driver is what a lock service implementation (a "driver") provides to package
// core, as database/sql/driver is to database/sql: a user of distlock reads package core;
// the author of a backend reads this package.
//
// A backend implements [Lessor] (acquire, extend, release, info, read of leases) and
// makes it reachable by URL with [Register], usually from init:
//
//	func init() {
//		driver.Register("memory", func(address string) (driver.Lessor, error) { … })
//	}
//
// Package core builds renewal, the lost signal, the user's options and scheme dispatch
// on top of a Lessor; a backend does none of that. A backend that can push the changes of its
// locks also implements the optional [Watcher], feeding each watcher's bounded [Feed]
// with [Observation]s; the service's Watch stream needs it. core.OpenClient wires a Lessor value
// without the registry, as sql.OpenDB does with a driver.Connector.
//
// This package also holds what backends and core must agree on: the error contract
// ([ErrAcquireTimeout], [ErrNotHeld], [ErrUnavailable], [ErrInvalidArgument], [ErrClosed],
// [*UnavailableError]), which core re-exports under the same names and values, and the
// input limits with their checks ([ValidateResource], [ValidateLease], …), which every
// Lessor applies before it touches its service. Package core/locktest is the behaviour
// suite every Lessor must pass.
//
// It imports only the standard library and the generated client policy
// (gen/go/distlock/v1/distlockv1policy), so that package core can import it.
package driver
