package breaktest

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// Regression tests for windows whose strides, pads or dilations are huge
// while the input and output are tiny. ONNX files may hold values up to
// 2^31-1, and the kernels used to size their padded copies of the input by
// the padded extent. That overflowed int (a panic, which on the worker
// pool killed the process) or requested tens of GiB (a fatal out of memory
// error). Tests that could kill the process run in a child process.

// maxAttr is the largest strides or pads value that the ONNX importer
// accepts: maxAttributeValue in nn/onnx/attributes.go.
const maxAttr = 1<<31 - 1

// TestConvHugeStridesAndPadsPanic runs Conv with strides and pads of
// 2^31-1 on a 1×1 image, whose output is 3×3. It used to panic with
// "makeslice: len out of range" from kernels.newImageB.
func TestConvHugeStridesAndPadsPanic(t *testing.T) {
	x, _ := nn.New(1, 4, 1, 1)
	w, _ := nn.New(1, 4, 1, 1)
	conv := nn.Conv{NodeName: "conv", Strides: []int{maxAttr, maxAttr}, Pads: []int{maxAttr, maxAttr, maxAttr, maxAttr}}
	var out []*nn.Tensor
	err, panicked := call(func() error {
		var err error
		out, err = conv.Forward([]*nn.Tensor{x, w})
		return err
	})
	if panicked {
		t.Fatalf("Conv.Forward panics:\n%s", headOf(err.Error(), 1500))
	}
	if err == nil {
		t.Logf("output shape %v", out[0].Shape)
	}
}

