package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// tokenEnv names the environment variable with the bearer token of every client
// command, for a service started with --auth; --token and --token-file win over it.
const tokenEnv = "DISTLOCK_TOKEN"

// tokenFlags are the credential flags of every client command.
type tokenFlags struct {
	token string
	file  string
}

func (t *tokenFlags) register(fs *flag.FlagSet) {
	// The default is never shown: it would print $DISTLOCK_TOKEN in the usage text.
	fs.StringVar(&t.token, "token", "", "bearer `token` for a service started with --auth (visible to other users in the process list: prefer --token-file or $"+tokenEnv+"); wins over --token-file and $"+tokenEnv)
	fs.StringVar(&t.file, "token-file", "", "`file` holding the bearer token (one trailing line break ignored), read again before every request so that a rotated token is used; wins over $"+tokenEnv)
}

// option returns the Lessor option that carries the token the flags name, or nil when
// none is given. The precedence is --token, then --token-file, then $DISTLOCK_TOKEN.
func (t *tokenFlags) option() (distlock.Option, error) {
	switch {
	case t.token != "":
		return distlock.WithToken(t.token), nil
	case t.file != "":
		// Read once now, so that a wrong path or content fails before any call with a
		// message that names it; then before every request (see the flag's usage).
		if _, err := readTokenFile(t.file); err != nil {
			return nil, fmt.Errorf("%w: %w", driver.ErrInvalidArgument, err)
		}
		path := t.file
		return distlock.WithTokenSource(func(context.Context) (string, error) { return readTokenFile(path) }), nil
	}
	if v, ok := lookupEnv(tokenEnv); ok && v != "" {
		return distlock.WithToken(v), nil
	}
	return nil, nil
}

// maxTokenFileBytes bounds what is read of a token file: a token is at most 4096 bytes.
const maxTokenFileBytes = 8 << 10

// readTokenFile returns the token in path without its trailing line break. Its errors
// name the file, never its content.
func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFileBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("--token-file: %w", err)
	case len(b) > maxTokenFileBytes:
		return "", fmt.Errorf("--token-file %s: more than %d bytes, not a token", path, maxTokenFileBytes)
	}
	token := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if token == "" {
		return "", fmt.Errorf("--token-file %s is empty", path)
	}
	return token, nil
}

// authHint is printed after an unauthenticated error: the usual cause is a missing or
// stale token, and the message says where one comes from.
const authHint = "distlock: the service wants a valid bearer token: give it with --token-file FILE, --token or $" + tokenEnv + "\n"
