package memory

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/distlock/distlock/core/driver"
)

var (
	_ driver.Lister        = (*Store)(nil)
	_ driver.ForceReleaser = (*Store)(nil)
)

// unwait ends one Acquire's wait for resource.
func (s *state) unwait(resource string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting[resource]--; s.waiting[resource] <= 0 {
		delete(s.waiting, resource)
	}
}

// List returns the held locks under prefix in name order; see [driver.Lister]. The page
// token is the last name of the previous page, so a page is a snapshot taken under the
// store's lock and no lock held throughout is missed or repeated. A page sorts the
// matching names: the in-process store is meant for tests and small tables.
func (st *Store) List(ctx context.Context, prefix string, pageSize int, token string) (driver.ListPage, error) {
	if err := (driver.Selector{Name: prefix, Prefix: true}).Validate(); err != nil {
		return driver.ListPage{}, err
	}
	after, err := decodeListToken(prefix, token)
	if err != nil {
		return driver.ListPage{}, err
	}
	if err := st.usable(ctx); err != nil {
		return driver.ListPage{}, err
	}
	pageSize = driver.ListPageSize(pageSize)
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name := range s.held {
		if strings.HasPrefix(name, prefix) && (token == "" || name > after) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var page driver.ListPage
	for i, name := range names {
		if len(page.Locks) == pageSize {
			page.Next = encodeListToken(names[i-1])
			break
		}
		if e := s.live(name); e != nil {
			page.Locks = append(page.Locks, driver.Listed{Resource: name, Info: e.info(), Waiters: s.waiting[name]})
		}
	}
	return page, nil
}

// A list token is the base64url of "m:" and the last name listed.
func encodeListToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("m:" + last))
}

func decodeListToken(prefix, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	last, ok := strings.CutPrefix(string(raw), "m:")
	if err != nil || !ok || !strings.HasPrefix(last, prefix) {
		return "", driver.Invalid("page token %q is not one this store gave for prefix %q", token, prefix)
	}
	return last, nil
}

// ForceRelease breaks the lock on resource; see [driver.ForceReleaser]. The store's one
// fencing counter is advanced past the broken token, so the next grant skips a value.
func (st *Store) ForceRelease(ctx context.Context, resource string) (driver.Broken, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Broken{}, err
	}
	if err := st.usable(ctx); err != nil {
		return driver.Broken{}, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(resource)
	if e == nil {
		return driver.Broken{}, driver.ErrNotHeld
	}
	info := e.info()
	s.drop(resource, driver.WatchReleased)
	s.fence++
	return driver.Broken{Info: info, Advanced: s.fence}, nil
}
