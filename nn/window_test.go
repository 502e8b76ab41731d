package nn

import (
	"testing"

	"github.com/simdnn/simdnn/im2col"
)

func TestResolveWindowPads(t *testing.T) {
	layer := MaxPool{NodeName: "pool1"}
	cases := []struct {
		name       string
		attrs      windowAttrs
		kH, kW     int
		h, w       int
		want       im2col.Params // kernel, stride and dilation fields filled in by the test
		outH, outW int
	}{
		{"explicit", windowAttrs{pads: []int{1, 2, 3, 4}}, 3, 3, 5, 5,
			im2col.Params{PadTop: 1, PadLeft: 2, PadBottom: 3, PadRight: 4}, 7, 9},
		{"SAME_UPPER odd total", windowAttrs{autoPad: "SAME_UPPER"}, 2, 4, 5, 5,
			im2col.Params{PadTop: 0, PadLeft: 1, PadBottom: 1, PadRight: 2}, 5, 5},
		{"SAME_LOWER odd total", windowAttrs{autoPad: "SAME_LOWER"}, 2, 4, 5, 5,
			im2col.Params{PadTop: 1, PadLeft: 2, PadBottom: 0, PadRight: 1}, 5, 5},
		{"SAME_UPPER stride 2", windowAttrs{autoPad: "SAME_UPPER", strides: []int{2, 2}}, 3, 3, 5, 6,
			im2col.Params{PadTop: 1, PadLeft: 0, PadBottom: 1, PadRight: 1}, 3, 3},
		{"SAME_UPPER dilation 3", windowAttrs{autoPad: "SAME_UPPER", dilations: []int{3, 1}}, 2, 1, 4, 4,
			im2col.Params{PadTop: 1, PadBottom: 2}, 4, 4},
		{"SAME stride larger than kernel needs no pads", windowAttrs{autoPad: "SAME_LOWER", strides: []int{3, 3}}, 1, 1, 7, 8,
			im2col.Params{}, 3, 3},
		{"SAME empty input", windowAttrs{autoPad: "SAME_UPPER"}, 3, 3, 0, 0, im2col.Params{}, 0, 0},
		{"VALID", windowAttrs{autoPad: "VALID", strides: []int{2, 2}}, 3, 3, 7, 8, im2col.Params{}, 3, 3},
		{"NOTSET ceil", windowAttrs{autoPad: "NOTSET", strides: []int{2, 2}, ceilMode: true}, 3, 3, 4, 4, im2col.Params{}, 2, 2},
		{"floor output 0", windowAttrs{strides: []int{3, 1}}, 4, 3, 2, 2, im2col.Params{}, 0, 0},
	}
	for _, tc := range cases {
		got, err := resolveWindow(layer, tc.attrs, tc.kH, tc.kW, tc.h, tc.w)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		want := tc.want
		want.KernelH, want.KernelW = tc.kH, tc.kW
		want.StrideH, want.StrideW, want.DilationH, want.DilationW = 1, 1, 1, 1
		if len(tc.attrs.strides) == 2 {
			want.StrideH, want.StrideW = tc.attrs.strides[0], tc.attrs.strides[1]
		}
		if len(tc.attrs.dilations) == 2 {
			want.DilationH, want.DilationW = tc.attrs.dilations[0], tc.attrs.dilations[1]
		}
		if got.Params != want {
			t.Errorf("%s: params %+v, want %+v", tc.name, got.Params, want)
		}
		if got.outH != tc.outH || got.outW != tc.outW {
			t.Errorf("%s: output %dx%d, want %dx%d", tc.name, got.outH, got.outW, tc.outH, tc.outW)
		}
	}
}
