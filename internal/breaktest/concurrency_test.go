package breaktest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// mnistBatch returns images [first, first+n) of the MNIST test set as one
// [n, 1, 28, 28] tensor.
func mnistBatch(t *testing.T, images *mnist.Images, first, n int) *nn.Tensor {
	t.Helper()
	size := images.Rows * images.Cols
	data := make([]float32, n*size)
	for i := range n {
		images.Normalize(data[i*size:(i+1)*size], first+i)
	}
	x, err := nn.FromSlice(data, n, 1, images.Rows, images.Cols)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestMNISTConcurrentRunsMatchSerial runs one loaded model from many
// goroutines at once, with several batch sizes, through Predict, Run and
// PredictInto, while another goroutine changes the kernels' thread count,
// and checks every output against a serial run bit for bit. Run it with
// -race.
func TestMNISTConcurrentRunsMatchSerial(t *testing.T) {
	m, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		t.Fatal(err)
	}
	images, _, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	inputName := m.Inputs()[0].Name
	outputName := m.Outputs()[0].Name

	type job struct {
		x    *nn.Tensor
		want *nn.Tensor
	}
	var jobs []job
	for i, n := range []int{1, 2, 7, 1, 16, 3, 64, 1} {
		x := mnistBatch(t, images, 10*i, n)
		want, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{x, want})
	}

	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		defer func() { kernels.SetThreads(0) }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			kernels.SetThreads([]int{1, 2, 3, 8, 0, -5, 64}[i%7])
		}
	}()
	errs := make(chan error, 1000)
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range rounds * len(jobs) {
				j := jobs[r.IntN(len(jobs))]
				var got *nn.Tensor
				var err error
				switch r.IntN(3) {
				case 0:
					got, err = m.Predict(j.x)
				case 1:
					var out map[string]*nn.Tensor
					out, err = m.Run(map[string]*nn.Tensor{inputName: j.x})
					got = out[outputName]
				default:
					got, _ = nn.New(j.want.Shape...)
					err = m.PredictInto(got, j.x)
				}
				if err != nil {
					errs <- err
					return
				}
				if !sameTensor(got, j.want) {
					errs <- fmt.Errorf("batch %v: concurrent output differs from the serial one", j.x.Shape)
					return
				}
				// The caller owns the output: scribbling on it must not
				// affect other runs.
				for i := range got.Data {
					got.Data[i] = -1
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSgemmConcurrent calls Sgemm from many goroutines with shapes that
// take the serial, the banded parallel and the matrix-vector paths, and
// compares each result with the same call made alone.
func TestSgemmConcurrent(t *testing.T) {
	type call struct {
		transA, transB bool
		m, n, k        int
		a, b, want     []float32
	}
	r := rand.New(rand.NewPCG(3, 4))
	var calls []call
	for _, s := range [][3]int{{1, 300, 500}, {7, 9, 11}, {200, 300, 100}, {6, 16, 256}, {1, 1, 1}, {130, 1, 400}, {64, 2000, 64}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			c := call{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2]}
			c.a = make([]float32, c.m*c.k)
			c.b = make([]float32, c.k*c.n)
			for i := range c.a {
				c.a[i] = float32(r.NormFloat64())
			}
			for i := range c.b {
				c.b[i] = float32(r.NormFloat64())
			}
			c.want = make([]float32, c.m*c.n)
			lda, ldb := c.k, c.n
			if c.transA {
				lda = c.m
			}
			if c.transB {
				ldb = c.k
			}
			kernels.Sgemm(c.transA, c.transB, c.m, c.n, c.k, 1, c.a, lda, c.b, ldb, 0, c.want, c.n)
			calls = append(calls, c)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for range 40 {
				c := calls[r.IntN(len(calls))]
				lda, ldb := c.k, c.n
				if c.transA {
					lda = c.m
				}
				if c.transB {
					ldb = c.k
				}
				got := make([]float32, c.m*c.n)
				for i := range got {
					got[i] = float32(r.NormFloat64())
				}
				kernels.Sgemm(c.transA, c.transB, c.m, c.n, c.k, 1, c.a, lda, c.b, ldb, 0, got, c.n)
				for i := range got {
					if got[i] != c.want[i] {
						errs <- fmt.Errorf("Sgemm %dx%dx%d trans %v %v: element %d is %v concurrently, %v alone", c.m, c.n, c.k, c.transA, c.transB, i, got[i], c.want[i])
						return
					}
				}
			}
		}()
	}
	// Change the thread count while the calls run: results must not
	// depend on it.
	for i := range 200 {
		kernels.SetThreads(1 + i%5)
	}
	wg.Wait()
	kernels.SetThreads(0)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMNISTConcurrentFirstRuns starts many goroutines on a fresh model
// with more distinct batch sizes than the model keeps plans for, so that
// plans are built, learned from first runs and evicted while other runs
// use them. Outputs are compared with a second model run serially.
func TestMNISTConcurrentFirstRuns(t *testing.T) {
	serial, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		t.Fatal(err)
	}
	images, _, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	xs := make([]*nn.Tensor, len(sizes))
	wants := make([]*nn.Tensor, len(sizes))
	for i, n := range sizes {
		xs[i] = mnistBatch(t, images, 3*i, n)
		if wants[i], err = serial.Predict(xs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	start := make(chan struct{})
	for w := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := range 6 {
				i := (w + r*5) % len(sizes)
				got, err := m.Predict(xs[i])
				if err != nil {
					errs <- err
					return
				}
				if !sameTensor(got, wants[i]) {
					errs <- fmt.Errorf("batch %d: output differs from the serial model's", sizes[i])
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
