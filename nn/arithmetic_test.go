package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// refBroadcast returns the elements of x, of the given shape, broadcast to
// out, by computing each output index separately.
func refBroadcast(x []float64, shape, out []int) []float64 {
	n := 1
	for _, d := range out {
		n *= d
	}
	result := make([]float64, n)
	index := make([]int, len(out))
	for i := range result {
		rem := i
		for d := len(out) - 1; d >= 0; d-- {
			index[d] = rem % out[d]
			rem /= out[d]
		}
		offset := 0
		for d := range shape {
			pos := index[len(out)-len(shape)+d]
			if shape[d] == 1 {
				pos = 0
			}
			offset = offset*shape[d] + pos
		}
		result[i] = x[offset]
	}
	return result
}

// broadcastCases are shape pairs with their numpy broadcast.
var broadcastCases = []struct{ a, b, out []int }{
	{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
	{[]int{2, 3, 4, 5}, []int{3, 1, 1}, []int{2, 3, 4, 5}},
	{[]int{3, 1, 1}, []int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
	{[]int{2, 3, 4, 5}, []int{}, []int{2, 3, 4, 5}},
	{[]int{}, []int{4}, []int{4}},
	{[]int{2, 1, 4}, []int{3, 1}, []int{2, 3, 4}},
	{[]int{1, 3, 1, 5}, []int{2, 1, 4, 1}, []int{2, 3, 4, 5}},
	{[]int{5}, []int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
	{[]int{2, 1}, []int{1, 1}, []int{2, 1}},
	{[]int{0, 3}, []int{3}, []int{0, 3}},
	{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, []int{3, 1}, []int{1, 1, 1, 1, 1, 1, 1, 1, 3, 2}},
}

func TestAddMulBroadcast(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range broadcastCases {
		a := randomTensor(t, rng, tc.a...)
		b := randomTensor(t, rng, tc.b...)
		ra := refBroadcast(float64s(a.Data), tc.a, tc.out)
		rb := refBroadcast(float64s(b.Data), tc.b, tc.out)

		sum := forwardOne(t, Add{NodeName: "add"}, a, b)
		product := forwardOne(t, Mul{NodeName: "mul"}, a, b)
		if !sameShape(sum.Shape, tc.out) || !sameShape(product.Shape, tc.out) {
			t.Fatalf("%v and %v: shapes %v and %v, want %v", tc.a, tc.b, sum.Shape, product.Shape, tc.out)
		}
		wantSum := make([]float64, len(ra))
		wantProduct := make([]float64, len(ra))
		for i := range ra {
			// Each result is one float32 operation, so it matches the
			// float32 arithmetic exactly.
			wantSum[i] = float64(float32(ra[i]) + float32(rb[i]))
			wantProduct[i] = float64(float32(ra[i]) * float32(rb[i]))
		}
		checkExact(t, "Add", sum.Data, wantSum)
		checkExact(t, "Mul", product.Data, wantProduct)
	}
}

func TestSumBroadcast(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	a := randomTensor(t, rng, 2, 3, 4)
	b := randomTensor(t, rng, 3, 1)
	c := randomTensor(t, rng, 4)
	out := []int{2, 3, 4}
	y := forwardOne(t, Sum{NodeName: "sum"}, a, b, c)
	ra, rb, rc := refBroadcast(float64s(a.Data), a.Shape, out), refBroadcast(float64s(b.Data), b.Shape, out), refBroadcast(float64s(c.Data), c.Shape, out)
	want := make([]float64, len(ra))
	for i := range ra {
		want[i] = float64(float32(ra[i]) + float32(rb[i]) + float32(rc[i]))
	}
	checkExact(t, "Sum", y.Data, want)

	one := forwardOne(t, Sum{NodeName: "sum"}, b)
	if !sameBits(one.Data, b.Data) || !sameShape(one.Shape, b.Shape) {
		t.Errorf("Sum of one input = %v %v, want a copy of %v", one.Shape, one.Data, b.Data)
	}
}

func TestArithmeticInt64(t *testing.T) {
	shape, _ := FromInt64([]int64{1, 64, 7, 7}, 4)
	scale, _ := FromInt64([]int64{2})
	y := forwardOne(t, Mul{NodeName: "mul"}, shape, scale)
	if !slices.Equal(y.Int64, []int64{2, 128, 14, 14}) {
		t.Errorf("Mul int64 = %v, want [2 128 14 14]", y.Int64)
	}
	y = forwardOne(t, Add{NodeName: "add"}, shape, scale)
	if !slices.Equal(y.Int64, []int64{3, 66, 9, 9}) {
		t.Errorf("Add int64 = %v, want [3 66 9 9]", y.Int64)
	}
	y = forwardOne(t, Sum{NodeName: "sum"}, shape, scale, scale)
	if !slices.Equal(y.Int64, []int64{5, 68, 11, 11}) {
		t.Errorf("Sum int64 = %v, want [5 68 11 11]", y.Int64)
	}
}

func TestArithmeticErrors(t *testing.T) {
	x := mustTensor(t, make([]float32, 6), 2, 3)
	y := mustTensor(t, make([]float32, 4), 4)
	ids, _ := FromInt64([]int64{1, 2, 3}, 3)
	wantError(t, Add{NodeName: "add"}, "input shapes [[2 3] [4]] do not broadcast together", x, y)
	wantError(t, Mul{NodeName: "mul"}, "input 1 has element type int64 but input 0 has float32, want one type", x, ids)
	wantError(t, Add{NodeName: "add"}, "got 1 inputs, want 2", x)
	wantError(t, Sum{NodeName: "sum"}, "got no inputs, want at least 1")
	wantError(t, Sum{NodeName: "sum"}, "input 1 is missing", x, nil)
}

func TestArithmeticForwardInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	a := randomTensor(t, rng, 2, 3, 4)
	b := randomTensor(t, rng, 3, 1)
	want := forwardOne(t, Add{NodeName: "add"}, a, b)

	// In place over the input of the output's shape.
	inPlace := mustTensor(t, slices.Clone(a.Data), 2, 3, 4)
	if err := (Add{NodeName: "add"}).ForwardInto([]*Tensor{inPlace}, []*Tensor{inPlace, b}, nil); err != nil {
		t.Fatal(err)
	}
	if !sameBits(inPlace.Data, want.Data) {
		t.Errorf("Add in place = %v, want %v", inPlace.Data, want.Data)
	}

	wrong := mustTensor(t, make([]float32, 24), 4, 6)
	err := (Add{NodeName: "add"}).ForwardInto([]*Tensor{wrong}, []*Tensor{a, b}, nil)
	if err == nil || err.Error() != `add "add": output 0 is a float32 tensor of shape [4 6], want float32 of shape [2 3 4]` {
		t.Errorf("ForwardInto into a wrong shape: error %v", err)
	}
	if err := (Add{NodeName: "add"}).ForwardInto(nil, []*Tensor{a, b}, nil); err == nil {
		t.Errorf("ForwardInto without outputs succeeded")
	}
}
