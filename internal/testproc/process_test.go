package testproc

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// shell is a Spec running script under sh, ready when it prints "ready".
func shell(script string) Spec {
	return Spec{Name: "sh", Path: "/bin/sh", Args: []string{"-c", script},
		Ready: func(line []byte) bool { return bytes.Equal(line, []byte("ready")) }}
}

func TestStartWaitsForTheReadyLineAndLogs(t *testing.T) {
	var log bytes.Buffer
	s := shell(`echo starting; echo ready >&2; exec sleep 60`)
	s.Log = &log
	p, err := Start(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	fd := watchPid(t, p.Pid())
	if got := p.Output(); got != "starting\nready" {
		t.Errorf("output of stdout and stderr = %q", got)
	}
	p.Kill()
	if !gone(fd) {
		t.Fatal("Kill returned before the process was reaped")
	}
	if got := log.String(); got != "starting\nready\n" {
		t.Errorf("Log received %q", got)
	}
	noChildren(t)
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	_, err := Start(context.Background(), shell(`echo "no config here" >&2; exit 3`))
	if err == nil || !strings.Contains(err.Error(), "no config here") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Start of a process that exits: %v; want its output and status", err)
	}
	noChildren(t)
}

func TestStartKillsWhatIsNotReady(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := shell(`echo still loading; exec sleep 60`)
	s.Log = cancelOnWrite(cancel) // the caller gives up once the process has said something
	_, err := Start(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "still loading") {
		t.Fatalf("Start with a cancelled context: %v; want an error quoting the output", err)
	}
	noChildren(t)
}

func TestStopKillsAProcessThatIgnoresSIGTERM(t *testing.T) {
	p, err := Start(context.Background(), shell(`trap "" TERM; echo ready; exec sleep 60`))
	if err != nil {
		t.Fatal(err)
	}
	fd := watchPid(t, p.Pid())
	err = p.Stop(50 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop: %v; want an error saying it was killed", err)
	}
	if !gone(fd) {
		t.Fatal("Stop returned before the process was reaped")
	}
	noChildren(t)
}

func TestStopReportsAFailedExit(t *testing.T) {
	p, err := Start(context.Background(), shell(`trap 'kill $!; echo bye; exit 4' TERM; sleep 60 >/dev/null 2>&1 & echo ready; wait`))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(time.Minute); err == nil || !strings.Contains(err.Error(), "exit status 4") || !strings.Contains(err.Error(), "bye") {
		t.Fatalf("Stop of a process that exits 4: %v", err)
	}
	noChildren(t)
}

type cancelOnWrite func()

func (c cancelOnWrite) Write(b []byte) (int, error) {
	c()
	return len(b), nil
}

func TestStartAddsTheSpecsEnvironment(t *testing.T) {
	t.Setenv("TESTPROC_KEPT", "kept")
	s := shell(`echo "$TESTPROC_KEPT $TESTPROC_ADDED"; echo ready; exec sleep 60`)
	s.Env = []string{"TESTPROC_ADDED=first", "TESTPROC_ADDED=added"}
	p, err := Start(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if got := p.Output(); got != "kept added\nready" {
		t.Errorf("output = %q, want the inherited and the added variable", got)
	}
}
