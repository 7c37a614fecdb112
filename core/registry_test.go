package core_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	_ "github.com/distlock/distlock/core/memory"
)

func TestOpenUnknownScheme(t *testing.T) {
	_, err := core.Open("nosuch://h1:6379")
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"nosuch"`) || !strings.Contains(msg, "memory") {
		t.Errorf("message %q should name the scheme and the registered ones", msg)
	}
}

func TestOpenMalformedURL(t *testing.T) {
	for _, url := range []string{"", "memory", "memory:/x", "memory:x", "://x", ":////", "h1:6379,h2:6379"} {
		if _, err := core.Open(url); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("Open(%q): got %v, want ErrInvalidArgument", url, err)
		}
	}
}

func TestOpenErrorDoesNotRepeatURL(t *testing.T) {
	_, err := core.Open("redis:/user:s3cret@h1:6379")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v repeats a URL that may carry a password", err)
	}
}

func TestOpenPassesAddressWithoutScheme(t *testing.T) {
	var got string
	scheme := "coretest-address-" + rand.Text() // Register is for the process; -count reruns
	core.Register(scheme, func(service string) (core.Lessor, error) {
		got = service
		return &fakeLessor{}, nil
	})
	if _, err := core.Open(strings.ToUpper(scheme) + "://h1:6379,h2:6379/x?y=1"); err != nil {
		t.Fatal(err)
	}
	if got != "h1:6379,h2:6379/x?y=1" {
		t.Errorf("implementation received %q", got)
	}
}

func TestRegisterPanics(t *testing.T) {
	open := func(string) (core.Lessor, error) { return nil, core.Invalid("test scheme") }
	twice := "coretest-twice-" + rand.Text()
	core.Register(twice, open)
	for name, register := range map[string]func(){
		"twice":           func() { core.Register(twice, open) },
		"twice, any case": func() { core.Register(strings.ToUpper(twice), open) },
		"nil open":        func() { core.Register("coretest-nil", nil) },
		"empty scheme":    func() { core.Register("", open) },
		"colon in scheme": func() { core.Register("a:b", open) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			register()
		})
	}
}
