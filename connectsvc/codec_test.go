package connectsvc

import (
	"bytes"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// connect marshals responses through MarshalAppend when a codec has it: it must append
// exactly what Marshal returns, after what dst holds.
func TestStrictJSONMarshalAppend(t *testing.T) {
	var codec connect.Codec = strictJSONCodecs[0]
	appender, ok := codec.(interface {
		MarshalAppend([]byte, any) ([]byte, error)
	})
	if !ok {
		t.Fatal("strictJSON has no MarshalAppend: connect would allocate a buffer per message")
	}
	msg := &distlockv1.AcquireResponse{Resource: "r", LeaseToken: "t", FencingToken: 7, Ttl: durationpb.New(5e9)}
	want, err := codec.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appender.MarshalAppend([]byte("prefix"), msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("MarshalAppend = %q, want prefix + %q", got, want)
	}
	if _, err := appender.MarshalAppend(nil, "not a message"); err == nil {
		t.Fatal("MarshalAppend of a non-message succeeded")
	}
}
