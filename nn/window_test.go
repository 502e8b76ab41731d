package nn

import (
	"slices"
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
		got, err := resolveWindow(layer, tc.attrs, []int{tc.kH, tc.kW}, []int{tc.h, tc.w})
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
		if p := params2D(got); p != want {
			t.Errorf("%s: params %+v, want %+v", tc.name, p, want)
		}
		if out := got.outShape(); out[0] != tc.outH || out[1] != tc.outW {
			t.Errorf("%s: output %v, want %dx%d", tc.name, out, tc.outH, tc.outW)
		}
	}
}

func TestResolveWindowRanks(t *testing.T) {
	layer := MaxPool{NodeName: "pool1"}
	cases := []struct {
		name     string
		attrs    windowAttrs
		kernel   []int
		in       []int
		pads     []int // resolved [begin..., end...]
		outShape []int
	}{
		{"1-D default", windowAttrs{}, []int{3}, []int{7}, []int{0, 0}, []int{5}},
		{"1-D SAME_LOWER stride 2", windowAttrs{autoPad: "SAME_LOWER", strides: []int{2}}, []int{4}, []int{7}, []int{2, 1}, []int{4}},
		{"1-D ceil drops the last window", windowAttrs{strides: []int{3}, pads: []int{1, 1}, ceilMode: true}, []int{3}, []int{2}, []int{1, 1}, []int{1}},
		{"3-D explicit", windowAttrs{pads: []int{1, 0, 2, 0, 1, 1}}, []int{3, 3, 3}, []int{4, 5, 6}, []int{1, 0, 2, 0, 1, 1}, []int{3, 4, 7}},
		{"3-D SAME_UPPER", windowAttrs{autoPad: "SAME_UPPER", strides: []int{2, 2, 2}}, []int{3, 3, 2}, []int{5, 6, 4}, []int{1, 0, 0, 1, 1, 0}, []int{3, 3, 2}},
		{"3-D dilations", windowAttrs{dilations: []int{2, 1, 3}}, []int{2, 2, 2}, []int{5, 5, 5}, []int{0, 0, 0, 0, 0, 0}, []int{3, 4, 2}},
	}
	for _, tc := range cases {
		got, err := resolveWindow(layer, tc.attrs, tc.kernel, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		rank := len(tc.in)
		pads := make([]int, 2*rank)
		for i, a := range got.axes {
			pads[i], pads[rank+i] = a.padBegin, a.padEnd
		}
		if !slices.Equal(pads, tc.pads) {
			t.Errorf("%s: pads %v, want %v", tc.name, pads, tc.pads)
		}
		if !slices.Equal(got.outShape(), tc.outShape) {
			t.Errorf("%s: output shape %v, want %v", tc.name, got.outShape(), tc.outShape)
		}
	}
}

func TestAxisWindowTaps(t *testing.T) {
	// Input of 4 with pads 2 and 1, kernel 3, dilation 2, stride 3. The
	// windows start at input positions -2, 1 and 4. resolve would drop the
	// third, which starts in the end padding, but its tap counts still
	// follow the same rules.
	a := axisWindow{in: 4, out: 3, kernel: 3, stride: 3, dilation: 2, padBegin: 2, padEnd: 1}
	cases := []struct {
		o                    int
		validBegin, validEnd int
		padded               int
	}{
		{0, 1, 3, 3}, // taps at -2, 0, 2
		{1, 0, 2, 2}, // taps at 1, 3, 5: 5 lies past the end padding
		{2, 0, 0, 1}, // taps at 4, 6, 8: only 4 lies in the padding
	}
	for _, tc := range cases {
		begin, end := a.validTaps(tc.o)
		if begin != tc.validBegin || end != tc.validEnd {
			t.Errorf("window %d: valid taps [%d, %d), want [%d, %d)", tc.o, begin, end, tc.validBegin, tc.validEnd)
		}
		if got := a.paddedTaps(tc.o); got != tc.padded {
			t.Errorf("window %d: %d taps in the padded input, want %d", tc.o, got, tc.padded)
		}
	}
}

func TestAxisNames(t *testing.T) {
	cases := []struct {
		i, rank int
		want    string
	}{
		{0, 1, "width"}, {0, 2, "height"}, {1, 2, "width"},
		{0, 3, "depth"}, {1, 3, "height"}, {2, 3, "width"}, {0, 4, "axis 0"},
	}
	for _, tc := range cases {
		if got := axisName(tc.i, tc.rank); got != tc.want {
			t.Errorf("axisName(%d, %d) = %q, want %q", tc.i, tc.rank, got, tc.want)
		}
	}
}
