package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// worker is a peer engine's process (bench/peers/*_worker.*) that reads one
// JSON request per line and writes one JSON response per line.
type worker struct {
	id     string // engine ID, such as report.EngineORT
	name   string // engine name with version, from the worker's first line
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	stderr *lockedBuffer
}

// lockedBuffer is the worker's standard error, written by the goroutine
// that os/exec starts and read by the driver.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// response is the union of the fields that the workers return.
type response struct {
	Error    string               `json:"error"`
	Engine   string               `json:"engine"`
	MS       []float64            `json:"ms"`
	Sum      float64              `json:"sum"`
	AbsSum   float64              `json:"abs_sum"`
	InsideMS map[string][]float64 `json:"inside_ms"`
}

// startWorker starts argv with extra environment variables and waits for
// its first line, which names the engine. A worker that cannot start (the
// package is not installed, the interpreter is missing) returns an error
// that includes its standard error output.
func startWorker(id string, argv []string, env []string) (*worker, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cmd.Environ(), env...)
	w := &worker{id: id, cmd: cmd, stderr: new(lockedBuffer)}
	cmd.Stderr = w.stderr

	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.stdin = stdin
	w.stdout = bufio.NewScanner(stdout)
	w.stdout.Buffer(nil, 64<<20)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}

	first, err := w.read()
	if err != nil {
		w.kill()
		return nil, err
	}
	if first.Engine == "" {
		w.kill()
		return nil, fmt.Errorf("%s: first line names no engine", id)
	}
	w.name = first.Engine
	return w, nil
}

// read returns the worker's next response, or an error with the worker's
// standard error output if it failed or exited.
func (w *worker) read() (*response, error) {
	if !w.stdout.Scan() {
		err := w.stdout.Err()
		if err == nil {
			// The worker closed its output, so it is exiting: wait for it
			// so that its standard error has been copied in full.
			err = errors.New("exited")
			if waitErr := w.cmd.Wait(); waitErr != nil {
				err = waitErr
			}
		}
		return nil, fmt.Errorf("%s worker: %w; its stderr:\n%s", w.id, err, w.tail())
	}
	var r response
	if err := json.Unmarshal(w.stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("%s worker: invalid response %q: %w", w.id, w.stdout.Text(), err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("%s worker: %s", w.id, r.Error)
	}
	return &r, nil
}

// request sends one request and returns the response.
func (w *worker) request(req map[string]any) (*response, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := w.stdin.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("%s worker: %w; its stderr:\n%s", w.id, err, w.tail())
	}
	return w.read()
}

// finish sends the finish request, waits up to a minute for the process
// to exit and returns the last response.
func (w *worker) finish() (*response, error) {
	r, err := w.request(map[string]any{"op": "finish"})
	w.stdin.Close()

	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		w.kill()
		return nil, fmt.Errorf("%s worker: did not exit within a minute of the finish request", w.id)
	}
	return r, err
}

// kill ends the worker's process.
func (w *worker) kill() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// tail returns the last 2,000 bytes of the worker's standard error.
func (w *worker) tail() string {
	s := w.stderr.String()
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
