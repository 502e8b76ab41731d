package onnx

import (
	"errors"
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// Load decodes an ONNX model file and builds a runnable model from it.
func Load(data []byte) (*nn.Model, error) {
	m, err := loadModel(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// LoadFile reads and loads the ONNX model file at path.
func LoadFile(path string) (*nn.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	m, err := loadModel(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return m, nil
}

// LoadGraph decodes an ONNX model file into a graph without building a
// model. It runs every check of Load except those of nn.NewModel, such as
// the check for cycles. The graph is the one Load runs: nodes whose
// inputs are all constants are replaced by their results, and each
// BatchNormalization that follows a Conv is folded into the Conv's
// weights (see foldConstants and foldBatchNorm).
func LoadGraph(data []byte) (*nn.Graph, error) {
	g, err := decodeGraph(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return g, nil
}

func loadModel(data []byte) (*nn.Model, error) {
	g, err := decodeGraph(data)
	if err != nil {
		return nil, err
	}
	m, err := nn.NewModel(*g)
	if err != nil {
		return nil, fmt.Errorf("building model: %w", err)
	}
	return m, nil
}

func decodeGraph(data []byte) (*nn.Graph, error) {
	if len(data) == 0 {
		return nil, errors.New("model file is empty")
	}
	mp := new(onnxpb.ModelProto)
	if err := proto.Unmarshal(data, mp); err != nil {
		return nil, fmt.Errorf("decoding model: %w (want an ONNX model file, which is a serialized onnx.ModelProto)", err)
	}

	opset, err := defaultOpset(mp)
	if err != nil {
		return nil, err
	}
	if mp.GetGraph() == nil {
		return nil, errors.New("model has no graph (want an ONNX model file, which is a serialized onnx.ModelProto)")
	}
	g, err := buildGraph(mp.GetGraph(), opset, mp.GetIrVersion())
	if err != nil {
		return nil, err
	}
	if err := foldConstants(g, foldLimit); err != nil {
		return nil, err
	}
	foldBatchNorm(g)
	return g, nil
}

// defaultOpset returns the version of the default ONNX domain ("" or
// "ai.onnx") that the model imports. Imports of other domains are not
// checked here, since only nodes can use them and checkDomain rejects those.
func defaultOpset(mp *onnxpb.ModelProto) (int64, error) {
	found := false
	var version int64
	for _, o := range mp.GetOpsetImport() {
		if o.GetDomain() != "" && o.GetDomain() != "ai.onnx" {
			continue
		}
		if found {
			return 0, fmt.Errorf("model imports the default ONNX domain twice, at opsets %d and %d; want one opset_import entry for it", version, o.GetVersion())
		}
		found = true
		version = o.GetVersion()
	}
	if !found {
		return 0, errors.New("model imports no opset of the default ONNX domain; want an opset_import entry with domain \"\" and the opset version")
	}
	if version < 1 {
		return 0, fmt.Errorf("model imports opset %d of the default ONNX domain, want ≥ 1", version)
	}
	return version, nil
}
