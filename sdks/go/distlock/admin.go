package distlock

import (
	"context"
	"iter"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

var _ driver.Lister = (*Lessor)(nil)

// List returns one page of the locks held on resources whose name starts with prefix
// ("" for all), at most pageSize of them (0: the service's default, 100; at most 1000),
// starting at token ("" for the first page); see [driver.Lister]. Each page is a
// snapshot, and a page may hold fewer locks than asked, even none, while
// [driver.ListPage.Next] is set. [driver.Listed.Waiters] counts the waiters the replica
// that answered knows. The caller needs the service's `read` verb on the prefix.
func (l *Lessor) List(ctx context.Context, prefix string, pageSize int, token string) (driver.ListPage, error) {
	if err := (driver.Selector{Name: prefix, Prefix: true}).Validate(); err != nil {
		return driver.ListPage{}, err
	}
	res, err := call(l, ctx, l.opts.callTimeout, l.rpc.List, &distlockv1.ListRequest{
		Prefix:    prefix,
		PageSize:  uint32(min(max(pageSize, 0), driver.MaxListPage)),
		PageToken: token,
	})
	if err != nil {
		return driver.ListPage{}, err
	}
	page := driver.ListPage{Next: res.GetNextPageToken(), Locks: make([]driver.Listed, 0, len(res.GetLocks()))}
	for _, lk := range res.GetLocks() {
		page.Locks = append(page.Locks, driver.Listed{
			Resource: lk.GetResource(),
			Info: driver.Info{Owner: lk.GetOwner(), FencingToken: lk.GetFencingToken(),
				LockTime: lk.GetLockTime().AsTime(), ExpireTime: lk.GetExpireTime().AsTime()},
			Waiters: int(lk.GetWaiters()),
		})
	}
	return page, nil
}

// Locks yields every lock held under prefix, page after page (see [Lessor.List] for the
// consistency of each page). The sequence ends with one non-nil error if a page fails.
//
//	for lk, err := range l.Locks(ctx, "jobs/") {
//		if err != nil {
//			return err
//		}
//		fmt.Println(lk.Resource, lk.Owner, lk.FencingToken)
//	}
func (l *Lessor) Locks(ctx context.Context, prefix string) iter.Seq2[driver.Listed, error] {
	return func(yield func(driver.Listed, error) bool) {
		token := ""
		for {
			page, err := l.List(ctx, prefix, driver.MaxListPage, token)
			if err != nil {
				yield(driver.Listed{}, err)
				return
			}
			for _, lk := range page.Locks {
				if !yield(lk, nil) {
					return
				}
			}
			if token = page.Next; token == "" {
				return
			}
		}
	}
}

// ForceRelease breaks the lock on resource whatever its lease token, for an operator
// with the service's `admin` verb; the service audits the call with reason (1 to 1024
// bytes). The old holder's next Extend fails with [driver.ErrNotHeld] (core.Client's
// renewal reports the lock lost), and every later grant's fencing token exceeds
// [driver.Broken.Advanced]: hand it to the store you protect to refuse the old
// holder's writes at once. A free resource is [driver.ErrNotHeld]. It makes one call.
func (l *Lessor) ForceRelease(ctx context.Context, resource, reason string) (driver.Broken, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Broken{}, err
	}
	if reason == "" {
		return driver.Broken{}, driver.Invalid("a force-release needs a reason, for the audit log")
	}
	res, err := call(l, ctx, l.opts.callTimeout, l.rpc.ForceRelease, &distlockv1.ForceReleaseRequest{
		Resource: resource,
		Reason:   reason,
	})
	if err != nil {
		return driver.Broken{}, err
	}
	return driver.Broken{
		Info:     driver.Info{Owner: res.GetOwner(), FencingToken: res.GetFencingToken()},
		Advanced: res.GetAdvancedFencingToken(),
	}, nil
}
