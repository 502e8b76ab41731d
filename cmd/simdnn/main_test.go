package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simdnn/simdnn/internal/peak"
	"github.com/simdnn/simdnn/models/mnist"
)

// runCommand runs the command line args and returns the exit code and
// what was written to stdout and stderr.
func runCommand(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&stderr, nil))
	code := run(args, &stdout, &stderr, logger)
	return code, stdout.String(), stderr.String()
}

func TestClassifyEmbeddedTestSet(t *testing.T) {
	if testing.Short() {
		t.Skip("classifies 10,000 images")
	}
	code, out, errOut := runCommand("classify", "-batch", "250")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	m := regexp.MustCompile(`accuracy:\s+([0-9.]+) %`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no accuracy line in output:\n%s", out)
	}
	accuracy, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("accuracy %q: %v", m[1], err)
	}
	if accuracy < 98.5 {
		t.Errorf("accuracy %.2f %%, want at least 98.5 %%", accuracy)
	}
	for _, want := range []string{"images:     10000", "images/s", "kernels:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// writeDigit writes test image i as a PNG, dark on light when invert is
// set, scaled up by scale, and returns the path and the true label.
func writeDigit(t *testing.T, dir string, i, scale int, invert bool) (string, int) {
	t.Helper()
	images, labels, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, images.Cols*scale, images.Rows*scale))
	pixels := images.Image(i)
	for y := 0; y < images.Rows*scale; y++ {
		for x := 0; x < images.Cols*scale; x++ {
			v := pixels[(y/scale)*images.Cols+x/scale]
			if invert {
				v = 255 - v
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	path := filepath.Join(dir, "digit.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path, int(labels[i])
}

func TestClassifyImageFiles(t *testing.T) {
	cases := []struct {
		name   string
		scale  int
		invert bool
	}{
		{"same size", 1, false},
		{"scaled up and inverted", 3, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, label := writeDigit(t, t.TempDir(), 0, tc.scale, tc.invert)
			code, out, errOut := runCommand("classify", "-k", "2", path)
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
			}
			m := regexp.MustCompile(`: (\d) \(([0-9.]+)\) (\d) \(`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("output does not list two classes with probabilities:\n%s", out)
			}
			if m[1] != string(rune('0'+label)) {
				t.Errorf("top class %s, want %d:\n%s", m[1], label, out)
			}
			if tc.invert && !strings.Contains(out, "inverted") {
				t.Errorf("dark-on-light image was not inverted:\n%s", out)
			}
		})
	}
}

func TestClassifyRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(notImage, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	notModel := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(notModel, []byte{0xff, 0xff, 0xff}, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"classify", notImage}, 1, "decoding"},
		{[]string{"classify", filepath.Join(dir, "missing.png")}, 1, "no such file"},
		{[]string{"classify", "-model", notModel, notImage}, 1, "onnx"},
		{[]string{"classify", "-k", "0"}, 2, "-k is 0"},
		{[]string{"classify", "-invert", "maybe"}, 2, "-invert"},
		{[]string{"classify", "-nosuchflag"}, 2, "not defined"},
	}
	for _, tc := range cases {
		code, _, errOut := runCommand(tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit code %d, want %d; stderr:\n%s", tc.args, code, tc.code, errOut)
		}
		if !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.inStderr, errOut)
		}
	}
}

func TestONNXTestPassesWholeModels(t *testing.T) {
	code, out, errOut := runCommand("onnx-test", "../../testdata/models")
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "PASS ../../testdata/models/small_cnn:") {
		t.Errorf("no PASS line for small_cnn:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed$`).MatchString(out) {
		t.Errorf("no closing 'N passed, 0 failed' line:\n%s", out)
	}
}

// TestONNXTestReportsMismatch replaces the expected output of a folder
// with its input, which has another shape, and checks that the folder
// fails with exit code 1.
func TestONNXTestReportsMismatch(t *testing.T) {
	src := "../../testdata/models/small_cnn"
	dir := filepath.Join(t.TempDir(), "small_cnn")
	copyTree(t, src, dir)
	input, err := os.ReadFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test_data_set_0", "output_0.pb"), input, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, _ := runCommand("onnx-test", dir)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(out, "FAIL "+dir) || !strings.Contains(out, "0 passed, 1 failed") {
		t.Errorf("output does not report the failure:\n%s", out)
	}
}

