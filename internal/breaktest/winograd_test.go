package breaktest

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/nn"
)

// Tests of the Winograd, pointwise, depthwise plane and 3x3/2 max-pool
// paths through the public model API.

// normals returns n standard normal values times scale.
func normals(r *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * float32(r.NormFloat64())
	}
	return v
}

// conv3x3Ref is a 3x3 stride-1 convolution of one image x [c, h, w] with
// w [m, c, 3, 3], pads pt, pl, pb, pr, summed in float64.
func conv3x3Ref(x, w []float32, c, h, wd, m, pt, pl, pb, pr int) []float64 {
	oh, ow := h+pt+pb-2, wd+pl+pr-2
	out := make([]float64, m*oh*ow)
	for o := range m {
		for y := range oh {
			for xx := range ow {
				var s float64
				for ci := range c {
					for i := range 3 {
						for j := range 3 {
							iy, ix := y-pt+i, xx-pl+j
							if iy >= 0 && iy < h && ix >= 0 && ix < wd {
								s += float64(w[((o*c+ci)*3+i)*3+j]) * float64(x[(ci*h+iy)*wd+ix])
							}
						}
					}
				}
				out[(o*oh+y)*ow+xx] = s
			}
		}
	}
	return out
}

// winogradNet builds a model with a free batch size that runs every new
// path: Winograd F(4x4) with goroutines sharing one block (128 channels at
// 16x16) and with a block each, max pooling 3x3/2, pointwise and depthwise
// plane convolution, and Winograd F(2x2) on a 4x4 map.
func winogradNet(t *testing.T, r *rand.Rand) *nn.Model {
	init := map[string]*nn.Tensor{}
	param := func(name string, shape ...int) string {
		n := 1
		for _, s := range shape {
			n *= s
		}
		init[name], _ = nn.FromSlice(normals(r, n, 0.1), shape...)
		return name
	}
	pad1 := []int{1, 1, 1, 1}
	nodes := []nn.Node{
		{Layer: nn.Conv{Pads: pad1}, Inputs: []string{"x", param("w1", 128, 128, 3, 3), param("b1", 128)}, Outputs: []string{"a"}},
		{Layer: nn.Relu{}, Inputs: []string{"a"}, Outputs: []string{"ar"}},
		{Layer: nn.MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: pad1}, Inputs: []string{"ar"}, Outputs: []string{"p"}},
		{Layer: nn.Conv{Pads: []int{0, 1, 2, 1}}, Inputs: []string{"p", param("w2", 128, 128, 3, 3)}, Outputs: []string{"c"}},
		{Layer: nn.Conv{}, Inputs: []string{"c", param("w3", 64, 128, 1, 1)}, Outputs: []string{"d"}},
		{Layer: nn.Conv{Group: 64, Strides: []int{2, 2}, Pads: pad1}, Inputs: []string{"d", param("w4", 64, 1, 3, 3)}, Outputs: []string{"e"}},
		{Layer: nn.Conv{Pads: pad1}, Inputs: []string{"e", param("w5", 512, 64, 3, 3)}, Outputs: []string{"f"}},
		{Layer: nn.Conv{Pads: pad1}, Inputs: []string{"f", param("w6", 512, 512, 3, 3)}, Outputs: []string{"y"}},
	}
	m, err := nn.NewModel(nn.Graph{
		Inputs:       []nn.ValueInfo{{Name: "x", Shape: []int{-1, 128, 16, 16}}},
		Outputs:      []nn.ValueInfo{{Name: "y"}},
		Initializers: init,
		Nodes:        nodes,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func firstBitDiff(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestWinogradNetConcurrentThreads runs winogradNet from six goroutines
// with Run and PredictInto while another goroutine keeps changing the
// thread count. Outputs must equal a serial one-thread run bit for bit,
// and each image of a batch must equal the same image run alone.
func TestWinogradNetConcurrentThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m := winogradNet(t, r)
	defer kernels.SetThreads(0)
	kernels.SetThreads(1)
	var xs, wants []*nn.Tensor
	for b := 1; b <= 3; b++ {
		x, _ := nn.FromSlice(normals(r, b*128*256, 1), b, 128, 16, 16)
		y, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		xs, wants = append(xs, x), append(wants, y)
	}
	for i := range 3 {
		x1, _ := nn.FromSlice(xs[2].Data[i*128*256:(i+1)*128*256], 1, 128, 16, 16)
		y1, err := m.Predict(x1)
		if err != nil {
			t.Fatal(err)
		}
		n := len(y1.Data)
		if at := firstBitDiff(y1.Data, wants[2].Data[i*n:(i+1)*n]); at >= 0 {
			t.Errorf("image %d of a batch of 3 differs from the image alone at %d", i, at)
		}
	}

	stop := make(chan struct{})
	flipped := make(chan struct{})
	go func() {
		defer close(flipped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				kernels.SetThreads([]int{1, 2, 3, 8}[i%4])
			}
		}
	}()
	var wg sync.WaitGroup
	for gr := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 4 {
				k := (gr + it) % 3
				want := wants[k]
				y := &nn.Tensor{Shape: want.Shape, DType: want.DType, Data: make([]float32, len(want.Data))}
				var err error
				if it%2 == 0 {
					err = m.PredictInto(y, xs[k])
				} else {
					var out map[string]*nn.Tensor
					if out, err = m.Run(map[string]*nn.Tensor{"x": xs[k]}); err == nil {
						y = out["y"]
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
				if at := firstBitDiff(y.Data, want.Data); at >= 0 {
					t.Errorf("goroutine %d, run %d, batch %d: differs at %d: %g, want %g", gr, it, k+1, at, y.Data[at], want.Data[at])
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flipped
}

// TestMaxPool3x3Stride2Reference compares MaxPool 3x3/2 with a scalar
// reference. Pads of 0 and 1 in any combination, with and without
// ceil_mode, run the plane kernel, and the maps contain NaN, -Inf and
// both zeros.
func TestMaxPool3x3Stride2Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	bad := 0
	for range 800 {
		h, w, c := 1+r.IntN(20), 1+r.IntN(40), 1+r.IntN(3)
		pt, pl, pb, pr := r.IntN(2), r.IntN(2), r.IntN(2), r.IntN(2)
		ceil := r.IntN(2) == 0
		x := normals(r, c*h*w, 1)
		for i := range x {
			switch r.IntN(30) {
			case 0:
				x[i] = float32(math.NaN())
			case 1:
				x[i] = float32(math.Inf(-1))
			case 2:
				x[i] = float32(math.Copysign(0, -1))
			case 3:
				x[i] = 0
			}
		}
		xt, _ := nn.FromSlice(x, 1, c, h, w)
		pool := nn.MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{pt, pl, pb, pr}, CeilMode: ceil}
		m, err := nn.NewModel(nn.Graph{
			Inputs:  []nn.ValueInfo{{Name: "x", Shape: []int{1, c, h, w}}},
			Outputs: []nn.ValueInfo{{Name: "y"}},
			Nodes:   []nn.Node{{Layer: pool, Inputs: []string{"x"}, Outputs: []string{"y"}}},
		})
		if err != nil {
			continue // an output size of 0 or less
		}
		y, err := m.Predict(xt)
		if err != nil {
			t.Fatal(err)
		}
		oh, ow := y.Shape[2], y.Shape[3]
		for i, got := range y.Data {
			ch, oy, ox := i/(oh*ow), i/ow%oh, i%ow
			want := float32(math.Inf(-1))
			for dy := range 3 {
				for dx := range 3 {
					iy, ix := 2*oy-pt+dy, 2*ox-pl+dx
					if iy >= 0 && iy < h && ix >= 0 && ix < w {
						want = max(want, x[(ch*h+iy)*w+ix])
					}
				}
			}
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				if bad++; bad <= 5 {
					t.Errorf("%dx%d, pads %d %d %d %d, ceil_mode %v: output (%d, %d, %d) is %g, want %g", h, w, pt, pl, pb, pr, ceil, ch, oy, ox, got, want)
				}
			}
		}
	}
}
