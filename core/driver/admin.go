package driver

import "context"

// A Lister is a [Lessor] that can list the locks it holds. It is optional: the service
// answers List with "unimplemented" for a Lessor that is not one.
type Lister interface {
	// List returns one page of the locks held on resources whose name starts with
	// prefix (every resource for ""), at most pageSize of them (callers pass 1 to
	// [MaxListPage]), starting at token ("" for the first page). A page is a snapshot:
	// its locks were held when it was read. Its cost is bounded, so it may hold fewer
	// locks, even none, while [ListPage.Next] is set. A token from another prefix, or
	// not from this backend, is an error matching [ErrInvalidArgument].
	List(ctx context.Context, prefix string, pageSize int, token string) (ListPage, error)
}

// The page sizes of [Lister.List].
const (
	// DefaultListPage is the page size when the caller gives none.
	DefaultListPage = 100
	// MaxListPage is the largest page size; larger requests are capped to it.
	MaxListPage = 1000
)

// ListPage is one page of [Lister.List].
type ListPage struct {
	Locks []Listed
	// Next is the token of the next page; "" after the last page.
	Next string
}

// Listed is one held lock of a [ListPage].
type Listed struct {
	Resource string
	Info
	// Waiters is how many Acquire calls of this process wait for the lock.
	Waiters int
}

// A ForceReleaser is a [Lessor] that can break a lock without its lease token. It is
// optional: the service answers ForceRelease with "unimplemented" for a Lessor that is
// not one.
type ForceReleaser interface {
	// ForceRelease deletes the lock on resource whatever its token, wakes its waiters and
	// advances the resource's fencing counter, so that every later grant's token exceeds
	// [Broken.Advanced] (at least the broken holder's token + 1). The broken holder's
	// Extend and Release then return [ErrNotHeld]. It returns [ErrNotHeld] when the
	// resource is free.
	ForceRelease(ctx context.Context, resource string) (Broken, error)
}

// Broken describes the holder a [ForceReleaser] broke.
type Broken struct {
	Info
	// Advanced is a fencing token below every later grant's.
	Advanced uint64
}

// ListPageSize returns the page size to use for a requested one: [DefaultListPage] for 0
// (or less), at most [MaxListPage].
func ListPageSize(requested int) int {
	switch {
	case requested <= 0:
		return DefaultListPage
	case requested > MaxListPage:
		return MaxListPage
	}
	return requested
}
