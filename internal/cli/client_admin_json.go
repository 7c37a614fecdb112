package cli

import (
	"context"
	"fmt"
	"io"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// printProto prints m as the service's JSON (protojson: its field names, RFC 3339 times,
// 64-bit integers as strings).
func printProto(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// answer keeps the service's last response of type M, so that a command prints what
// the service said (its clock's expireTime) rather than the SDK's view of it.
type answer[M proto.Message] struct {
	mu  sync.Mutex
	msg M
	got bool
}

func (a *answer[M]) interceptor() connect.Option {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			if m, ok := anyMsg(res, err).(M); ok {
				a.mu.Lock()
				a.msg, a.got = proto.CloneOf(m), true
				a.mu.Unlock()
			}
			return res, err
		}
	}))
}

func anyMsg(res connect.AnyResponse, err error) any {
	if err != nil || res == nil {
		return nil
	}
	return res.Any()
}

// last returns the last response kept, and whether there was one.
func (a *answer[M]) last() (M, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.msg, a.got
}
