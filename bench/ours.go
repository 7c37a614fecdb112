package main

import (
	"errors"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/harness"
)

// processes is how many separate distlock clients the cross-process variant spreads its
// contenders over.
const processes = 4

// oursImpls is distlock's core as one process uses it (one client shared by every
// goroutine) and as several processes would (separate clients, so the in-process queue
// cannot serialise them and they meet at Redis).
func oursImpls() []harness.Impl {
	return []harness.Impl{
		{Name: harness.NameDistlock, New: func(a []string) (contenders.Locker, error) {
			return contenders.NewDistlock(a)
		}},
		{Name: harness.NameDistlockProcs, New: func(a []string) (contenders.Locker, error) {
			var ls []contenders.Locker
			for range processes {
				l, err := contenders.NewDistlock(a)
				if err != nil {
					for _, l := range ls {
						err = errors.Join(err, l.Close())
					}
					return nil, err
				}
				ls = append(ls, l)
			}
			return contenders.NewSpread(harness.NameDistlockProcs, ls...), nil
		}},
	}
}
