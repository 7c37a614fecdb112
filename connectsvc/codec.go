package connectsvc

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// strictJSON is connect's protojson codec, except that an unknown field is an error
// (invalid_argument) rather than silently dropped: JSON is typed by hand, and a misspelt
// "wiat" must not quietly turn a wait into a single attempt. Binary requests keep
// protobuf's forward compatibility.
type strictJSON struct{ name string }

// The names under which connect registers its JSON codec; both must be replaced.
var strictJSONCodecs = []connect.Codec{strictJSON{"json"}, strictJSON{"json; charset=utf-8"}}

func (c strictJSON) Name() string { return c.name }

func (c strictJSON) Marshal(msg any) ([]byte, error) { return c.MarshalAppend(nil, msg) }

// MarshalAppend lets connect marshal into a pooled buffer instead of a new one per
// message, as its own JSON codec does.
func (c strictJSON) MarshalAppend(dst []byte, msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", msg)
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, m)
}

func (c strictJSON) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a proto.Message", msg)
	}
	if len(data) == 0 {
		return errors.New("an empty body is not a JSON object; send {} for a message with no fields")
	}
	return protojson.Unmarshal(data, m)
}
