package server

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

func TestOpenURLUsesTheBackendsTableOnly(t *testing.T) {
	// A scheme in the global registry that the server's table lacks: the server must not
	// reach it, whatever else the binary imports.
	scheme := "servertest-" + strings.ToLower(rand.Text())
	driver.Register(scheme, func(string) (driver.Lessor, error) { return memory.New(), nil })
	_, err := openURL(scheme+"://x", hooks{})
	if !errors.Is(err, driver.ErrInvalidArgument) {
		t.Fatalf("openURL of a registered scheme the server does not know: %v, want ErrInvalidArgument", err)
	}
	if msg := err.Error(); !strings.Contains(msg, scheme) || !strings.Contains(msg, "memory, redis, rediss") {
		t.Errorf("error %q should name the scheme and the ones the server knows", msg)
	}
}

func TestOpenURLMatchesSchemesInAnyCase(t *testing.T) {
	l, err := openURL("MEMORY://"+t.Name(), hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.(*memory.Store); !ok {
		t.Errorf("openURL(MEMORY://…) = %T, want a *memory.Store", l)
	}
	l.Close()
}

func TestOpenURLDoesNotRepeatAMalformedURL(t *testing.T) {
	_, err := openURL("redis:/user:s3cret@h1:6379", hooks{})
	if !errors.Is(err, driver.ErrInvalidArgument) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("openURL of a malformed URL: %v, want ErrInvalidArgument without the URL", err)
	}
}
