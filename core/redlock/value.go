package redlock

import (
	"encoding/binary"
	"errors"
	"time"
)

// A lock value is one compact binary string, so a held lock costs one small key:
//
//	<token: 16 bytes><fence: 7 bytes><lock time, Unix ms: 6 bytes>
//	<owner length: uvarint><owner><payload>
//
// (integers big-endian). The scripts write the token and fence; the client builds the
// rest (valueTail). Binary, because Redis keeps a string of up to 44 bytes in the
// object's own allocation (the "embstr" encoding): with the decimal form the value of
// a lock with an 8-byte owner label took 63 bytes and a second allocation, 32 bytes more
// Redis memory per lock; now it takes 30 bytes plus the owner label. Seven bytes hold
// any fence below 2^56, and fences stay below 2^53 (the scripts' numbers are doubles:
// attempt_fence.go seeds them from a clock in µs, about 2^51 today).
type value struct {
	token    string // as stored: keyTokenLen raw bytes
	fence    uint64
	lockTime time.Time
	owner    string
	data     []byte
}

const (
	fenceBytes   = 7
	lockTimeLen  = 6
	valueHeadLen = keyTokenLen + fenceBytes + lockTimeLen
)

// valueTail is ARGV[3] of acquire.lua: everything after the token and the fence.
func valueTail(lockTime time.Time, owner string, data []byte) string {
	b := make([]byte, 8, lockTimeLen+binary.MaxVarintLen64+len(owner)+len(data))
	binary.BigEndian.PutUint64(b, uint64(lockTime.UnixMilli()))
	b = binary.AppendUvarint(b[8-lockTimeLen:], uint64(len(owner)))
	b = append(b, owner...)
	b = append(b, data...)
	return string(b)
}

var errBadValue = errors.New("redlock: malformed lock value")

func parseValue(s string) (value, error) {
	if len(s) < valueHeadLen+1 {
		return value{}, errBadValue
	}
	v := value{token: s[:keyTokenLen]}
	v.fence = beUint(s[keyTokenLen : keyTokenLen+fenceBytes])
	v.lockTime = time.UnixMilli(int64(beUint(s[keyTokenLen+fenceBytes : valueHeadLen])))
	rest := s[valueHeadLen:]
	n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
	if w <= 0 || n > uint64(len(rest)-w) {
		return value{}, errBadValue
	}
	rest = rest[w:]
	v.owner = rest[:n]
	if len(rest) > int(n) {
		v.data = []byte(rest[n:])
	}
	return v, nil
}

// beUint decodes a big-endian unsigned integer of up to 8 bytes.
func beUint(s string) uint64 {
	var n uint64
	for i := range len(s) {
		n = n<<8 | uint64(s[i])
	}
	return n
}
