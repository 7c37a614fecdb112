package redlock

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The scripts of the operator's calls, List and ForceRelease.
var (
	//go:embed scripts/list.lua
	listLua    string
	listScript = redis.NewScript(listLua)

	//go:embed scripts/break.lua
	breakLua    string
	breakScript = redis.NewScript(breakLua)
)
