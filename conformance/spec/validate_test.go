package spec_test

import (
	"strings"
	"testing"

	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/conformance/spec"
)

// TestParseRejects lists documents the loader must refuse, each with a part of the
// message that must explain why.
func TestParseRejects(t *testing.T) {
	const ok = "- {do: acquire, client: a, resource: r, lock: L1}\n"
	doc := func(header, steps string) string {
		return "cases:\n  - name: x\n    proves: something.\n" + header + "    steps:\n" + indent(steps)
	}
	tests := []struct{ name, doc, want string }{
		{"unknown case key", doc("    flaky: true\n", ok), "field flaky not found"},
		{"unknown step key", doc("", "- {do: acquire, client: a, resource: r, lock: L1, colour: red}\n"), "colour does not apply to acquire"},
		{"unknown expect key", doc("", "- {do: info, client: a, resource: r, expect: {cod: aborted}}\n"), "field cod not found"},
		{"unknown op", doc("", "- {do: frobnicate}\n"), `unknown op "frobnicate"`},
		{"missing field", doc("", "- {do: acquire, client: a, lock: L1}\n"), "missing resource"},
		{"field of another op", doc("", "- {do: info, client: a, resource: r, ttl: 5s}\n"), "ttl does not apply to info"},
		{"bad duration", doc("", "- {do: acquire, client: a, resource: r, lock: L1, ttl: soon}\n"), "invalid duration"},
		{"lock used before acquire", doc("", "- {do: release, lock: L1}\n"), "lock L1 is not acquired"},
		{"lock named twice", doc("", ok+ok), "lock L1 is already defined"},
		{"fencing of unknown lock", doc("", "- {do: acquire, client: a, resource: r, lock: L1, expect: {fencing_gt: L9}}\n"), "lock L9"},
		{"await of a lock not in background", doc("", ok+"- {do: await, lock: L1}\n"), "not a pending background acquire"},
		{"use of a lock whose acquire must fail", doc("", "- {do: acquire, client: a, resource: r, lock: L1, expect: {code: aborted}}\n- {do: release, lock: L1}\n"), "not acquired"},
		{"unknown code", doc("", "- {do: info, client: a, resource: r, expect: {code: nope}}\n"), `expect.code "nope"`},
		{"error with result fields", doc("", "- {do: info, client: a, resource: r, expect: {code: not_found, owner: x}}\n"), "carries no result fields"},
		{"owner on read", doc("", "- {do: read, client: a, resource: r, expect: {owner: x}}\n"), "apply to info"},
		{"two resource forms", doc("", "- {do: info, client: a, resource: r, resource_len: 3}\n"), "give one of resource"},
		{"bad hex", doc("", "- {do: info, client: a, resource_hex: zz}\n"), "resource_hex"},
		{"time travel on real redis", doc("    real_redis: true\n", "- {do: advance-redis-time, by: 1s}\n"), "cannot run on real redis-server"},
		{"unknown capability", doc("    requires: [teleport]\n", ok), `unknown capability "teleport"`},
		{"node out of range", doc("", "- {do: kill-node, node: 3}\n"), "nodes are 0, 1 and 2"},
		{"contend alone", doc("", "- {do: contend, resource: r, count: 1}\n"), "count >= 2"},
		{"unknown rpc", doc("", "- {do: fail-calls, client: a, method: lock, code: unavailable}\n"), `method "lock"`},
		{"client and lock", doc("", ok+"- {do: fail-calls, client: a, lock: L1, method: extend, code: unavailable}\n"), "give one of client and lock"},
		{"injected ok", doc("", "- {do: fail-calls, client: a, method: extend, code: ok}\n"), `code "ok"`},
		{"lost reason not a code", doc("", ok+"- {do: expect-lost, lock: L1, within: 9s, reason: gone}\n"), `reason "gone"`},
		{"within on a background acquire", doc("", "- {do: acquire, client: a, resource: r, lock: L1, background: true, within: 1s}\n"), "within bounds a foreground acquire"},
		{"message on success", doc("", "- {do: info, client: a, resource: r, expect: {message_contains: x}}\n"), "message_contains applies to an expected error"},
		{"watch used before opened", doc("", "- {do: expect-watch, watch: W, within: 1s, events: [{kind: synced}]}\n"), "watch W is not opened"},
		{"watch named twice", doc("", "- {do: watch, client: a, watch: W, resource: r}\n- {do: watch, client: a, watch: W, resource: r}\n"), "watch W is already defined"},
		{"unknown watch kind", doc("", "- {do: watch, client: a, watch: W, resource: r}\n- {do: expect-watch, watch: W, within: 1s, events: [{kind: moved}]}\n"), `kind "moved"`},
		{"watch fencing of unknown lock", doc("", "- {do: watch, client: a, watch: W, resource: r}\n- {do: expect-watch, watch: W, within: 1s, events: [{kind: granted, fencing: L9}]}\n"), "lock L9"},
		{"unknown hold event", doc("", "- {do: expect-hold-event, client: a, event: pinged, within: 1s}\n"), `event "pinged"`},
		{"owner on a renewed event", doc("", "- {do: expect-hold-event, client: a, event: renewed, owner: x, within: 1s}\n"), "owner goes with event: waiting"},
		{"released without other client", doc("", "- {do: hold, client: a, resource: r, lock: H1}\n- {do: expect-released, lock: H1, within: 1s}\n"), "missing client"},
		{"session used before opened", doc("", "- {do: session-acquire, session: S, lock: L1, resource: r}\n"), "session S is not opened"},
		{"session named twice", doc("", "- {do: session, client: a, session: S, ttl: 5s}\n- {do: session, client: a, session: S, ttl: 5s}\n"), "session S is already defined"},
		{"session without ttl", doc("", "- {do: session, client: a, session: S}\n"), "missing ttl"},
		{"force-release without resource", doc("", "- {do: force-release}\n"), "missing resource"},
		{"no steps", "cases:\n  - name: x\n    proves: something.\n", "no steps"},
		{"bad name", strings.Replace(doc("", ok), "name: x", "name: Bad_Name", 1), "lowercase words"},
		{"missing proves", strings.Replace(doc("", ok), "proves: something.", "proves: ''", 1), "proves must be one line"},
		{"empty file", "", "empty file"},
		{"no cases", "cases: []\n", "no cases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse([]byte(tt.doc), runner.Ops)
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "      " + l
		}
	}
	return strings.Join(lines, "")
}

// TestCapsImplied checks that a case's capabilities include those its steps imply, so a
// target that lacks them is reported n/a rather than failed or, worse, passed.
func TestCapsImplied(t *testing.T) {
	cases, err := spec.Parse([]byte(`cases:
  - name: x
    proves: something.
    steps:
      - {do: acquire, client: a, resource_hex: "ff", lock: L1, expect: {code: invalid_argument}}
      - {do: restart-service}
      - {do: acquire, client: a, resource: r, lock: L2}
      - {do: pause-renewal, lock: L2}
      - {do: release, lock: L2, token: "", expect: {code: invalid_argument}}
      - {do: hold, client: a, resource: h, lock: H1}
      - {do: disconnect, lock: H1}
      - {do: watch, client: a, watch: W, resource: h}
      - {do: session, client: a, session: S, ttl: 5s}
      - {do: session-acquire, session: S, lock: L3, resource: s}
`), runner.Ops)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cases[0].Caps(), ",")
	if want := "binary-names,hold,nodes,notify,proxy,renewal,service,session,watch,wire"; got != want {
		t.Errorf("caps %s, want %s", got, want)
	}
}
