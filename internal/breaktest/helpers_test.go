package breaktest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/kernels"
)

// childEnv names the environment variable that selects the test that a
// re-executed test binary runs as a child process.
const childEnv = "BREAKTEST_CHILD"

// inChild reports whether this process is the child that runChild started
// for the calling test. The child limits its address space to limit bytes,
// so that an allocation of tens of gigabytes fails at once with Go's
// "fatal error: out of memory" instead of swapping or meeting the OOM
// killer.
func inChild(t *testing.T, limit uint64) bool {
	if os.Getenv(childEnv) != t.Name() {
		return false
	}
	lim := syscall.Rlimit{Cur: limit, Max: limit}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	return true
}

// runChild runs the calling test again in a child process and returns its
// combined output and whether it passed. Tests use it for inputs that
// kill the process (a fatal error or a panic on a worker goroutine), which
// no recover can catch.
func runChild(t *testing.T, timeout time.Duration) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		// Under qemu-user (go test -exec qemu-aarch64) the test binary is
		// for another architecture, and the kernel runs it only where
		// binfmt_misc hands such binaries to qemu.
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("the test binary cannot start itself here (%v): an emulated GOARCH without binfmt_misc", err)
		}
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err == nil
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		return out.String() + "\n(child killed after " + timeout.String() + ")", false
	}
}

// headOf returns the first n bytes of s, for logs.
func headOf(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ONNX builders.

func shapeProto(elem onnxpb.TensorProto_DataType, dims ...int64) *onnxpb.TypeProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnxpb.TensorShapeProto_Dimension{}
		if d >= 0 {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
		} else {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "free"}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(elem)),
		Shape:    shape,
	}}}
}

// value declares a graph value; a negative dimension is symbolic.
func value(name string, elem onnxpb.TensorProto_DataType, dims ...int64) *onnxpb.ValueInfoProto {
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: shapeProto(elem, dims...)}
}

func floatValueInfo(name string, dims ...int64) *onnxpb.ValueInfoProto {
	return value(name, onnxpb.TensorProto_FLOAT, dims...)
}

func floats(name string, dims []int64, values []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: raw}
}

func int64s(name string, dims []int64, values []int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: values}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrTensor(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_TENSOR.Enum(), T: t}
}

func node(op, name string, inputs, outputs []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: inputs, Output: outputs, Attribute: attrs}
}

func model(opset int64, g *onnxpb.GraphProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       g,
	}
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Short names for the generated ONNX types.
type (
	onnxGraph     = onnxpb.GraphProto
	onnxNode      = onnxpb.NodeProto
	onnxTensor    = onnxpb.TensorProto
	onnxValueInfo = onnxpb.ValueInfoProto
)

// warmWorkers starts the kernels' worker pool and lets its goroutines
// block on their channel, so that the next parallel call hands pieces to
// workers rather than running them on the caller.
func warmWorkers() {
	kernels.ParallelFor(2, func(int) {})
	time.Sleep(100 * time.Millisecond)
}
