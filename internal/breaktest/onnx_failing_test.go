//go:build breaktest

package breaktest

import (
	"strings"
	"testing"
	"time"

	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// FAILS: a 232-byte model makes onnx.Load compute for about 11 s on two
// cores, and the work is not bounded by the file's size. Constant folding
// no longer runs Conv, but nn.NewModel's planning still runs every node
// whose inputs are constants when its output fits planConstantBudget
// (2^22 elements), whatever the node costs. Here two ConstantOfShape
// nodes make X [1, 1, 2^17+2^14-1] and W [2^8, 1, 2^17], and the Conv
// output [1, 2^8, 2^14] fits the budget but costs 2^39 multiply-adds.
// Many such nodes add up, and a larger W (up to the 4 GiB fold limit)
// costs more. Planning should bound the work of the nodes it computes,
// or leave costly ones to run time.
func TestONNXPlanningWorkIsUnbounded(t *testing.T) {
	const p, m, o = 1 << 17, 1 << 8, 1 << 14
	fillValue := floats("one", []int64{1}, []float32{1})
	g := &onnxGraph{
		Node: []*onnxNode{
			node("ConstantOfShape", "make_x", []string{"sx"}, []string{"x"}, attrTensor("value", fillValue)),
			node("ConstantOfShape", "make_w", []string{"sw"}, []string{"w"}, attrTensor("value", fillValue)),
			node("Conv", "conv", []string{"x", "w"}, []string{"y"}),
		},
		Initializer: []*onnxTensor{
			int64s("sx", []int64{3}, []int64{1, 1, p + o - 1}),
			int64s("sw", []int64{3}, []int64{m, 1, p}),
		},
		Output: []*onnxValueInfo{floatValueInfo("y", -1, -1, -1)},
	}
	data := marshal(t, model(13, g))
	if inChild(t, 8<<30) {
		start := time.Now()
		_, err := onnx.Load(data)
		t.Logf("Load returned after %v: %v", time.Since(start), err)
		return
	}
	out, ok := runChild(t, 5*time.Second)
	if !ok || !strings.Contains(out, "Load returned") {
		t.Fatalf("Load of a %d-byte file did not return within 5 s:\n%s", len(data), headOf(out, 1500))
	}
}

// FAILS: nn's tensor limit of 2^31 elements (maxElements in nn/tensor.go)
// is per tensor and counts elements, so a hostile run-time value can
// still request 16 GiB in one allocation. The comment there promises "an
// error rather than an allocation that ends the process", but a
// ConstantOfShape with an INT64 value whose shape is an int64 graph input
// of [2^31] requests 16 GiB, and under an 8 GiB address-space limit the
// child dies with "fatal error: out of memory". A model with several such
// nodes multiplies that. A per-run byte budget, or a limit in bytes,
// would keep the promise.
func TestConstantOfShapeAtTensorLimit(t *testing.T) {
	if inChild(t, 8<<30) {
		seven, _ := nn.FromInt64([]int64{7}, 1)
		m, err := nn.NewModel(nn.Graph{
			Inputs:  []nn.ValueInfo{{Name: "s", Shape: []int{1}, DType: nn.Int64}},
			Outputs: []nn.ValueInfo{{Name: "y", Shape: []int{-1}, DType: nn.Int64}},
			Nodes:   []nn.Node{{Layer: nn.ConstantOfShape{NodeName: "fill", Value: seven}, Inputs: []string{"s"}, Outputs: []string{"y"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := nn.FromInt64([]int64{1 << 31}, 1)
		_, err = m.Run(map[string]*nn.Tensor{"s": s})
		t.Logf("Run returned: %v", err)
		return
	}
	out, ok := runChild(t, 2*time.Minute)
	if !ok || !strings.Contains(out, "Run returned") {
		t.Fatalf("Run with a shape input at the tensor limit killed the process:\n%s", headOf(out, 1500))
	}
}
