package redlock

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// A lock value is one compact string, so a held lock costs one small key:
//
//	<token: 22 bytes><fence>:<lock time, Unix ms>:<owner length>:<owner><payload>
//
// The scripts write the token and fence; the client builds the rest (valueTail).
type value struct {
	token    string
	fence    uint64
	lockTime time.Time
	owner    string
	data     []byte
}

// valueTail is ARGV[3] of acquire.lua: everything after "<token><fence>:".
func valueTail(lockTime time.Time, owner string, data []byte) string {
	var b strings.Builder
	b.Grow(32 + len(owner) + len(data))
	b.WriteString(strconv.FormatInt(lockTime.UnixMilli(), 10))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(len(owner)))
	b.WriteByte(':')
	b.WriteString(owner)
	b.Write(data)
	return b.String()
}

var errBadValue = errors.New("redlock: malformed lock value")

func parseValue(s string) (value, error) {
	if len(s) < tokenLen {
		return value{}, errBadValue
	}
	v := value{token: s[:tokenLen]}
	rest := s[tokenLen:]
	fence, rest, ok1 := strings.Cut(rest, ":")
	ms, rest, ok2 := strings.Cut(rest, ":")
	olen, rest, ok3 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || !ok3 {
		return value{}, errBadValue
	}
	var err error
	if v.fence, err = strconv.ParseUint(fence, 10, 64); err != nil {
		return value{}, errBadValue
	}
	msv, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return value{}, errBadValue
	}
	v.lockTime = time.UnixMilli(msv)
	n, err := strconv.Atoi(olen)
	if err != nil || n < 0 || n > len(rest) {
		return value{}, errBadValue
	}
	v.owner = rest[:n]
	if len(rest) > n {
		v.data = []byte(rest[n:])
	}
	return v, nil
}
