package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// benchChild is a "shiftwire serve" process the bench started.
type benchChild struct {
	cmd     *exec.Cmd
	addr    string // host:port it listens on
	logPath string
	done    chan struct{} // closed once it exited
	waitErr error
}

// startServeChild starts exe serve with args, and env added to its environment, and waits
// until it listens. Its stdout and stderr go to logPath, so a failing run can be looked into
// and a noisy one does not fill the terminal.
func startServeChild(ctx context.Context, exe string, args, env []string, logPath string) (*benchChild, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	cmd.Env = childEnv(env)
	cmd.Stdout = w
	cmd.Stderr = logf
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logf.Close()
		return nil, err
	}
	w.Close() // the child holds its own copy; the reader sees EOF when the child exits
	c := &benchChild{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	first := make(chan string, 1)
	go func() {
		defer logf.Close()
		defer r.Close()
		br := bufio.NewReader(r)
		line, _ := br.ReadString('\n')
		first <- line
		logf.WriteString(line)
		io.Copy(logf, br)
	}()

	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	select {
	case line := <-first:
		addr, ok := listeningAddr(line)
		if !ok {
			c.kill()
			return nil, fmt.Errorf("serve printed %q instead of the address it listens on; log: %s", strings.TrimSpace(line), tail(logPath))
		}
		c.addr = addr
		return c, nil
	case <-timer.C:
		c.kill()
		return nil, fmt.Errorf("serve did not start listening within a minute; log: %s", tail(logPath))
	case <-ctx.Done():
		c.kill()
		return nil, ctx.Err()
	}
}

// pid returns the child's process id.
func (c *benchChild) pid() int { return c.cmd.Process.Pid }

// exited reports whether the child has exited.
func (c *benchChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the child to shut down gracefully and waits for it, killing it if it takes
// longer than timeout. It returns an error when the child did not exit cleanly.
func (c *benchChild) stop(timeout time.Duration) error {
	if c.exited() {
		return fmt.Errorf("serve exited early: %v; log: %s", c.waitErr, tail(c.logPath))
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-c.done:
		if c.waitErr != nil {
			return fmt.Errorf("serve exited with %v after SIGTERM; log: %s", c.waitErr, tail(c.logPath))
		}
		return nil
	case <-timer.C:
		c.kill()
		return fmt.Errorf("serve did not exit within %s of SIGTERM; killed it", timeout)
	}
}

// kill ends the child at once and waits for it.
func (c *benchChild) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// runAdminChild runs exe with args (an admin command such as "tenants create"), and env
// added to its environment, and returns its standard output.
func runAdminChild(ctx context.Context, exe string, env []string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = childEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	setChildAttrs(cmd)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("shiftwire %s: %w: %s", strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// childEnv is the bench's environment without any SHIFTWIRE_* variable, plus extra: the
// children get every setting from the bench, so nothing in the caller's environment (a --db
// or a --database-url of a real deployment, a delivery timeout) changes what is measured.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHIFTWIRE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return path + ":\n\t" + strings.Join(lines, "\n\t")
}

// errChildExited is returned when a server process ends in the middle of a run.
var errChildExited = errors.New("a server process exited during the run")