// TestConvHugeStridesBatchKillsProcess runs the same Conv on a batch of 2,
// whose images run on the kernels' worker pool. The panic used to happen
// on a worker goroutine and kill the whole process.
func TestConvHugeStridesBatchKillsProcess(t *testing.T) {
	if inChild(t, 4<<30) {
		kernels.SetThreads(2)
		warmWorkers()
		x, _ := nn.New(2, 4, 1, 1)
		w, _ := nn.New(1, 4, 1, 1)
		conv := nn.Conv{NodeName: "conv", Strides: []int{maxAttr, maxAttr}, Pads: []int{maxAttr, maxAttr, maxAttr, maxAttr}}
		err, panicked := call(func() error {
			_, err := conv.Forward([]*nn.Tensor{x, w})
			return err
		})
		// Give a worker that panics time to take the process down.
		time.Sleep(time.Second)
		if panicked {
			t.Fatalf("Conv.Forward panics: %v", firstLine(err.Error()))
		}
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok {
		t.Fatalf("child process failed:\n%s", headOf(out, 3000))
	}
}

// TestConvMemoryGrowsWithStride checks that a 1-D Conv of a [3, 2, 6]
// input with stride 2^24, whose output is [3, 1, 1], allocates at most
// 16 MiB. It used to allocate about 130 MiB, because the padded copy of
// the input had rows of StrideW*ceil(paddedW/StrideW) floats.
func TestConvMemoryGrowsWithStride(t *testing.T) {
	x, _ := nn.New(3, 2, 6)
	w, _ := nn.New(1, 2, 3)
	conv := nn.Conv{NodeName: "conv", Strides: []int{1 << 24}, Pads: []int{2, 1}, Dilations: []int{3}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := conv.Forward([]*nn.Tensor{x, w})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("output %v, allocated %d MiB", out[0].Shape, allocated>>20)
	if allocated > 16<<20 {
		t.Errorf("a Conv with a [3, 1, 1] output allocated %d MiB", allocated>>20)
	}
}

// TestONNXConvHugeStrideKillsProcess loads a model with one Conv whose
// stride is 2^31-1 and runs it on a [1, 2, 6] input. The run used to
// request 16 GiB and die with "fatal error: out of memory".
func TestONNXConvHugeStrideKillsProcess(t *testing.T) {
	if inChild(t, 4<<30) {
		g := &onnxGraph{
			Node:        []*onnxNode{node("Conv", "conv", []string{"x", "w"}, []string{"y"}, attrInts("strides", maxAttr))},
			Initializer: []*onnxTensor{floats("w", []int64{1, 2, 3}, make([]float32, 6))},
			Input:       []*onnxValueInfo{floatValueInfo("x", 1, 2, 6)},
			Output:      []*onnxValueInfo{floatValueInfo("y", -1, -1, -1)},
		}
		m, err := onnx.Load(marshal(t, model(13, g)))
		if err != nil {
			t.Logf("Load: %v", err)
			return
		}
		x, _ := nn.New(1, 2, 6)
		y, err := m.Predict(x)
		if err != nil {
			t.Logf("Predict: %v", err)
			return
		}
		t.Logf("Predict: %v", y.Shape)
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok {
		t.Fatalf("child process failed:\n%s", headOf(out, 1500))
	}
	if !strings.Contains(out, "Predict") && !strings.Contains(out, "Load") {
		t.Fatalf("child said nothing useful:\n%s", headOf(out, 1500))
	}
}

// TestMaxPoolMemoryGrowsWithPads checks that MaxPool on a [1, 4, 1, 1]
// input with kernel 1×1 and strides and pads of 2^22, whose output is
// [1, 4, 3, 3], allocates at most 16 MiB. Its scratch used to contain the
// whole padded row, 64 MiB here.
func TestMaxPoolMemoryGrowsWithPads(t *testing.T) {
	x, _ := nn.New(1, 4, 1, 1)
	const p = 1 << 22
	pool := nn.MaxPool{NodeName: "pool", KernelShape: []int{1, 1}, Strides: []int{p, p}, Pads: []int{p, p, p, p}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := pool.Forward([]*nn.Tensor{x})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("output %v, allocated %d MiB", out[0].Shape, allocated>>20)
	if allocated > 16<<20 {
		t.Errorf("a MaxPool with a [1, 4, 3, 3] output allocated %d MiB", allocated>>20)
	}
}

// TestONNXMaxPoolHugePadsKillsProcess loads a MaxPool with kernel_shape
// [1], strides [2^31-1] and pads [2^31-1, 2^31-1] and runs it on a
// [1, 1, 1] input. The run used to request 32 GiB and die.
func TestONNXMaxPoolHugePadsKillsProcess(t *testing.T) {
	if inChild(t, 4<<30) {
		g := &onnxGraph{
			Node: []*onnxNode{node("MaxPool", "pool", []string{"x"}, []string{"y"},
				attrInts("kernel_shape", 1), attrInts("strides", maxAttr), attrInts("pads", maxAttr, maxAttr))},
			Input:  []*onnxValueInfo{floatValueInfo("x", 1, 1, 1)},
			Output: []*onnxValueInfo{floatValueInfo("y", -1, -1, -1)},
		}
		m, err := onnx.Load(marshal(t, model(13, g)))
		if err != nil {
			t.Logf("Load: %v", err)
			return
		}
		x, _ := nn.New(1, 1, 1)
		y, err := m.Predict(x)
		if err != nil {
			t.Logf("Predict: %v", err)
			return
		}
		t.Logf("Predict: %v", y.Shape)
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok {
		t.Fatalf("child process failed:\n%s", headOf(out, 1500))
	}
}

// TestDepthwiseConvHugeStridesAndPadsPanic is the depthwise form (group
// equal to the channels) of TestConvHugeStridesAndPadsPanic, which used to
// panic the same way.
func TestDepthwiseConvHugeStridesAndPadsPanic(t *testing.T) {
	x, _ := nn.New(1, 4, 1, 1)
	w, _ := nn.New(4, 1, 1, 1)
	conv := nn.Conv{NodeName: "dw", Group: 4, Strides: []int{maxAttr, maxAttr}, Pads: []int{maxAttr, maxAttr, maxAttr, maxAttr}}
	err, panicked := call(func() error {
		_, err := conv.Forward([]*nn.Tensor{x, w})
		return err
	})
	if panicked {
		t.Fatalf("depthwise Conv.Forward panics: %s", firstLine(err.Error()))
	}
}

// TestSgemmM1IgnoresInfTimesZero checks that 0·Inf and 0·NaN give NaN on
// the matrix-vector path of Sgemm (m = 1, B not transposed), as they do
// for m > 1. gemvBand used to skip the rows of B where A[0][p] == 0, so
// MatMul and Gemm at batch 1 hid Inf and NaN weights that batch 2 showed.
func TestSgemmM1IgnoresInfTimesZero(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, beta := range []float32{0, 1} {
		a := []float32{0, 0}
		b := []float32{inf, 1, 2, 3}
		c := []float32{0, 0}
		kernels.Sgemm(false, false, 1, 2, 2, 1, a, 2, b, 2, beta, c, 2)
		if !math.IsNaN(float64(c[0])) {
			t.Errorf("beta=%v: [0 0]·[[Inf 1] [2 3]] = %v, want [NaN 0] (m = 2 gives NaN)", beta, c)
		}
		nan := float32(math.NaN())
		b = []float32{nan, 1, 2, 3}
		c = []float32{0, 0}
		kernels.Sgemm(false, false, 1, 2, 2, 1, a, 2, b, 2, beta, c, 2)
		if !math.IsNaN(float64(c[0])) {
			t.Errorf("beta=%v: [0 0]·[[NaN 1] [2 3]] = %v, want [NaN 0]", beta, c)
		}
	}

	// The same through the layers: MatMul and Gemm without transB at
	// batch 1.
	x, _ := nn.New(1, 2)
	w, _ := nn.FromSlice([]float32{inf, 1, 2, 3}, 2, 2)
	for _, layer := range []nn.Layer{nn.MatMul{NodeName: "mm"}, nn.Gemm{NodeName: "fc", Alpha: 1, Beta: 1}} {
		out, err := layer.Forward([]*nn.Tensor{x, w})
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(float64(out[0].Data[0])) {
			t.Errorf("%s of x [1, 2] zeros and W [[Inf 1] [2 3]] = %v, want [NaN 0] as at batch 2", layer.OpType(), out[0].Data)
		}
	}
}

// TestParallelForWorkerPanicKillsProcess checks that a panic in a piece
// that runs on a worker goroutine reaches the caller of ParallelFor,
// where it can be recovered. It used to kill the process.
func TestParallelForWorkerPanicKillsProcess(t *testing.T) {
	if inChild(t, 4<<30) {
		warmWorkers()
		err, panicked := call(func() error {
			kernels.ParallelFor(2, func(i int) {
				if i == 0 {
					panic("piece 0 fails")
				}
				time.Sleep(200 * time.Millisecond)
			})
			return nil
		})
		time.Sleep(500 * time.Millisecond)
		if !panicked {
			t.Fatalf("ParallelFor returned normally although a piece panicked (err %v)", err)
		}
		return
	}
	out, ok := runChild(t, time.Minute)
	if !ok {
		t.Fatalf("child process died:\n%s", headOf(out, 1500))
	}
}

// TestONNXFoldingWorkIsUnbounded loads a 268-byte model in which two
// ConstantOfShape nodes make X [1, 1, 1, 2^22] and W [1, 1, 1, 2^22] and a
// Conv with pads of 2^22 on both sides reads them. Constant folding used
// to run that Conv inside Load, 2^45 multiply-adds, about 25 minutes on
// two cores. Load must return within 30 s.
func TestONNXFoldingWorkIsUnbounded(t *testing.T) {
	const k = 1 << 22
	shape := func(name string) *onnxTensor { return int64s(name, []int64{4}, []int64{1, 1, 1, k}) }
	fillValue := floats("one", []int64{1}, []float32{1})
	g := &onnxGraph{
		Node: []*onnxNode{
			node("ConstantOfShape", "make_x", []string{"sx"}, []string{"x"}, attrTensor("value", fillValue)),
			node("ConstantOfShape", "make_w", []string{"sw"}, []string{"w"}, attrTensor("value", fillValue)),
			node("Conv", "conv", []string{"x", "w"}, []string{"y"}, attrInts("pads", 0, k, 0, k)),
		},
		Initializer: []*onnxTensor{shape("sx"), shape("sw")},
		Output:      []*onnxValueInfo{floatValueInfo("y", -1, -1, -1, -1)},
	}
	data := marshal(t, model(13, g))
	if inChild(t, 8<<30) {
		start := time.Now()
		_, err := onnx.Load(data)
		t.Logf("Load returned after %v: %v", time.Since(start), err)
		return
	}
	t.Logf("model file: %d bytes", len(data))
	out, ok := runChild(t, 30*time.Second)
	if !ok || !strings.Contains(out, "Load returned") {
		t.Fatalf("Load of a %d-byte file did not return within 30 s:\n%s", len(data), headOf(out, 1500))
	}
}

// TestONNXFoldLimitCountsElementsNotBytes loads a ConstantOfShape [2^30]
// with an INT64 value. The fold limit used to count elements, so it
// allowed this 8 GiB result, twice the 4 GiB it documents, and the child
// died under its 6 GiB address-space limit.
func TestONNXFoldLimitCountsElementsNotBytes(t *testing.T) {
	g := &onnxGraph{
		Node: []*onnxNode{node("ConstantOfShape", "big", []string{"s"}, []string{"y"},
			attrTensor("value", int64s("v", []int64{1}, []int64{7})))},
		Initializer: []*onnxTensor{int64s("s", []int64{1}, []int64{1 << 30})},
		Output:      []*onnxValueInfo{value("y", onnxpb.TensorProto_INT64, -1)},
	}
	data := marshal(t, model(13, g))
	if inChild(t, 6<<30) {
		_, err := onnx.Load(data)
		t.Logf("Load returned: %v", err)
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok || !strings.Contains(out, "Load returned") {
		t.Fatalf("Load of a %d-byte file needs more than 6 GiB:\n%s", len(data), headOf(out, 1500))
	}
}

// TestConstantOfShapeHugeRuntimeShape runs a ConstantOfShape whose shape
// is an int64 graph input with the value [2^33]. Run used to request
// 32 GiB and die with "fatal error: out of memory". It must return an
// error instead.
func TestConstantOfShapeHugeRuntimeShape(t *testing.T) {
	if inChild(t, 4<<30) {
		m, err := nn.NewModel(nn.Graph{
			Inputs:  []nn.ValueInfo{{Name: "s", Shape: []int{1}, DType: nn.Int64}},
			Outputs: []nn.ValueInfo{{Name: "y", Shape: []int{-1}}},
			Nodes:   []nn.Node{{Layer: nn.ConstantOfShape{NodeName: "fill"}, Inputs: []string{"s"}, Outputs: []string{"y"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := nn.FromInt64([]int64{1 << 33}, 1)
		_, err = m.Run(map[string]*nn.Tensor{"s": s})
		t.Logf("Run returned: %v", err)
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok || !strings.Contains(out, "Run returned") {
		t.Fatalf("Run with a hostile shape input killed the process:\n%s", headOf(out, 1500))
	}
}

// TestONNXNodeOrderingIsQuadratic loads 20,000 and 80,000 independent Relu
// nodes. nn.NewModel used to scan its ready list with slices.Min and
// slices.DeleteFunc for every node, so 4 times the nodes took 14 times as
// long (7 s for 80,000). The best of three loads is compared, to damp
// noise from other processes.
func TestONNXNodeOrderingIsQuadratic(t *testing.T) {
	if testing.Short() {
		t.Skip("loads graphs of 80,000 nodes")
	}
	loadTime := func(n int) time.Duration {
		g := &onnxGraph{Input: []*onnxValueInfo{floatValueInfo("x", 1)}}
		for i := range n {
			out := fmt.Sprintf("y%d", i)
			g.Node = append(g.Node, node("Relu", out, []string{"x"}, []string{out}))
		}
		g.Output = []*onnxValueInfo{floatValueInfo("y0", 1)}
		data := marshal(t, model(13, g))
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			if _, err := onnx.Load(data); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := loadTime(20000), loadTime(80000)
	t.Logf("20,000 nodes: %v; 80,000 nodes: %v", small, large)
	if large > 8*small {
		t.Errorf("4 times the nodes take %.1f times as long to load", float64(large)/float64(small))
	}
}
