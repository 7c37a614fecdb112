package redisnodes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ScriptTime returns how long the nodes have spent running Lua scripts so far (INFO
// commandstats: the usec of EVAL, EVALSHA and their read-only forms, which include the
// commands a script calls), summed. Next to the nodes' CPU time it shows how much of a
// lock's Redis cost is its scripts and how much the requests themselves (reading,
// parsing, replying), which every client pays alike.
func (ns *Nodes) ScriptTime(ctx context.Context) (time.Duration, error) {
	return ns.sumInfo(ctx, "commandstats", parseScriptTime)
}

// scriptCommands are the commandstats entries of script calls.
var scriptCommands = []string{"cmdstat_eval", "cmdstat_evalsha", "cmdstat_eval_ro", "cmdstat_evalsha_ro"}

func parseScriptTime(info string) (time.Duration, error) {
	var sum time.Duration
	for _, name := range scriptCommands {
		v, ok := infoField(info, name) // calls=3,usec=120,usec_per_call=40.00,...
		if !ok {
			continue // never called
		}
		for kv := range strings.SplitSeq(v, ",") {
			if n, ok := strings.CutPrefix(kv, "usec="); ok {
				us, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return 0, fmt.Errorf("%s %q: %w", name, v, err)
				}
				sum += time.Duration(us) * time.Microsecond
			}
		}
	}
	return sum, nil
}
