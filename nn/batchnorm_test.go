package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refBatchNorm normalizes x [N, C, ...] per channel in float64.
func refBatchNorm(x *Tensor, scale, bias, mean, variance []float32, eps float64) []float64 {
	channels := 1
	if len(x.Shape) > 1 {
		channels = x.Shape[1]
	}
	plane := len(x.Data) / (x.Shape[0] * channels)
	out := make([]float64, len(x.Data))
	for i, v := range x.Data {
		c := i / plane % channels
		out[i] = (float64(v)-float64(mean[c]))/math.Sqrt(float64(variance[c])+eps)*float64(scale[c]) + float64(bias[c])
	}
	return out
}

func TestBatchNormalization(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, shape := range [][]int{{2, 3, 4, 5}, {2, 3}, {2, 3, 7}, {1, 2, 2, 3, 2}, {5}} {
		channels := 1
		if len(shape) > 1 {
			channels = shape[1]
		}
		x := randomTensor(t, rng, shape...)
		scale, bias, mean := randomTensor(t, rng, channels), randomTensor(t, rng, channels), randomTensor(t, rng, channels)
		variance := randomTensor(t, rng, channels)
		for i := range variance.Data {
			variance.Data[i] = 0.1 + variance.Data[i]*variance.Data[i]
		}

		bn := BatchNormalization{NodeName: "bn", Epsilon: 1e-5}
		y := forwardOne(t, bn, x, scale, bias, mean, variance)
		want := refBatchNorm(x, scale.Data, bias.Data, mean.Data, variance.Data, float64(float32(1e-5)))
		tol := make([]float64, len(want))
		for i, w := range want {
			tol[i] = 1e-7 * (1 + math.Abs(w))
		}
		checkClose(t, "BatchNormalization", y.Data, want, tol)
		if !sameShape(y.Shape, shape) {
			t.Errorf("shape %v, want %v", y.Shape, shape)
		}
	}
}

func TestBatchNormalizationErrors(t *testing.T) {
	x := mustTensor(t, make([]float32, 12), 2, 3, 2)
	p3 := mustTensor(t, make([]float32, 3), 3)
	p2 := mustTensor(t, make([]float32, 2), 2)
	bn := BatchNormalization{NodeName: "bn"}
	wantError(t, bn, "input input_var is a float32 tensor of shape [2], want float32 of shape [3] for X of shape [2 3 2]", x, p3, p3, p3, p2)
	wantError(t, bn, "input scale is a float32 tensor of shape [2 3 2], want float32 of shape [3]", x, x, p3, p3, p3)
	wantError(t, bn, "got 4 inputs, want 5", x, p3, p3, p3)
	wantError(t, bn, "input X is a float32 tensor of shape [], want float32 of rank at least 1", mustTensor(t, []float32{1}), p3, p3, p3, p3)
}
