package kernels

import "math"

func maxRowsGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = max(x[i], y[i])
	}
}

func maxPairsGeneric(dst, src []float32) {
	for i := range dst {
		dst[i] = max(src[2*i], src[2*i+1])
	}
}

// maxPool3x3Stride2Generic compares in the order of the general pooling
// path of package nn, so that the two give the same bits, NaN payloads
// included: first down each column over the window's rows inside the
// plane, top to bottom, then across the window's three column maxima, left
// to right, with -Inf for a column outside the plane. top and left are the
// rows and columns of padding before the plane, each 0 or 1.
func maxPool3x3Stride2Generic(dst, src []float32, h, w, outH, outW, top, left int) {
	// block outputs of a row take their column maxima from colMax, which
	// covers columns 2*j0-left to 2*(j0+block)-left for the first output j0.
	const block = 128
	var colMax [2*block + 1]float32
	negInf := float32(math.Inf(-1))

	for i := range outH {
		first, last := max(2*i-top, 0), min(2*i-top+3, h)
		out := dst[i*outW : (i+1)*outW]
		for j0 := 0; j0 < outW; j0 += block {
			j1 := min(j0+block, outW)
			start := 2*j0 - left
			lo, hi := max(start, 0), min(2*j1-left+1, w)
			cols := colMax[lo-start : hi-start]
			copy(cols, src[first*w+lo:first*w+hi])
			for r := first + 1; r < last; r++ {
				row := src[r*w+lo : r*w+hi]
				for k := range cols {
					cols[k] = max(cols[k], row[k])
				}
			}

			column := func(c int) float32 {
				if c < lo || c >= hi {
					return negInf
				}
				return colMax[c-start]
			}
			for j := j0; j < j1; j++ {
				c := 2*j - left
				out[j] = max(max(column(c), column(c+1)), column(c+2))
			}
		}
	}
}

func clampGeneric(dst, src []float32, lo, hi float32) {
	for i, v := range src {
		dst[i] = min(max(v, lo), hi)
	}
}
