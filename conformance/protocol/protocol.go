// Package protocol is the line protocol between the conformance runner and an adapter.
//
// An adapter is a program that reads commands from stdin and writes replies and events to
// stdout, one JSON object per line (JSON Lines). Each command carries an id; the adapter
// answers it with exactly one reply carrying the same id, in any order, so an adapter must
// be able to work on several commands at once (contention cases send many acquires before
// any reply). Events carry no id: an adapter sends them when something happens on its own,
// such as a lock being lost. Anything an adapter writes to stderr is logged by the runner.
//
// The runner sends "hello" first; the reply names the target and its capabilities.
// Durations are integer milliseconds, fencing tokens decimal strings (as in the service's
// JSON, since they are 64-bit) and payloads base64.
package protocol

// Operations a [Command] may carry.
const (
	// OpHello asks for the adapter's name and capabilities; see [Reply.Target].
	OpHello = "hello"
	// OpAcquire takes a lock as Client on Resource and names it Lock. The adapter keeps
	// the lock renewed (when it has the "renewal" capability) until it is released.
	OpAcquire = "acquire"
	// OpExtend extends Lock once, explicitly, with TTLMS (or the lock's TTL when absent).
	OpExtend = "extend"
	// OpRelease releases Lock and stops its renewal.
	OpRelease = "release"
	// OpInfo describes Resource's holder as seen by Client.
	OpInfo = "info"
	// OpRead reads Resource's payload as seen by Client.
	OpRead = "read"
	// OpPauseRenewal makes Lock's background renewal fail until OpResumeRenewal. Only
	// adapters that talk to Redis directly receive it; for targets behind the service
	// the runner pauses renewal in its own proxy.
	OpPauseRenewal = "pause_renewal"
	// OpResumeRenewal undoes OpPauseRenewal.
	OpResumeRenewal = "resume_renewal"
	// OpReset releases every lock still held, forgets every lock and closes every
	// client, so that the next case starts clean.
	OpReset = "reset"
)

// Events an adapter may send.
const (
	// EventLost reports that Lock was lost (its SDK's lost signal fired) without the
	// runner having released it.
	EventLost = "lost"
	// EventRenewed reports one successful background renewal of Lock. Only adapters
	// that receive OpPauseRenewal send it.
	EventRenewed = "renewed"
)

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
)

// Error codes of [Reply.Code]: the service's Connect codes, which every target maps its
// own errors back to.
const (
	CodeAborted          = "aborted"
	CodeNotFound         = "not_found"
	CodeUnavailable      = "unavailable"
	CodeInvalidArgument  = "invalid_argument"
	CodeUnauthenticated  = "unauthenticated"
	CodePermissionDenied = "permission_denied"
	CodeDeadlineExceeded = "deadline_exceeded"
	CodeInternal         = "internal"
	CodeUnknown          = "unknown"
)

// Command is one line from the runner to an adapter.
type Command struct {
	// ID is echoed in the reply. Op is one of the Op* constants.
	ID uint64 `json:"id"`
	Op string `json:"op"`
	// Client names the client (one SDK client object, or one Lessor) that acts. An
	// adapter creates it on first use with URL and keeps it until OpReset.
	Client string `json:"client,omitempty"`
	// URL is where Client connects: the service's base URL (http://…) or, for targets
	// that talk to Redis directly, a core service URL (redis://…).
	URL string `json:"url,omitempty"`
	// Lock names a lock: the name OpAcquire gives it, and the one later ops refer to.
	Lock string `json:"lock,omitempty"`
	// Resource is the resource name, as UTF-8 text.
	Resource string `json:"resource,omitempty"`
	// ResourceB64, when set, is the resource name as base64 bytes and replaces Resource
	// (for names that are not valid UTF-8; sent only to CapBinaryNames adapters).
	ResourceB64 string `json:"resource_b64,omitempty"`
	// TTLMS is the TTL in milliseconds; absent means the SDK's default.
	TTLMS *int64 `json:"ttl_ms,omitempty"`
	// WaitMS is how long OpAcquire waits while the lock is held; absent means one attempt.
	WaitMS *int64 `json:"wait_ms,omitempty"`
	// LeaseToken, when set, is the lease token OpExtend and OpRelease send instead of the
	// lock's own (an empty string sends none). Only CapWire adapters receive it.
	LeaseToken *string `json:"lease_token,omitempty"`
	// Owner is the owner label; Data the payload, base64.
	Owner string `json:"owner,omitempty"`
	Data  string `json:"data,omitempty"`
}

// Reply is an adapter's answer to the command with the same ID.
type Reply struct {
	// ID is the command's.
	ID uint64 `json:"id"`
	// OK is true on success; otherwise Code and Message describe the error.
	OK      bool   `json:"ok"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`

	// Target and Caps answer OpHello.
	Target string   `json:"target,omitempty"`
	Caps   []string `json:"caps,omitempty"`

	// Fencing is the fencing token (OpAcquire, OpExtend, OpInfo), decimal.
	Fencing string `json:"fencing,omitempty"`
	// Owner is the holder's owner label (OpInfo).
	Owner string `json:"owner,omitempty"`
	// Data is the payload, base64 (OpRead).
	Data string `json:"data,omitempty"`
	// LockTimeMS and ExpireTimeMS are Unix milliseconds (OpInfo).
	LockTimeMS   int64 `json:"lock_time_ms,omitempty"`
	ExpireTimeMS int64 `json:"expire_time_ms,omitempty"`
}

// Event is a line an adapter sends on its own.
type Event struct {
	// Event is one of the Event* constants; Lock names the lock it is about.
	Event string `json:"event"`
	Lock  string `json:"lock"`
}

// Line is any line an adapter writes: a [Reply] when Event is empty, else an [Event].
type Line struct {
	Reply
	// Event and Lock are those of an [Event].
	Event string `json:"event,omitempty"`
	Lock  string `json:"lock,omitempty"`
}
