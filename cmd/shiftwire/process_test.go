package main

import (
	"bufio"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the shiftwire command into the test's temporary directory, for tests
// that need a real process: to kill it, or to run several.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shiftwire")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a shiftwire serve running as a child process.
type process struct {
	*testServer
	cmd *exec.Cmd
}

// startProcess runs bin serve with args on a free loopback port and waits until it is
// ready. Cleanup stops it with SIGTERM if the test did not kill it.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() {
		}
		done <- cmd.Wait()
	}()
	p := &process{cmd: cmd, testServer: &testServer{
		t:      t,
		stdout: &syncBuffer{},
		stderr: stderr,
		http:   &http.Client{Timeout: 20 * time.Second, Transport: checkedTransport(t)},
		done:   done,
		tokens: map[string]string{},
	}}
	p.cancel = func() { cmd.Process.Signal(syscall.SIGTERM) }
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			p.stop()
		}
	})
	select {
	case line, ok := <-first:
		addr, found := listeningAddr(line)
		if !ok || !found {
			cmd.Process.Kill()
			t.Fatalf("first line of serve: %q\n%s", line, stderr)
		}
		p.addr = addr
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve printed no address\n%s", stderr)
	}
	p.waitReady()
	return p
}

// kill ends the process with SIGKILL: no shutdown, nothing flushed.
func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Fatal("the killed process did not exit")
	}
	p.http.CloseIdleConnections()
}
