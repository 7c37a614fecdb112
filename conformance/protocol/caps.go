// Package protocol holds what the runner and the Go adapters share about the adapter
// protocol, whose messages are defined in proto/distlock/conformance/v1/adapter.proto and
// generated into gen/ for Go, Python and TypeScript: the capability names, the error
// codes and the framing (one protojson message per line).
package protocol

// Capabilities an adapter may declare in its hello reply. A case that needs a capability
// the target lacks is reported as not applicable, never as passed.
const (
	// CapRenewal: locks renew themselves and report loss (every SDK; not raw HTTP).
	CapRenewal = "renewal"
	// CapBinaryNames: resource names may be arbitrary bytes, so an invalid UTF-8 name
	// can be sent (Go only: Python and JavaScript strings cannot hold one).
	CapBinaryNames = "binary-names"
	// CapWire: the adapter sends requests exactly as given, with no client-side
	// defaults, so wire-level rules (such as a negative wait) can be tested.
	CapWire = "wire"
	// CapPolicy: the target is a client that applies the client policy of
	// sdks/POLICY.md (default wait, call deadlines, retries, URL checks at construction);
	// raw HTTP sends what it is given and has none.
	CapPolicy = "policy"
	// CapScope: the language has a scoped block for a lock (Python `with`, TS
	// `await using`) whose exit releases it.
	CapScope = "scope"
	// CapHold: the target can hold a lock over the service's Hold stream (every SDK, and
	// raw HTTP in Connect's streaming protocol; not the Go core, whose renewal runs
	// in-process).
	CapHold = "hold"
	// CapWatch: the target can follow locks with a watch (the SDKs' and raw HTTP's Watch
	// stream, the Go core's driver.Watcher).
	CapWatch = "watch"
	// CapSession: the SDK has sessions, which renew many locks together (the Go core's
	// core.Session, over the Go SDK or Redlock, and the Python and TS SDKs; raw HTTP has
	// no client-side renewal at all).
	CapSession = "session"
)

// Capabilities the runner grants, from how it runs a target rather than from the
// adapter. With --service URL the runner controls no node and no clock.
const (
	// CapService: the target reaches locks through the service.
	CapService = "service"
	// CapProxy: the runner's proxy stands between each client and the service, so it
	// can count, pause, fail, hold or rewrite a client's calls.
	CapProxy = "proxy"
	// CapNodes: the runner started the Redis nodes and the service, so it can kill and
	// restart them.
	CapNodes = "nodes"
	// CapTime: the nodes are miniredis, whose clock the runner moves.
	CapTime = "time"
	// CapAuth: the runner can run the case against a second service of its own, started
	// with --auth and a file it generated, and give clients named credentials (new-client
	// token): not with --service, whose credentials the runner does not hold.
	CapAuth = "auth"
	// CapNotify: the nodes publish the notifications a watch needs (redis-server; the
	// embedded miniredis has no keyspace notifications, so Watch answers unimplemented
	// there).
	CapNotify = "notify"
)

// Error codes: the service's Connect codes, which every target maps its own errors back
// to, plus CodeBody.
const (
	CodeAborted           = "aborted"
	CodeNotFound          = "not_found"
	CodeUnavailable       = "unavailable"
	CodeInvalidArgument   = "invalid_argument"
	CodeUnauthenticated   = "unauthenticated"
	CodePermissionDenied  = "permission_denied"
	CodeResourceExhausted = "resource_exhausted"
	CodeDeadlineExceeded  = "deadline_exceeded"
	CodeInternal          = "internal"
	CodeUnknown           = "unknown"
	// CodeBody: the error a scoped block's body raised is the one that left the block.
	CodeBody = "body"
)
