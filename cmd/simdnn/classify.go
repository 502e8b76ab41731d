package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", "[IMAGE...]", stderr)
	modelPath := fs.String("model", "", "ONNX model `file`; without it, the embedded MNIST model")
	topK := fs.Int("k", 3, "number of most probable classes to print for each image")
	batch := fs.Int("batch", 100, "images per inference on the embedded test set")
	invertMode := fs.String("invert", "auto", "invert gray images: auto (when the border is lighter than the centre), yes or no")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *topK < 1 {
		return usageError(fs, "-k is %d, want at least 1", *topK)
	}
	if *batch < 1 {
		return usageError(fs, "-batch is %d, want at least 1", *batch)
	}
	if *invertMode != "auto" && *invertMode != "yes" && *invertMode != "no" {
		return usageError(fs, "-invert is %q, want auto, yes or no", *invertMode)
	}

	model, name, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		if *modelPath != "" {
			return usageError(fs, "-model needs at least one IMAGE to classify")
		}
		return classifyTestSet(model, *batch, stdout)
	}
	return classifyImages(model, name, fs.Args(), *topK, *invertMode, stdout, stderr)
}

func loadModel(path string) (*nn.Model, string, error) {
	if path == "" {
		model, err := onnx.Load(mnist.ModelONNX())
		return model, "embedded MNIST CNN", err
	}
	model, err := onnx.LoadFile(path)
	return model, filepath.Base(path), err
}

// classifyTestSet runs the embedded model on the 10,000 MNIST test images
// and prints its accuracy and speed.
func classifyTestSet(model *nn.Model, batch int, stdout io.Writer) error {
	images, labels, err := mnist.TestSet()
	if err != nil {
		return err
	}
	pixels := images.Rows * images.Cols
	batch = min(batch, images.Count)
	input := make([]float32, batch*pixels)

	correct := 0
	var elapsed time.Duration
	for first := 0; first < images.Count; first += batch {
		n := min(batch, images.Count-first)
		for i := 0; i < n; i++ {
			images.Normalize(input[i*pixels:(i+1)*pixels], first+i)
		}
		x, err := nn.FromSlice(input[:n*pixels], n, 1, images.Rows, images.Cols)
		if err != nil {
			return err
		}

		start := time.Now()
		logits, err := model.Predict(x)
		elapsed += time.Since(start)
		if err != nil {
			return err
		}
		if len(logits.Shape) != 2 || logits.Shape[0] != n {
			return fmt.Errorf("model output has shape %v, want [%d classes]", logits.Shape, n)
		}
		classes := logits.Shape[1]
		for i := 0; i < n; i++ {
			if argmax(logits.Data[i*classes:(i+1)*classes]) == int(labels[first+i]) {
				correct++
			}
		}
	}

	fmt.Fprintf(stdout, "model:      embedded MNIST CNN\n")
	fmt.Fprintf(stdout, "kernels:    %s\n", kernels.Implementation())
	fmt.Fprintf(stdout, "images:     %d\n", images.Count)
	fmt.Fprintf(stdout, "accuracy:   %.2f %% (%d/%d)\n", 100*float64(correct)/float64(images.Count), correct, images.Count)
	fmt.Fprintf(stdout, "throughput: %.0f images/s (batch %d, %.3f s of inference)\n", float64(images.Count)/elapsed.Seconds(), min(batch, images.Count), elapsed.Seconds())
	return nil
}

// classifyImages runs model on each image file and prints its k most
// probable classes.
func classifyImages(model *nn.Model, name string, paths []string, k int, invertMode string, stdout, stderr io.Writer) error {
	inputs := model.Inputs()
	if len(inputs) != 1 || len(inputs[0].Shape) != 4 {
		return fmt.Errorf("model %s has inputs %v; classify needs one input of shape [N, C, H, W]", name, inputs)
	}
	shape := inputs[0].Shape
	channels, h, w := shape[1], shape[2], shape[3]
	if channels < 1 || h < 1 || w < 1 {
		return fmt.Errorf("model %s input %q has shape %v; classify needs fixed channels, height and width", name, inputs[0].Name, shape)
	}
	if float64(max(shape[0], 1))*float64(channels)*float64(h)*float64(w) > maxInputElements {
		return fmt.Errorf("model %s input %q has shape %v, more than the %d elements classify feeds a model", name, inputs[0].Name, shape, maxInputElements)
	}

	// A model exported with a fixed batch size needs exactly that many
	// images per run: the image fills every slot, and row 0 is read.
	batch := max(shape[0], 1)
	failed := 0
	for _, path := range paths {
		probs, note, err := classifyOne(model, path, batch, channels, h, w, invertMode)
		if err != nil {
			// Report the file and go on with the others.
			fmt.Fprintf(stderr, "simdnn classify: %s: %v\n", path, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "%s%s:", path, note)
		for _, class := range topClasses(probs, k) {
			fmt.Fprintf(stdout, " %d (%.4f)", class, probs[class])
		}
		fmt.Fprintln(stdout)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be classified", failed, len(paths))
	}
	return nil
}

// classifyOne loads one image, shapes it for the model and returns the
// class probabilities, with a note when the image was inverted.
func classifyOne(model *nn.Model, path string, batch, channels, h, w int, invertMode string) ([]float64, string, error) {
	img, err := loadImage(path)
	if err != nil {
		return nil, "", err
	}
	pixels, err := imageToCHW(img, channels, h, w)
	if err != nil {
		return nil, "", err
	}
	note := ""
	switch {
	case channels == 1 && invertMode == "yes":
		invert(pixels)
		note = " (inverted)"
	case channels == 1 && invertMode == "auto" && invertIfLight(pixels, h, w):
		note = " (inverted: dark on light)"
	}

	data := make([]float32, 0, batch*len(pixels))
	for range batch {
		data = append(data, pixels...)
	}
	x, err := nn.FromSlice(data, batch, channels, h, w)
	if err != nil {
		return nil, "", err
	}
	out, err := model.Predict(x)
	if err != nil {
		return nil, "", err
	}
	classes := len(out.Data) / batch
	return probabilities(out.Data[:classes]), note, nil
}

// maxInputElements bounds the input tensors that classify and bench build:
// 2^28 float32s, 1 GiB, far more than any image classifier takes, so that
// a model or flag asking for more gets an error instead of exhausting
// memory.
const maxInputElements = 1 << 28

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// probabilities returns scores unchanged if they already form a
// probability distribution (non-negative, summing to 1 within 1e-3, as a
// model that ends in Softmax gives), and their softmax otherwise.
func probabilities(scores []float32) []float64 {
	probs := make([]float64, len(scores))
	var sum float64
	distribution := true
	for i, v := range scores {
		probs[i] = float64(v)
		sum += float64(v)
		if v < 0 || v > 1 || v != v {
			distribution = false
		}
	}
	if distribution && math.Abs(sum-1) <= 1e-3 {
		return probs
	}

	maxScore := math.Inf(-1)
	for _, v := range probs {
		maxScore = math.Max(maxScore, v)
	}
	sum = 0
	for i, v := range probs {
		probs[i] = math.Exp(v - maxScore)
		sum += probs[i]
	}
	for i := range probs {
		probs[i] /= sum
	}
	return probs
}

// topClasses returns the indices of the k largest probabilities, largest
// first.
func topClasses(probs []float64, k int) []int {
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return 0
	})
	return order[:min(k, len(order))]
}
