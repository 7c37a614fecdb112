package redlock

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts, one per state change. Script.Run sends EVALSHA and falls back to EVAL
// (which loads the script) when a node does not know it yet, for example after a restart.
var (
	//go:embed scripts/acquire.lua
	acquireLua    string
	acquireScript = redis.NewScript(acquireLua)

	//go:embed scripts/confirm.lua
	confirmLua    string
	confirmScript = redis.NewScript(confirmLua)

	//go:embed scripts/extend.lua
	extendLua    string
	extendScript = redis.NewScript(extendLua)

	//go:embed scripts/release.lua
	releaseLua    string
	releaseScript = redis.NewScript(releaseLua)

	//go:embed scripts/transfer.lua
	transferLua    string
	transferScript = redis.NewScript(transferLua)

	//go:embed scripts/read.lua
	readLua    string
	readScript = redis.NewScript(readLua)
)
