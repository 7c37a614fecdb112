package driver_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core/driver"
	_ "github.com/distlock/distlock/core/memory"
)

func TestOpenUnknownScheme(t *testing.T) {
	_, err := driver.Open("nosuch://h1:6379")
	if !errors.Is(err, driver.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"nosuch"`) || !strings.Contains(msg, "memory") {
		t.Errorf("message %q should name the scheme and the registered ones", msg)
	}
}

func TestOpenMalformedURL(t *testing.T) {
	for _, url := range []string{"", "memory", "memory:/x", "memory:x", "://x", ":////", "h1:6379,h2:6379"} {
		if _, err := driver.Open(url); !errors.Is(err, driver.ErrInvalidArgument) {
			t.Errorf("Open(%q): got %v, want ErrInvalidArgument", url, err)
		}
	}
}

func TestOpenErrorDoesNotRepeatURL(t *testing.T) {
	_, err := driver.Open("redis:/user:s3cret@h1:6379")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v repeats a URL that may carry a password", err)
	}
}

func TestOpenPassesAddressWithoutScheme(t *testing.T) {
	var got string
	scheme := "drivertest-address-" + rand.Text() // Register is for the process; -count reruns
	driver.Register(scheme, func(service string) (driver.Lessor, error) {
		got = service
		return stubLessor{}, nil
	})
	if _, err := driver.Open(strings.ToUpper(scheme) + "://h1:6379,h2:6379/x?y=1"); err != nil {
		t.Fatal(err)
	}
	if got != "h1:6379,h2:6379/x?y=1" {
		t.Errorf("implementation received %q", got)
	}
}

func TestRegisterPanics(t *testing.T) {
	open := func(string) (driver.Lessor, error) { return nil, driver.Invalid("test scheme") }
	twice := "drivertest-twice-" + rand.Text()
	driver.Register(twice, open)
	for name, register := range map[string]func(){
		"twice":           func() { driver.Register(twice, open) },
		"twice, any case": func() { driver.Register(strings.ToUpper(twice), open) },
		"nil open":        func() { driver.Register("drivertest-nil", nil) },
		"empty scheme":    func() { driver.Register("", open) },
		"colon in scheme": func() { driver.Register("a:b", open) },
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

// stubLessor is a Lessor whose methods are never called.
type stubLessor struct{ driver.Lessor }
