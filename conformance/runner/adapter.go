package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// adapterProc is one running adapter: commands go to its stdin, replies and events come
// from its stdout, and its stderr goes to a log file.
type adapterProc struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *protocol.Writer
	log   *os.File

	mu      sync.Mutex
	nextID  uint64
	waiting map[uint64]chan *pb.Reply
	events  func(*pb.Event)
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
	p := &adapterProc{name: name, cmd: cmd, stdin: stdin, out: protocol.NewWriter(stdin), log: logf,
		waiting: map[uint64]chan *pb.Reply{}, done: make(chan struct{})}
	go p.read(stdout)
	rep, err := p.call(ctx, &pb.AdapterRequest{Op: &pb.AdapterRequest_Hello{Hello: &pb.HelloRequest{}}})
	if err != nil {
		p.close()
		return nil, fmt.Errorf("adapter %s hello: %w (see %s)", name, err, logPath)
	}
	if rep.GetError() != nil {
		p.close()
		return nil, fmt.Errorf("adapter %s hello: %s", name, describe(rep, nil))
	}
	p.caps = rep.GetHello().GetCapabilities()
	return p, nil
}

func (p *adapterProc) read(stdout io.Reader) {
	r := protocol.NewReader(stdout)
	var err error
	for {
		line := &pb.AdapterResponse{}
		if err = r.Read(line); err != nil {
			break
		}
		p.mu.Lock()
		if ev := line.GetEvent(); ev != nil {
			if p.events != nil {
				p.events(ev)
			}
		} else if rep := line.GetReply(); rep != nil {
			if ch, ok := p.waiting[rep.GetId()]; ok {
				delete(p.waiting, rep.GetId())
				ch <- rep
			}
		}
		p.mu.Unlock()
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("adapter closed its stdout")
	}
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
	close(p.done)
}

// setEvents routes the adapter's events to f (nil drops them).
func (p *adapterProc) setEvents(f func(*pb.Event)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = f
}

// call sends req (its id set here) and waits for its reply or ctx.
func (p *adapterProc) call(ctx context.Context, req *pb.AdapterRequest) (*pb.Reply, error) {
	ch := make(chan *pb.Reply, 1)
	p.mu.Lock()
	p.nextID++
	req.Id = p.nextID
	p.waiting[req.Id] = ch
	err := p.out.Write(req)
	p.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("send to adapter: %w", err)
	}
	select {
	case rep := <-ch:
		return rep, nil
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return nil, fmt.Errorf("adapter ended: %w", p.err)
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.waiting, req.Id)
		p.mu.Unlock()
		return nil, fmt.Errorf("no reply to %s: %w", opName(req), ctx.Err())
	}
}

// opName is the name of req's op as the proto spells it.
func opName(req *pb.AdapterRequest) string {
	if f := req.ProtoReflect().WhichOneof(req.ProtoReflect().Descriptor().Oneofs().ByName("op")); f != nil {
		return string(f.Name())
	}
	return "no op"
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
