package runner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distlock/distlock/conformance/spec"
)

// rpcs are the service's RPCs, as the proxy-rule ops name them in YAML.
var rpcs = []string{"acquire", "extend", "release", "info", "read", "hold", "watch", "batch"}

// callsRef names whose calls of which RPC a proxy-rule op is about: a client's, or the
// client's that holds a lock.
type callsRef struct {
	Client string `yaml:"client"`
	Lock   string `yaml:"lock"`
	Method string `yaml:"method"`
}

func (c *callsRef) Check(sc *spec.Scope) error {
	if (c.Client == "") == (c.Lock == "") {
		return errors.New("give one of client and lock")
	}
	if !slices.Contains(rpcs, c.Method) {
		return fmt.Errorf("method %q: use one of %s", c.Method, strings.Join(rpcs, ", "))
	}
	if c.Lock != "" {
		return sc.Held(c.Lock)
	}
	return nil
}

// rpc is the method as the URL path spells it ("Extend").
func (c *callsRef) rpc() string { return strings.ToUpper(c.Method[:1]) + c.Method[1:] }

// client is the client whose calls these are.
func (c *callsRef) client(r *caseRun) string {
	if c.Lock != "" {
		return r.locks[c.Lock].client
	}
	return c.Client
}

func (c *callsRef) proxy(r *caseRun) (*proxy, error) { return r.env.proxy(c.client(r)) }
