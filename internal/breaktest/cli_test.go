package breaktest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// The command's tests build cmd/simdnn once and run it as a user would.

var (
	buildOnce   sync.Once
	builtBinary string
	buildErr    error
	buildOut    []byte
)

// simdnnBinary builds the command into a temporary folder shared by the
// tests of this process.
func simdnnBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "breaktest-simdnn")
		if err != nil {
			buildErr = err
			return
		}
		builtBinary = filepath.Join(dir, "simdnn")
		cmd := exec.Command("go", "build", "-o", builtBinary, "github.com/simdnn/simdnn/cmd/simdnn")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building cmd/simdnn: %v\n%s", buildErr, buildOut)
	}
	return builtBinary
}

// cliResult is what one run of the command did.
type cliResult struct {
	code   int
	output string
}

// runCLI runs the command with args under an address-space limit of 4 GiB
// and a timeout, so that a run that requests a huge allocation fails at
// once instead of swapping.
func runCLI(t *testing.T, timeout time.Duration, args ...string) cliResult {
	t.Helper()
	bin := simdnnBinary(t)
	cmd := exec.Command("prlimit", append([]string{"--as=4294967296", "--", bin}, args...)...)
	if _, err := exec.LookPath("prlimit"); err != nil {
		cmd = exec.Command(bin, args...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		return cliResult{code: -1, output: out.String() + "\n(killed after " + timeout.String() + ")"}
	}
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = -int(ws.Signal())
	}
	return cliResult{code: code, output: out.String()}
}

// crashed reports whether output contains a Go panic or fatal error trace.
func crashed(output string) bool {
	for _, sign := range []string{"panic:", "fatal error:", "goroutine 1 [", "runtime error"} {
		if strings.Contains(output, sign) {
			return true
		}
	}
	return false
}

// cliCase is a command line that must fail with a clear message.
type cliCase struct {
	name string
	args []string
}

// checkCLIFails runs each case and reports a crash, a hang or a zero exit
// status.
func checkCLIFails(t *testing.T, cases []cliCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, 2*time.Minute, c.args...)
			switch {
			case r.code == -1:
				t.Errorf("simdnn %q hangs:\n%s", c.args, headOf(r.output, 1500))
			case crashed(r.output):
				t.Errorf("simdnn %q exits %d with a Go crash:\n%s", c.args, r.code, headOf(r.output, 1500))
			case r.code == 0:
				t.Errorf("simdnn %q exits 0:\n%s", c.args, headOf(r.output, 1500))
			case strings.TrimSpace(r.output) == "":
				t.Errorf("simdnn %q exits %d without a message", c.args, r.code)
			}
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pngWithSize returns a PNG file whose header declares a w×h RGBA image
// but whose data contains a single row, like a decompression bomb's header.
func pngWithSize(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(kind))
		crc.Write(data)
		buf.WriteString(kind)
		buf.Write(data)
		binary.Write(&buf, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1+4*min(w, 64)))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return buf.Bytes()
}

// backendFolder writes an ONNX backend-test folder with one data set.
func backendFolder(t *testing.T, dir string, m *onnxpb.ModelProto, inputs, outputs []*onnxpb.TensorProto) string {
	t.Helper()
	writeFile(t, filepath.Join(dir, "model.onnx"), marshal(t, m))
	for i, in := range inputs {
		writeFile(t, filepath.Join(dir, "test_data_set_0", "input_"+itoa(i)+".pb"), marshal(t, in))
	}
	for i, out := range outputs {
		writeFile(t, filepath.Join(dir, "test_data_set_0", "output_"+itoa(i)+".pb"), marshal(t, out))
	}
	return dir
}

func itoa(i int) string { return string(rune('0' + i)) }

// reluFolder is a valid backend-test folder: y = Relu(x) for x [2].
func reluFolder(t *testing.T, dir string) string {
	m := model(13, &onnxGraph{
		Node:   []*onnxNode{node("Relu", "relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x", 2)},
		Output: []*onnxValueInfo{floatValueInfo("y", 2)},
	})
	x := floats("x", []int64{2}, []float32{-1, 2})
	y := floats("y", []int64{2}, []float32{0, 2})
	return backendFolder(t, dir, m, []*onnxTensor{x}, []*onnxTensor{y})
}

