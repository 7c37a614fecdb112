package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
)

// adapterProc is one running adapter: commands go to its stdin, replies and events come
// from its stdout, and its stderr goes to a log file.
type adapterProc struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	log   *os.File

	mu      sync.Mutex
	nextID  uint64
	waiting map[uint64]chan protocol.Reply
	events  func(protocol.Event)
	err     error         // why the adapter's stdout ended
	done    chan struct{} // closed when its stdout ends
	caps    []string
}

// startAdapter starts argv, logging its stderr to logPath, and says hello.
func startAdapter(ctx context.Context, name string, argv []string, dir, logPath string) (*adapterProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start adapter %s: %w", name, err)
	}
	p := &adapterProc{name: name, cmd: cmd, stdin: stdin, log: logf, waiting: map[uint64]chan protocol.Reply{}, done: make(chan struct{})}
	go p.read(stdout)
	rep, err := p.call(ctx, protocol.Command{Op: protocol.OpHello})
	if err != nil {
		p.close()
		return nil, fmt.Errorf("adapter %s hello: %w (see %s)", name, err, logPath)
	}
	if !rep.OK {
		p.close()
		return nil, fmt.Errorf("adapter %s hello: %s %s", name, rep.Code, rep.Message)
	}
	p.caps = rep.Caps
	return p, nil
}

func (p *adapterProc) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var err error
	for sc.Scan() {
		var line protocol.Line
		if err = json.Unmarshal(sc.Bytes(), &line); err != nil {
			err = fmt.Errorf("adapter wrote a line that is not protocol JSON: %q", sc.Text())
			break
		}
		p.mu.Lock()
		if line.Event != "" {
			if p.events != nil {
				p.events(protocol.Event{Event: line.Event, Lock: line.Lock})
			}
		} else if ch, ok := p.waiting[line.ID]; ok {
			delete(p.waiting, line.ID)
			ch <- line.Reply
		}
		p.mu.Unlock()
	}
	if err == nil {
		err = sc.Err()
	}
	if err == nil {
		err = errors.New("adapter closed its stdout")
	}
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
	close(p.done)
}

// setEvents routes the adapter's events to f (nil drops them).
func (p *adapterProc) setEvents(f func(protocol.Event)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = f
}

// call sends cmd and waits for its reply or ctx.
func (p *adapterProc) call(ctx context.Context, cmd protocol.Command) (protocol.Reply, error) {
	ch := make(chan protocol.Reply, 1)
	p.mu.Lock()
	p.nextID++
	cmd.ID = p.nextID
	p.waiting[cmd.ID] = ch
	b, err := json.Marshal(cmd)
	if err == nil {
		_, err = p.stdin.Write(append(b, '\n'))
	}
	p.mu.Unlock()
	if err != nil {
		return protocol.Reply{}, fmt.Errorf("send to adapter: %w", err)
	}
	select {
	case rep := <-ch:
		return rep, nil
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return protocol.Reply{}, fmt.Errorf("adapter ended: %w", p.err)
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.waiting, cmd.ID)
		p.mu.Unlock()
		return protocol.Reply{}, fmt.Errorf("no reply to %s: %w", cmd.Op, ctx.Err())
	}
}

// close ends the adapter: closing stdin asks it to exit, and it is killed if it has not
// closed its stdout 10 s later.
func (p *adapterProc) close() error {
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	err := p.cmd.Wait()
	p.log.Close()
	return err
}
