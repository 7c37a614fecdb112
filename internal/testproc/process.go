package testproc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// DefaultReadyTimeout is how long [Start] waits for a process's ready line when the
// [Spec] sets no Timeout: generous, because on a loaded 2-core machine a redis-server
// has been seen to take seconds.
const DefaultReadyTimeout = 30 * time.Second

// Spec describes a server process to start.
type Spec struct {
	// Name names the process in errors, e.g. "redis-server on 127.0.0.1:6379".
	Name string
	// Path is the executable; Args its arguments (without the program name).
	Path string
	Args []string
	// Dir is the working directory; empty: this process's.
	Dir string
	// Env adds variables (KEY=value) to this process's environment, which the process
	// inherits; a later one wins over an earlier one of the same key.
	Env []string
	// Ready reports whether a line the process wrote (to stdout or stderr, without its
	// newline) says that it serves. It is called for every line until it returns true.
	Ready func(line []byte) bool
	// Log, if not nil, receives every line the process writes, stdout and stderr
	// merged. Writes to it happen on the process's output goroutine.
	Log io.Writer
	// Timeout bounds the wait for the ready line; 0 means [DefaultReadyTimeout].
	Timeout time.Duration
}

// Process is a running (or exited) server process.
type Process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process is reaped and its output drained
	err    error         // of cmd.Wait, set before exited is closed
	out    *tail
}

// Start starts the process and returns once it has written its ready line. If it exits
// first, or ctx ends, or the timeout passes, Start kills it and returns an error that
// quotes the end of its output.
func Start(ctx context.Context, s Spec) (*Process, error) {
	if s.Timeout == 0 {
		s.Timeout = DefaultReadyTimeout
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Dir = s.Dir
	if len(s.Env) > 0 {
		cmd.Env = append(os.Environ(), s.Env...)
	}
	// One pipe for both streams keeps their lines in the order they were written.
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = dieWithParent()
	err = cmd.Start()
	w.Close() // the child has its copy; EOF comes when the child exits
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	p := &Process{name: s.Name, cmd: cmd, exited: make(chan struct{}), out: &tail{}}
	ready := make(chan struct{})
	go p.watch(r, s, ready)

	timer := time.NewTimer(s.Timeout)
	defer timer.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before it was ready (%v); its output ends:\n%s", s.Name, p.err, p.out)
	case <-timer.C:
		err = fmt.Errorf("%s not ready after %v", s.Name, s.Timeout)
	case <-ctx.Done():
		err = fmt.Errorf("%s not ready: %w", s.Name, ctx.Err())
	}
	p.Kill()
	return nil, fmt.Errorf("%w; its output ends:\n%s", err, p.out)
}

// watch reads the output until EOF, closes ready at the ready line, then reaps the
// process. Reading to EOF, whatever the lines say, keeps the child from blocking on a
// full pipe.
func (p *Process) watch(r *os.File, s Spec, ready chan<- struct{}) {
	defer close(p.exited)
	br := bufio.NewReader(r)
	signalled := false
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if s.Log != nil {
				_, _ = s.Log.Write(line)
			}
			line = bytes.TrimRight(line, "\r\n")
			p.out.add(line)
			if !signalled && s.Ready(line) {
				signalled = true
				close(ready)
			}
		}
		if err != nil {
			break
		}
	}
	r.Close()
	p.err = p.cmd.Wait()
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited and been reaped.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Output returns the last lines the process wrote, for error reports.
func (p *Process) Output() string { return p.out.String() }

// Kill ends the process with SIGKILL, as a crash would, and waits until it is reaped.
// A killed server's exit status tells nothing, so there is no error.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Stop asks the process to shut down (SIGTERM) and waits for it. It returns an error if
// the process did not exit within grace (it is then killed) or exited with a failure;
// both errors quote the end of its output.
func (p *Process) Stop(grace time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		p.Kill()
		return fmt.Errorf("%s did not exit within %v of SIGTERM and was killed; its output ends:\n%s", p.name, grace, p.out)
	}
	if p.err != nil {
		return fmt.Errorf("%s: %w; its output ends:\n%s", p.name, p.err, p.out)
	}
	return nil
}
