package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long a process gets to exit after SIGTERM before it is killed.
const stopGrace = 10 * time.Second

// Process is a running child process of the connector binary.
type Process struct {
	// Name labels the process in messages ("simulator", "connector").
	Name string
	// URL is the address the process announced on its standard output.
	URL string
	// LogPath is the file that receives the process's standard error.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // the result of Wait, once done is closed
}

// StartProcess starts bin with args and env (the whole environment of the child), sends its
// standard error to logPath and waits until a line of its standard output matches announce,
// whose first group is taken as the process's URL. The child is killed if this process dies.
func StartProcess(ctx context.Context, name, bin string, args, env []string, logPath string, announce *regexp.Regexp) (*Process, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stderr = logf
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if m := announce.FindStringSubmatch(sc.Text()); !found && m != nil {
				found = true
				urls <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.err = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.URL = <-urls:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("start %s: exited before it was ready (%v); see %s", name, p.err, logPath)
	case <-ctx.Done():
		_ = p.Stop()
		return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
	case <-time.After(30 * time.Second):
		_ = p.Stop()
		return nil, fmt.Errorf("start %s: not ready after 30s; see %s", name, logPath)
	}
}

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// PeakRSS returns the process's peak resident set size (VmHWM) in bytes. It must be read
// while the process runs.
func (p *Process) PeakRSS() (int64, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID()) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read peak RSS of %s: %w", p.Name, err)
	}
	return parseVmHWM(string(raw))
}

// CPUTime returns the CPU time (user and system) the process has used so far. It must be
// read while the process runs.
func (p *Process) CPUTime() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID()) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read CPU time of %s: %w", p.Name, err)
	}
	return parseStatCPU(string(raw))
}

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// parseStatCPU reads utime and stime, fields 14 and 15, of a /proc/<pid>/stat line. The
// command name, field 2, may hold spaces, so fields are counted after its closing ")".
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat line")
	}
	fields := strings.Fields(stat[i+1:]) // fields[0] is field 3
	if len(fields) < 13 {
		return 0, errors.New("unexpected /proc stat line")
	}
	var total int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc stat field %q", f)
		}
		total += n
	}
	return time.Duration(total) * clockTick, nil
}

// parseVmHWM reads the VmHWM line ("VmHWM:	  123456 kB") of a /proc/<pid>/status text.
func parseVmHWM(status string) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected VmHWM line %q", strings.TrimSpace(line))
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmHWM line in the process status")
}

// Stop sends SIGTERM, waits up to stopGrace for the process to exit, then kills it. It
// returns nil once the process is gone, whatever its exit status.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.Name, err)
	}
	<-p.done
	return nil
}
