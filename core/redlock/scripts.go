package redlock

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts, one per state change, built once from scripts/*.lua. The pipes send
// EVALSHA and fall back to EVAL (which loads the script) when a node does not know it
// yet, for example after a restart.
var (
	acquireLua    = buildScript("acquire")
	acquireScript = redis.NewScript(acquireLua)

	confirmLua    = buildScript("confirm")
	confirmScript = redis.NewScript(confirmLua)

	extendLua    = buildScript("extend")
	extendScript = redis.NewScript(extendLua)

	releaseLua    = buildScript("release")
	releaseScript = redis.NewScript(releaseLua)

	transferLua    = buildScript("transfer")
	transferScript = redis.NewScript(transferLua)

	readLua    = buildScript("read")
	readScript = redis.NewScript(readLua)
)

//go:embed scripts/*.lua
var scriptFiles embed.FS

// buildScript returns the source of scripts/<name>.lua with the parts it includes from
// scripts/take.lua ("--{{template "NAME"}}", a Lua comment) filled in: acquire.lua and
// transfer.lua share them, so each rule they both follow is written once. Lines that
// are only a comment are left out: the files' comments are for their readers, and a
// server that compiles a script on every call (miniredis, the embedded default) pays
// for each byte; acquire.lua is about a third of its commented size.
func buildScript(name string) string {
	t := template.Must(template.New(name).Delims("--{{", "}}").
		ParseFS(scriptFiles, "scripts/take.lua", "scripts/"+name+".lua"))
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name+".lua", nil); err != nil {
		panic(err) // the embedded files are fixed: a test loads every script
	}
	var out strings.Builder
	for line := range strings.Lines(b.String()) {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			out.WriteString(line)
		}
	}
	return out.String()
}

// decodeReply splits the {a, b, epoch id, epoch age ms, ...} replies of the scripts.
func decodeReply(v any) (a, b any, e epochInfo, err error) {
	arr, ok := v.([]any)
	if !ok || len(arr) < 4 {
		return nil, nil, e, fmt.Errorf("redlock: unexpected script reply %T", v)
	}
	id, ok1 := arr[2].(string)
	age, ok2 := arr[3].(int64)
	if !ok1 || !ok2 {
		return nil, nil, e, fmt.Errorf("redlock: unexpected epoch in script reply")
	}
	return arr[0], arr[1], epochInfo{id: id, age: time.Duration(age) * time.Millisecond}, nil
}

// decodeInt decodes a script's integer reply.
func decodeInt(v any) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("redlock: unexpected script reply %T", v)
	}
	return n, nil
}

// decodeIntSlice decodes a script's reply that is a list of integers.
func decodeIntSlice(v any) ([]int64, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("redlock: unexpected script reply %T", v)
	}
	out := make([]int64, len(arr))
	for i, x := range arr {
		if out[i], ok = x.(int64); !ok {
			return nil, fmt.Errorf("redlock: unexpected script reply element %T", x)
		}
	}
	return out, nil
}

// decodeInts decodes the replies whose first two elements are integers.
func decodeInts(v any) (a, b int64, e epochInfo, err error) {
	x, y, e, err := decodeReply(v)
	if err != nil {
		return 0, 0, e, err
	}
	a, ok1 := x.(int64)
	b, ok2 := y.(int64)
	if !ok1 || !ok2 {
		return 0, 0, e, fmt.Errorf("redlock: unexpected script reply types %T, %T", x, y)
	}
	return a, b, e, nil
}
