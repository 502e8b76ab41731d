package onnx_test

import (
	"fmt"
	"log"

	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// Example loads the MNIST model embedded in package models/mnist and
// classifies the first test image. LoadFile reads a model from disk the
// same way.
func Example() {
	model, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("input:", model.Inputs()[0].Name, model.Inputs()[0].Shape)

	images, labels, err := mnist.TestSet()
	if err != nil {
		log.Fatal(err)
	}
	pixels := make([]float32, 28*28)
	images.Normalize(pixels, 0) // bytes 0–255 to [0, 1], as in training
	x, err := nn.FromSlice(pixels, 1, 1, 28, 28)
	if err != nil {
		log.Fatal(err)
	}

	logits, err := model.Predict(x) // [1, 10]; the largest is the digit
	if err != nil {
		log.Fatal(err)
	}
	best := 0
	for class, v := range logits.Data {
		if v > logits.Data[best] {
			best = class
		}
	}
	fmt.Println("predicted:", best, "label:", labels[0])
	// Output:
	// input: input [-1 1 28 28]
	// predicted: 7 label: 7
}
