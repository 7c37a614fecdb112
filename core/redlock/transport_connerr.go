package redlock

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// unsent gives the pipeline's error to the calls it never sent. A pipeline whose
// connection could not be set up (a wrong password fails AUTH or HELLO) returns that
// error from Exec but leaves its commands without error or reply, which the scripts'
// decoders reported as "unexpected script reply <nil>".
func unsent(calls []*call, err error) {
	err = connError(err)
	for _, c := range calls {
		if c.cmd.Err() == nil && c.cmd.Val() == nil {
			c.cmd.SetErr(err)
		}
	}
}

// connError names a refused login as such: WRONGPASS, NOAUTH and the older "invalid
// password" replies become "authentication failed", which an operator reads at once.
func connError(err error) error {
	for _, prefix := range []string{"WRONGPASS", "NOAUTH", "ERR invalid password", "ERR AUTH"} {
		if redis.HasErrorPrefix(err, prefix) {
			return fmt.Errorf("redlock: authentication failed (check the URL's user and password): %w", err)
		}
	}
	return err
}
