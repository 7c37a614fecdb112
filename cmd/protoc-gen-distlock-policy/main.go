// Command protoc-gen-distlock-policy turns the client policy of proto/distlock/v1/policy.proto
// (the `client_policy` option of that file) into constants and small functions for Go,
// Python and TypeScript, so that every SDK applies the same numbers from one source.
//
// It is a protoc plugin run by `make generate` (buf.gen.yaml), once per language:
//
//	opt: lang=go      gen/go/<proto dir>/distlockv1policy/policy.go
//	opt: lang=python  sdks/python/src/distlock/_gen/<proto dir>/policy.py (sdks/python/buf.gen.yaml)
//	opt: lang=ts      sdks/ts/src/gen/<proto dir>/policy.ts (sdks/ts/buf.gen.yaml)
//
// It reads the option without the generated Go type of ClientPolicy: `make generate`
// cleans gen/ before plugins run, so this program must not import gen/.
package main

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "protoc-gen-distlock-policy:", err)
		os.Exit(1)
	}
}

// emitters maps the lang option to the function that writes one language's file.
var emitters = map[string]func(*policy) (name, content string){
	"go":     emitGo,
	"python": emitPython,
	"ts":     emitTS,
}

func run(in io.Reader, out io.Writer) error {
	raw, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	var req pluginpb.CodeGeneratorRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	resp := generate(&req)
	b, err := proto.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// generate answers a request; errors travel in the response, as protoc expects.
func generate(req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	fail := func(err error) *pluginpb.CodeGeneratorResponse {
		return &pluginpb.CodeGeneratorResponse{Error: proto.String(err.Error())}
	}
	lang := strings.TrimPrefix(req.GetParameter(), "lang=")
	emit, ok := emitters[lang]
	if !ok {
		return fail(fmt.Errorf("parameter %q: want lang=go, lang=python or lang=ts", req.GetParameter()))
	}
	policies, err := readPolicies(req)
	if err != nil {
		return fail(err)
	}
	resp := &pluginpb.CodeGeneratorResponse{}
	for _, p := range policies {
		name, content := emit(p)
		resp.File = append(resp.File, &pluginpb.CodeGeneratorResponse_File{
			Name:    proto.String(path.Join(path.Dir(p.source), name)),
			Content: proto.String(content),
		})
	}
	return resp
}
