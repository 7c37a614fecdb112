// Package testproc starts and stops the server processes that the tests, the benchmark
// and the conformance suite run against: redis-server nodes (plain or TLS, each on a
// fixed loopback port it keeps across kills and restarts) and `distlock serve` built
// from this checkout.
//
// A [Process] is any server program that says in its output when it is ready: [Start]
// waits for that line instead of polling a port or a file, and every process is reaped
// by a goroutine of its own, so none is left as a zombie. [RedisNode] and [Serve] are
// built on it; a new kind of server (an etcd member, say) is a [Spec] with its command
// line and its ready line, plus what its users need to do to it.
//
// Nothing here needs a testing.TB: the benchmark and the conformance runner are
// programs. Tests wrap it (core/redlock/redistest does, with t.Cleanup). On Linux every
// process gets SIGKILL when the program that started it dies, so a crashed run leaves
// no server behind.
package testproc
