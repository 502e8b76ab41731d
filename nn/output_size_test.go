package nn

import "testing"

// These cases ask for outputs or buffers beyond maxElements, about 2^59
// elements, from small inputs. Each layer must reject them before it
// allocates anything.
func TestLayersRejectOversizedOutputs(t *testing.T) {
	pixel := mustTensor(t, []float32{1}, 1, 1, 1, 1)
	kernel32, _ := New(1, 1, 32, 32)
	channels64, _ := New(64, 1, 1, 1)
	wide, _ := New(1<<30, 0)
	tall, _ := New(0, 1<<30)

	cases := []struct {
		name   string
		layer  Layer
		inputs []*Tensor
		want   string
	}{
		// 1024 patch rows of 2^25 x 2^25 output positions: the output has
		// 2^50 elements, the im2col buffer 2^60.
		{"conv im2col buffer", Conv{NodeName: "conv1", Pads: []int{0, 0, 1<<25 + 30, 1<<25 + 30}},
			[]*Tensor{pixel, kernel32}, "im2col buffer: shape [1024 33554432 33554432] has more than"},
		// 64 channels of 2^27 x 2^27: 2^60 output elements.
		{"conv output", Conv{NodeName: "conv1", Pads: []int{0, 0, 1<<27 - 1, 1<<27 - 1}},
			[]*Tensor{pixel, channels64}, "shape [1 134217728 134217728] has more than"},
		{"maxpool output", MaxPool{NodeName: "pool1", KernelShape: []int{1, 1}, Pads: []int{0, 0, 1 << 30, 1 << 30}},
			[]*Tensor{pixel}, "output: shape [1 1 1073741825 1073741825] has more than"},
		{"gemm output", Gemm{NodeName: "fc1", Alpha: 1}, []*Tensor{wide, tall}, "output: shape [1073741824 1073741824] has more than"},
		{"matmul output", MatMul{NodeName: "mm1"}, []*Tensor{wide, tall}, "output: shape [1073741824 1073741824] has more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.layer, tc.want, tc.inputs...)
		})
	}
}
