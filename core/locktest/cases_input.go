package locktest

import (
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// badName is an invalid resource name, with the valid names that a careless
// implementation might lock instead (a truncation, a repair).
type badName struct {
	label, name string
	lookalikes  []string
}

func (s *suite) badNames(t *testing.T) []badName {
	base := s.name(t, "")
	long := base + strings.Repeat("x", driver.MaxResourceLen+1-len(base))
	return []badName{
		{"empty", "", nil},
		{"over 1 KiB", long, []string{long[:driver.MaxResourceLen]}},
		{"invalid UTF-8", base + "\xffa", []string{base + "a", base + "\uFFFDa"}},
	}
}

func (s *suite) invalidAcquire(t *testing.T) {
	l := s.open(t)
	for _, bad := range s.badNames(t) {
		_, err := l.Acquire(boundCtx(t), bad.name, opts(ttl))
		wantErr(t, "acquire of a resource name that is "+bad.label, err, driver.ErrInvalidArgument)
		for _, r := range bad.lookalikes {
			wantFree(t, l, r)
		}
	}

	r := s.name(t, "r")
	bad := map[string]driver.LeaseOptions{
		"zero TTL":              {},
		"negative TTL":          {TTL: -time.Second},
		"TTL below MinTTL":      {TTL: driver.MinTTL - time.Nanosecond},
		"TTL above MaxTTL":      {TTL: driver.MaxTTL + time.Nanosecond},
		"owner too long":        {TTL: ttl, Owner: strings.Repeat("o", driver.MaxOwnerLen+1)},
		"owner not UTF-8":       {TTL: ttl, Owner: "\xff"},
		"payload over 64 KiB":   {TTL: ttl, Data: make([]byte, driver.MaxDataLen+1)},
		"bad TTL and long wait": {TTL: driver.MaxTTL + time.Nanosecond, Wait: -1},
	}
	for label, o := range bad {
		_, err := l.Acquire(boundCtx(t), r, o)
		wantErr(t, "acquire with "+label, err, driver.ErrInvalidArgument)
		wantFree(t, l, r)
	}
}

func (s *suite) invalidLeaseCalls(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	before, err := l.Info(boundCtx(t), r)
	if err != nil {
		t.Fatal(err)
	}
	for label, d := range map[string]time.Duration{
		"zero TTL":         0,
		"TTL below MinTTL": driver.MinTTL - time.Nanosecond,
		"TTL above MaxTTL": driver.MaxTTL + time.Nanosecond,
	} {
		_, err := l.Extend(boundCtx(t), holder, d)
		wantErr(t, "extend with "+label, err, driver.ErrInvalidArgument)
	}

	noToken := holder
	noToken.Token = ""
	_, err = l.Extend(boundCtx(t), noToken, ttl)
	wantErr(t, "extend with an empty lease token", err, driver.ErrInvalidArgument)
	err = l.Release(boundCtx(t), noToken)
	wantErr(t, "release with an empty lease token", err, driver.ErrInvalidArgument)

	for _, name := range s.badNames(t) {
		label := name.label
		bad := holder
		bad.Resource = name.name
		_, err := l.Extend(boundCtx(t), bad, ttl)
		wantErr(t, "extend of a resource name that is "+label, err, driver.ErrInvalidArgument)
		err = l.Release(boundCtx(t), bad)
		wantErr(t, "release of a resource name that is "+label, err, driver.ErrInvalidArgument)
		_, err = l.Info(boundCtx(t), bad.Resource)
		wantErr(t, "info of a resource name that is "+label, err, driver.ErrInvalidArgument)
		_, err = l.Read(boundCtx(t), bad.Resource)
		wantErr(t, "read of a resource name that is "+label, err, driver.ErrInvalidArgument)
	}

	after, err := l.Info(boundCtx(t), r)
	if err != nil {
		t.Fatalf("the holder lost its lock to rejected calls: %v", err)
	}
	if after.FencingToken != holder.Fence || !after.ExpireTime.Equal(before.ExpireTime) {
		t.Fatalf("rejected calls changed the lock: %+v became %+v", before, after)
	}
}
