package kernels_test

import (
	"fmt"

	"github.com/simdnn/simdnn/kernels"
)

// ExampleSgemm multiplies a 2×3 matrix by a 3×2 matrix, both row-major.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 2*2)
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [4 5 10 11]
}
