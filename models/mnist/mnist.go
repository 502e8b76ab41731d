// Package mnist embeds a small trained CNN and the 10,000 MNIST test
// images, so that simdnn can show and test a real model on real data with
// no download. README.md in this folder describes each file and the
// script that made it.
package mnist

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
)

//go:embed mnist_cnn.onnx
var modelONNX []byte

//go:embed t10k-images-idx3-ubyte.gz
var testImagesGz []byte

//go:embed t10k-labels-idx1-ubyte.gz
var testLabelsGz []byte

//go:embed torch_logits_1000.f32
var torchLogits []byte

// Classes is the number of digit classes, the length of one row of logits.
const Classes = 10

// ModelONNX returns the trained model as an ONNX file (opset 13). Its input
// "input" is [N, 1, 28, 28] with pixels scaled to [0, 1]; its output
// "logits" is [N, 10].
func ModelONNX() []byte { return modelONNX }

// TestSet returns the 10,000 MNIST test images and their labels.
func TestSet() (*Images, []byte, error) {
	images, err := ReadImages(bytes.NewReader(testImagesGz))
	if err != nil {
		return nil, nil, err
	}
	labels, err := ReadLabels(bytes.NewReader(testLabelsGz))
	if err != nil {
		return nil, nil, err
	}
	if len(labels) != images.Count {
		return nil, nil, fmt.Errorf("mnist: %d test images but %d labels", images.Count, len(labels))
	}
	return images, labels, nil
}

// TorchLogits returns the logits that PyTorch computed with the same model
// for the first 1000 test images: Classes values per image, so the result
// has 1000*Classes elements, image after image.
func TorchLogits() []float32 {
	logits := make([]float32, len(torchLogits)/4)
	for i := range logits {
		logits[i] = math.Float32frombits(binary.LittleEndian.Uint32(torchLogits[4*i:]))
	}
	return logits
}

// Normalize writes the pixels of image i, scaled from 0–255 to [0, 1] as
// the model was trained, into dst, which must hold Rows*Cols values.
func (im *Images) Normalize(dst []float32, i int) {
	for j, p := range im.Image(i) {
		dst[j] = float32(p) / 255
	}
}
