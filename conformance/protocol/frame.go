package protocol

import (
	"bufio"
	"fmt"
	"io"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Lines are protojson rather than length-prefixed binary: a line is readable in the logs
// as it is, any language with a JSON parser can write an adapter (a minimal one needs no
// protobuf library at all), and protojson never writes a raw newline, so a line is a
// frame. The cost, parsing JSON, is nothing next to a lock call.

// maxLine bounds one line: a 64 KiB payload is about 88 KiB in base64.
const maxLine = 16 << 20

// Reader reads one message per line.
type Reader struct{ sc *bufio.Scanner }

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	return &Reader{sc: sc}
}

// Read decodes the next non-empty line into m. It returns io.EOF at the end of input.
func (r *Reader) Read(m proto.Message) error {
	for r.sc.Scan() {
		if len(r.sc.Bytes()) == 0 {
			continue
		}
		if err := protojson.Unmarshal(r.sc.Bytes(), m); err != nil {
			return fmt.Errorf("line %q is not a %s: %w", r.sc.Text(), m.ProtoReflect().Descriptor().FullName(), err)
		}
		return nil
	}
	if err := r.sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// Writer writes one message per line; it is safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes m as one line.
func (w *Writer) Write(m proto.Message) error {
	b, err := protojson.Marshal(m)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.w.Write(append(b, '\n'))
	return err
}
