package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// request is the request buf sends for proto/distlock/v1, rebuilt from the committed
// descriptor; edit lets a test change the policy file before it is sent.
func request(t *testing.T, lang string, edit func(*descriptorpb.FileDescriptorProto)) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	policy := protodesc.ToFileDescriptorProto(distlockv1.File_distlock_v1_policy_proto)
	if edit != nil {
		edit(policy)
	}
	return &pluginpb.CodeGeneratorRequest{
		Parameter:      proto.String("lang=" + lang),
		FileToGenerate: []string{policy.GetName()},
		ProtoFile: []*descriptorpb.FileDescriptorProto{
			protodesc.ToFileDescriptorProto(descriptorpb.File_google_protobuf_descriptor_proto),
			policy,
		},
	}
}

// TestGeneratesEachLanguage: one file per language, at the path buf writes it to
// (check-generate compares the content with the committed files).
func TestGeneratesEachLanguage(t *testing.T) {
	for lang, want := range map[string]string{
		"go":     "distlock/v1/distlockv1policy/policy.go",
		"python": "distlock/v1/policy.py",
		"ts":     "distlock/v1/policy.ts",
	} {
		resp := generate(request(t, lang, nil))
		if resp.Error != nil {
			t.Fatalf("%s: %s", lang, resp.GetError())
		}
		if len(resp.File) != 1 || resp.File[0].GetName() != want {
			t.Fatalf("%s: got %v, want one file %s", lang, resp.File, want)
		}
	}
}

// TestRefusesIncompletePolicies: a policy with a rule left out or a misspelt code is an
// error of make generate, not a zero in every SDK.
func TestRefusesIncompletePolicies(t *testing.T) {
	for name, edit := range map[string]func(*distlockv1.ClientPolicy){
		"a zero number":      func(p *distlockv1.ClientPolicy) { p.RenewDivisor = 0 },
		"an unknown code":    func(p *distlockv1.ClientPolicy) { p.TransientCodes = []string{"unavailible"} },
		"an empty code list": func(p *distlockv1.ClientPolicy) { p.RenewalTerminalCodes = nil },
	} {
		t.Run(name, func(t *testing.T) {
			resp := generate(request(t, "go", func(fd *descriptorpb.FileDescriptorProto) {
				p := proto.GetExtension(fd.Options, distlockv1.E_ClientPolicy).(*distlockv1.ClientPolicy)
				edit(p)
				proto.SetExtension(fd.Options, distlockv1.E_ClientPolicy, p)
			}))
			if resp.Error == nil {
				t.Fatal("generated a policy with " + name)
			}
		})
	}
	if resp := generate(request(t, "rust", nil)); resp.Error == nil {
		t.Error("accepted lang=rust")
	}
}

// TestPythonAgreesWithGo runs the generated Python functions on the inputs the Go ones get
// and compares: the formulas are written once per language in the generator, so this is
// what keeps them the same.
func TestPythonAgreesWithGo(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	script := `
import importlib.util, json, sys
us = lambda s: round(s, 6)
spec = importlib.util.spec_from_file_location("policy", sys.argv[1])
p = importlib.util.module_from_spec(spec); spec.loader.exec_module(p)
ttls = [5.0, 30.0, 600.0]
print(json.dumps({
  "validity": [us(p.validity_s(t)) for t in ttls],
  "renew": [us(p.renew_every_s(t)) for t in ttls],
  "late": [us(p.late_grant_s(t)) for t in ttls],
  "call": [p.backoff_step_s(n, p.CALL_BACKOFF_MIN_S, p.CALL_BACKOFF_MAX_S) for n in range(8)],
  "renewal": [p.backoff_step_s(n, p.RENEW_BACKOFF_MIN_S, p.RENEW_BACKOFF_MAX_S) for n in range(8)],
  "transient": [p.is_transient(c) for c in ["unavailable", "deadline_exceeded", "not_found", "permission_denied"]],
  "ends": [p.ends_renewal(c) for c in ["not_found", "invalid_argument", "unavailable", "permission_denied"]],
  "batch": [p.batch_call_bytes(*a) for a in [(1, 0, 0, 0), (1024, 22, 256, 65536)]],
}))`
	out, err := exec.Command(py, "-c", script, filepath.Join("..", "..", "sdks", "python", "src", "distlock", "_gen", "distlock", "v1", "policy.py")).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got map[string][]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	// Go divides nanoseconds, Python floats: compare to the microsecond.
	secs := func(d time.Duration) any { return d.Round(time.Microsecond).Seconds() }
	ttls := []time.Duration{5 * time.Second, 30 * time.Second, 10 * time.Minute}
	want := map[string][]any{}
	for _, ttl := range ttls {
		want["validity"] = append(want["validity"], secs(distlockv1policy.Validity(ttl)))
		want["renew"] = append(want["renew"], secs(distlockv1policy.RenewEvery(ttl)))
		want["late"] = append(want["late"], secs(distlockv1policy.LateGrant(ttl)))
	}
	for n := range 8 {
		want["call"] = append(want["call"], secs(distlockv1policy.BackoffStep(n, distlockv1policy.CallBackoffMin, distlockv1policy.CallBackoffMax)))
		want["renewal"] = append(want["renewal"], secs(distlockv1policy.BackoffStep(n, distlockv1policy.RenewBackoffMin, distlockv1policy.RenewBackoffMax)))
	}
	for _, c := range []string{"unavailable", "deadline_exceeded", "not_found", "permission_denied"} {
		want["transient"] = append(want["transient"], distlockv1policy.IsTransient(c))
	}
	for _, c := range []string{"not_found", "invalid_argument", "unavailable", "permission_denied"} {
		want["ends"] = append(want["ends"], distlockv1policy.EndsRenewal(c))
	}
	for _, a := range [][4]int{{1, 0, 0, 0}, {1024, 22, 256, 65536}} {
		want["batch"] = append(want["batch"], distlockv1policy.BatchCallBytes(a[0], a[1], a[2], a[3]))
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("Python and Go disagree:\n python %s\n go     %s", gotJSON, wantJSON)
	}
	if !strings.Contains(string(gotJSON), "29.698") {
		t.Errorf("validity of a 30 s lease is not 29.698 s: %s", gotJSON)
	}
}
