package harness

import (
	"github.com/distlock/distlock/bench/internal/contenders"
)

// An Impl is one implementation in the comparison and how to connect it to the nodes.
type Impl struct {
	// Name identifies it in the tables and key names.
	Name string
	// New connects it to the run's node addresses (it may use only some of them).
	New func(addrs []string) (contenders.Locker, error)
}

// Baseline names, used by the ratio and target tables.
const (
	NameDistlock = "distlock"
	// NameDistlockProcs is distlock with its contenders spread over 4 clients, as if
	// they were 4 processes.
	NameDistlockProcs = "distlock-4proc"
	NameRedsync       = "redsync"
	NameRaw3          = "raw-3"
	NameRaw1          = "raw-1"
	NameRaw1Pipe      = "raw-1-autopipe"
)

// Baselines returns the implementations distlock is compared with: redsync over every
// node, the raw SET NX PX lock over every node, and over the first node alone, with and
// without go-redis auto-pipelining.
func Baselines() []Impl {
	return []Impl{
		{NameRedsync, func(a []string) (contenders.Locker, error) { return contenders.NewRedsync(a), nil }},
		{NameRaw3, func(a []string) (contenders.Locker, error) { return contenders.NewRaw(NameRaw3, a) }},
		{NameRaw1, func(a []string) (contenders.Locker, error) { return contenders.NewRaw(NameRaw1, a[:1]) }},
		{NameRaw1Pipe, func(a []string) (contenders.Locker, error) {
			return contenders.NewRaw(NameRaw1Pipe, a[:1], contenders.Pipelined())
		}},
	}
}
