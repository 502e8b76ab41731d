package onnx

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// TestLoadBadFiles checks that each kind of broken model file gives an
// error that names the problem, and that none of them panics.
func TestLoadBadFiles(t *testing.T) {
	light, err := os.ReadFile(filepath.Join(backendDir, "light", "squeezenet", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), light...)
	for i := 100; i < 120; i++ {
		corrupt[i] = 0xff
	}
	external := constantWeightsModel(4, 3)
	external.Graph.Initializer[0].Int64Data = nil
	external.Graph.Initializer[0].DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
	external.Graph.Initializer[0].ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("w.bin")}}
	hugeInput := reluModel()
	hugeInput.Graph.Input[0] = floatValue("x", 1<<40, 1<<40)
	hugeDims := constantWeightsModel(4, 3)
	hugeDims.Graph.Initializer[0].Dims = []int64{1 << 40}
	unknown := reluModel()
	unknown.Graph.Node[0].OpType = proto.String("NonMaxSuppression")
	cycle := modelProto(13, &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			nodeProto("Add", "a", []string{"x", "b_out"}, []string{"a_out"}),
			nodeProto("Sigmoid", "b", []string{"a_out"}, []string{"b_out"}),
		},
		Input:  []*onnxpb.ValueInfoProto{floatValue("x", 2)},
		Output: []*onnxpb.ValueInfoProto{floatValue("a_out", 2)},
	})

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", light[:len(light)/2], "decoding model"},
		{"corrupt", corrupt, "decoding model"},
		{"huge ConstantOfShape", marshal(t, constantWeightsModel(1<<20, 1<<20)), "has more than 1073741824 elements"},
		{"huge declared input", marshal(t, hugeInput), `node "relu1": output "y": shape [1099511627776 1099511627776] has more than`},
		{"dims without data", marshal(t, hugeDims), `tensor "w_shape": shape [1099511627776] has more than 1073741824 elements`},
		{"cycle", marshal(t, cycle), `graph has a cycle: nodes ["a" "b"]`},
		{"unknown operator", marshal(t, unknown), "operator NonMaxSuppression at opset 13 is not supported; supported operators: "},
		{"external data", marshal(t, external), `tensor "w_shape" stores its data in an external file (location "w.bin")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.data)
			if err == nil {
				t.Fatal("Load returned no error")
			}
			checkContains(t, err.Error(), tt.want)
		})
	}
}