func TestInfoNamesImplementation(t *testing.T) {
	code, out, errOut := runCommand("info")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"in use:", "implementations:", "generic", "features:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, errOut := runCommand(); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("no arguments: exit code %d, stderr:\n%s", code, errOut)
	}
	if code, _, errOut := runCommand("frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit code %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := runCommand("info", "-h"); code != 0 {
		t.Errorf("info -h: exit code %d, want 0", code)
	}
	if code, _, _ := runCommand("onnx-test"); code != 2 {
		t.Errorf("onnx-test without folders: exit code %d, want 2", code)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBenchReportsLatency(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-runs", "2", "-warmup", "1", "-peak=false", "-batch", "3"},
		{"bench", "-runs", "2", "-warmup", "0", "-peak=false", "-threads", "1", "../../testdata/models/small_cnn/model.onnx"},
	} {
		code, out, errOut := runCommand(args...)
		if code != 0 {
			t.Fatalf("%v: exit code %d, stderr:\n%s", args, code, errOut)
		}
		for _, want := range []string{"latency:    median", "images/s", "kernels:"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
	}
	code, out, errOut := runCommand("bench", "-runs", "2", "-peak=false", "-profile", "../../testdata/zoo/resnet8_cifar/model.onnx")
	if code != 0 {
		t.Fatalf("-profile: exit code %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"per node, mean of 2 runs", "per operator type:", "Conv ", "total", "GFLOPS"} {
		if !strings.Contains(out, want) {
			t.Errorf("-profile output lacks %q:\n%s", want, out)
		}
	}
	// The share of the peak needs the assembly peak loop, which purego
	// builds lack.
	code, out, errOut = runCommand("bench", "-runs", "2", "-layers", "../../testdata/zoo/resnet8_cifar/model.onnx")
	if _, measured := peak.Measure(time.Millisecond); code != 0 || (measured && !strings.Contains(out, "% of peak")) {
		t.Errorf("-layers: exit code %d, no share of the peak in the output:\n%s\nstderr:\n%s", code, out, errOut)
	}

	code, out, _ = runCommand("bench", "-runs", "1", "-peak=false", "-batch", "3")
	if code != 0 || !strings.Contains(out, `"input" [3 1 28 28]`) {
		t.Errorf("-batch 3 did not set the free batch dimension:\n%s", out)
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args     []string
		inStderr string
	}{
		{[]string{"bench", "-runs", "0"}, "-runs 0"},
		{[]string{"bench", "-shape", "1,x,28,28", "-peak=false"}, "is not a size"},
		{[]string{"bench", "a.onnx", "b.onnx"}, "at most one model"},
	}
	for _, tc := range cases {
		code, _, errOut := runCommand(tc.args...)
		if code == 0 {
			t.Errorf("%v: exit code 0, want failure", tc.args)
		}
		if !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.inStderr, errOut)
		}
	}
}

// TestClassifyTransparentDigit draws a test digit as dark ink on a fully
// transparent background, which viewers show on white: the image must be
// composited over white (and then inverted), not read as black on black.
func TestClassifyTransparentDigit(t *testing.T) {
	images, labels, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 28, 28))
	for i, p := range images.Image(0) {
		img.SetNRGBA(i%28, i/28, color.NRGBA{A: p}) // black ink, alpha = MNIST intensity
	}
	path := filepath.Join(t.TempDir(), "transparent.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, out, errOut := runCommand("classify", "-k", "1", path)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	if want := fmt.Sprintf(": %d (", labels[0]); !strings.Contains(out, want) {
		t.Errorf("top class is not %d:\n%s", labels[0], out)
	}
}

// TestClassifyFixedBatchModel classifies one image with a model exported
// for a batch of 2 and goes on past a file that cannot be read.
func TestClassifyFixedBatchModel(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	good := filepath.Join(dir, "color.png")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	missing := filepath.Join(dir, "missing.png")

	code, out, errOut := runCommand("classify", "-model", "../../testdata/models/small_cnn/model.onnx", missing, good)
	if code != 1 {
		t.Errorf("exit code %d, want 1 for the missing file", code)
	}
	if !strings.Contains(out, good+":") {
		t.Errorf("the readable image after the missing one was not classified:\n%s", out)
	}
	if !strings.Contains(errOut, "missing.png") {
		t.Errorf("stderr does not name the missing file:\n%s", errOut)
	}
}
