package redlock

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestScriptsLoadWithTheirSHA loads every script, as built from scripts/*.lua, into a
// real Redis: each must compile and get the SHA the client sends with EVALSHA, and each
// file must open with its contract.
func TestScriptsLoadWithTheirSHA(t *testing.T) {
	cluster := realNodes(t, 1)
	rdb := redis.NewClient(&redis.Options{Addr: cluster.Addrs()[0]})
	t.Cleanup(func() { rdb.Close() })
	for name, s := range map[string]struct {
		src    string
		script *redis.Script
	}{
		"acquire":  {acquireLua, acquireScript},
		"confirm":  {confirmLua, confirmScript},
		"extend":   {extendLua, extendScript},
		"release":  {releaseLua, releaseScript},
		"read":     {readLua, readScript},
		"transfer": {transferLua, transferScript},
		"list":     {listLua, listScript},
		"break":    {breakLua, breakScript},
	} {
		sha, err := rdb.ScriptLoad(context.Background(), s.src).Result()
		if err != nil {
			t.Fatalf("%s.lua does not load: %v", name, err)
		}
		if sha != s.script.Hash() {
			t.Errorf("%s.lua: Redis SHA %s, client sends %s", name, sha, s.script.Hash())
		}
		if strings.Contains(s.src, "--{{") {
			t.Errorf("%s.lua keeps a template action of take.lua", name)
		}
		// The contract is in the file; the built script leaves comment lines out.
		file, err := scriptFiles.ReadFile("scripts/" + name + ".lua")
		if err != nil {
			t.Fatal(err)
		}
		if src := string(file); !strings.HasPrefix(src, "-- "+name+":") || !strings.Contains(src, "KEYS[1]") || !strings.Contains(src, "Returns") {
			t.Errorf("%s.lua does not open with a comment giving its KEYS, ARGV and return values", name)
		}
		if strings.Contains(s.src, "\n--") || strings.HasPrefix(s.src, "--") {
			t.Errorf("%s.lua as built keeps comment lines", name)
		}
	}
}