// TestCLIRejectsBadInput runs the command on bad flags, missing and
// garbage files and hostile models that it handles well today.
func TestCLIRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	garbageModel := writeFile(t, filepath.Join(dir, "garbage", "model.onnx"), []byte("this is not a protobuf \xff\xff\xff"))
	writeFile(t, filepath.Join(dir, "garbage", "test_data_set_0", "input_0.pb"), []byte("junk"))
	notImage := writeFile(t, filepath.Join(dir, "notimage.png"), []byte("GIF89a but not really"))
	emptyImage := writeFile(t, filepath.Join(dir, "empty.png"), nil)

	good := reluFolder(t, filepath.Join(dir, "good"))
	for _, tol := range []string{`{"rtol": -1}`, `{"rtol": "x"}`, `[1, 2]`, `{"rtol": 1e400}`, `{"atol": 1}{"rtol": 1}`, `{"rtolx": 1}`, "\xff\xfe", `{"atol": NaN}`} {
		sub := filepath.Join(dir, "tol", strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, tol))
		reluFolder(t, sub)
		writeFile(t, filepath.Join(sub, "tolerance.json"), []byte(tol))
	}
	badPB := reluFolder(t, filepath.Join(dir, "badpb"))
	writeFile(t, filepath.Join(badPB, "test_data_set_0", "input_0.pb"), []byte("\x08\x01\x12\xff"))
	gap := reluFolder(t, filepath.Join(dir, "gap"))
	os.Rename(filepath.Join(gap, "test_data_set_0"), filepath.Join(gap, "test_data_set_3"))
	noSets := filepath.Join(dir, "nosets")
	writeFile(t, filepath.Join(noSets, "model.onnx"), marshal(t, model(13, &onnxGraph{
		Node:   []*onnxNode{node("Relu", "relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x", 2)},
		Output: []*onnxValueInfo{floatValueInfo("y", 2)},
	})))
	wrongShape := reluFolder(t, filepath.Join(dir, "wrongshape"))
	writeFile(t, filepath.Join(wrongShape, "test_data_set_0", "input_0.pb"), marshal(t, floats("x", []int64{3}, []float32{1, 2, 3})))
	hugeDims := reluFolder(t, filepath.Join(dir, "hugedims"))
	writeFile(t, filepath.Join(hugeDims, "test_data_set_0", "input_0.pb"), marshal(t, &onnxTensor{
		Dims: []int64{1 << 40, 1 << 40}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: []byte{1, 2, 3, 4},
	}))
	modelIsDir := filepath.Join(dir, "modelisdir")
	os.MkdirAll(filepath.Join(modelIsDir, "model.onnx"), 0o755)

	checkCLIFails(t, []cliCase{
		{"no command", nil},
		{"unknown command", []string{"frobnicate"}},
		{"unknown flag", []string{"classify", "-nosuchflag"}},
		{"bad int flag", []string{"bench", "-runs", "many"}},
		{"negative k", []string{"classify", "-k", "-1"}},
		{"bad invert", []string{"classify", "-invert", "maybe"}},
		{"zero batch", []string{"bench", "-batch", "0"}},
		{"bad shape", []string{"bench", "-shape", "1,x"}},
		{"negative shape", []string{"bench", "-shape", "-1,1,28,28"}},
		{"wrong rank shape", []string{"bench", "-shape", "1,28,28", "-peak=false", "-warmup", "0", "-runs", "1"}},
		{"two models", []string{"bench", "a.onnx", "b.onnx"}},
		{"missing model", []string{"classify", "-model", filepath.Join(dir, "missing.onnx"), notImage}},
		{"garbage model", []string{"classify", "-model", garbageModel, notImage}},
		{"model is a folder", []string{"bench", dir}},
		{"model without image", []string{"classify", "-model", garbageModel}},
		{"missing image", []string{"classify", filepath.Join(dir, "missing.png")}},
		{"not an image", []string{"classify", notImage}},
		{"empty image", []string{"classify", emptyImage}},
		{"image is a folder", []string{"classify", dir}},
		{"onnx-test without folder", []string{"onnx-test"}},
		{"onnx-test missing folder", []string{"onnx-test", filepath.Join(dir, "missing")}},
		{"onnx-test file", []string{"onnx-test", notImage}},
		{"onnx-test garbage model", []string{"onnx-test", filepath.Join(dir, "garbage")}},
		{"onnx-test bad tolerance files", []string{"onnx-test", filepath.Join(dir, "tol")}},
		{"onnx-test bad tolerance flag", []string{"onnx-test", "-rtol", "-1", good}},
		{"onnx-test NaN tolerance flag", []string{"onnx-test", "-atol", "NaN", good}},
		{"onnx-test bad input file", []string{"onnx-test", badPB}},
		{"onnx-test numbering gap", []string{"onnx-test", gap}},
		{"onnx-test no data sets", []string{"onnx-test", noSets}},
		{"onnx-test wrong input shape", []string{"onnx-test", wrongShape}},
		{"onnx-test huge input dims", []string{"onnx-test", hugeDims}},
		{"onnx-test model is a folder", []string{"onnx-test", modelIsDir}},
		{"info with argument", []string{"info", "extra"}},
	})
}

// checkCLINoCrash runs each case and reports a crash or a hang. Any exit
// status is accepted, with a message when it is not 0.
func checkCLINoCrash(t *testing.T, cases []cliCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, 2*time.Minute, c.args...)
			switch {
			case r.code == -1:
				t.Errorf("simdnn %q hangs:\n%s", c.args, headOf(r.output, 1500))
			case crashed(r.output):
				t.Errorf("simdnn %q exits %d with a Go crash:\n%s", c.args, r.code, headOf(r.output, 1500))
			case r.code != 0 && strings.TrimSpace(r.output) == "":
				t.Errorf("simdnn %q exits %d without a message", c.args, r.code)
			}
		})
	}
}
