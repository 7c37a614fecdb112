package redlock

import "github.com/redis/go-redis/v9"

// The scripts of the operator's calls, List and ForceRelease.
var (
	listLua    = buildScript("list")
	listScript = redis.NewScript(listLua)

	breakLua    = buildScript("break")
	breakScript = redis.NewScript(breakLua)
)
