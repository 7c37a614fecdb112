package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
)

// watchLine renders events as the service's JSON (protojson names, one line each), so
// that a script reads the same fields as a Connect client would.
var watchLine = protojson.MarshalOptions{}

func watchCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var exact bool
	fs := newFlagSet("watch", "PREFIX [flags]",
		"Prints the locks whose resource starts with PREFIX (\"\" for all), then every change,\n"+
			"one JSON object per line with the service's field names: kind (KIND_CURRENT per\n"+
			"held lock, KIND_SYNCED, then KIND_GRANTED, KIND_EXTENDED, KIND_RELEASED,\n"+
			"KIND_EXPIRED, KIND_HANDED_OVER; KIND_RESYNC when this reader fell behind and a\n"+
			"fresh state follows), resource, holder and previous (owner, fencingToken,\n"+
			"lockTime, expireTime). Runs until interrupted (exit 0) or the stream fails.\n\n"+exitCodesHelp,
		stderr)
	cf.register(fs)
	fs.BoolVar(&exact, "exact", false, "watch the one resource named PREFIX, not every name it starts")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, errors.New("want exactly one PREFIX"))
	}
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "watch", err)
	}
	defer l.Close()
	for ev, err := range l.Watch(ctx, driver.Selector{Name: pos[0], Prefix: !exact}) {
		if err != nil {
			if ctx.Err() != nil {
				return exitOK // interrupted: the normal end of a watch
			}
			return failure(stderr, "watch", err)
		}
		b, err := watchLine.Marshal(connectsvc.WatchResponseOf(ev))
		if err == nil {
			_, err = fmt.Fprintf(stdout, "%s\n", b)
		}
		if err != nil {
			return failure(stderr, "watch", err)
		}
	}
	return exitOK
}
