package testproc

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// health asks the service's gRPC health endpoint (Connect, JSON) whether it serves.
func health(url string) (string, error) {
	resp, err := http.Post(url+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader("{}"))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// syncBuffer is a bytes.Buffer that the output goroutine and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeReadyAndStopped(t *testing.T) {
	var log syncBuffer
	s, err := StartServe(context.Background(), ServeConfig{Args: []string{"--lock-service", "memory://testproc"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	fd := watchPid(t, s.Pid())
	if got, err := health(s.URL()); !strings.Contains(got, "SERVING") {
		t.Fatalf("health of a ready service: %q, %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if !gone(fd) {
		t.Fatal("Close returned before the process was reaped")
	}
	if _, err := health(s.URL()); err == nil {
		t.Error("the stopped service still answers")
	}
	for _, want := range []string{`"msg":"distlock serving"`, `"msg":"shut down"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}
	noChildren(t)
}

func TestServeKilled(t *testing.T) {
	s, err := StartServe(context.Background(), ServeConfig{Args: []string{"--lock-service", "memory://testproc"}})
	if err != nil {
		t.Fatal(err)
	}
	fd := watchPid(t, s.Pid())
	s.Kill()
	if !gone(fd) {
		t.Fatal("Kill returned before the process was reaped")
	}
	if strings.Contains(s.Output(), "shut down") {
		t.Error("a killed service shut down gracefully")
	}
	noChildren(t)
}

func TestServeReportsBadFlags(t *testing.T) {
	_, err := StartServe(context.Background(), ServeConfig{Args: []string{"--max-ttl", "1h"}})
	if err == nil || !strings.Contains(err.Error(), "max-ttl") {
		t.Fatalf("StartServe with a bad flag: %v; want the service's complaint quoted", err)
	}
	noChildren(t)
}

func TestServeRunsWithTheAddedEnvironment(t *testing.T) {
	for _, procs := range []int{1, 3} {
		s, err := StartServe(context.Background(), ServeConfig{Args: []string{"--lock-service", "memory://testproc"},
			Env: []string{"GOMAXPROCS=" + strconv.Itoa(procs)}})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Procs(); got != procs {
			t.Errorf("with GOMAXPROCS=%d the service says it runs with %d", procs, got)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}
