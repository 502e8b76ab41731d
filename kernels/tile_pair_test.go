package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestSgemmTilePairMatchesTwoTiles checks every kernel set's pair kernel
// against two calls of its single-tile kernel, bit for bit: the driver
// mixes the two on one product, and results must not depend on which one
// a column falls to. The inputs include NaN, signed zeros and infinities,
// and the odd kc values leave steps for the loop's tail.
func TestSgemmTilePairMatchesTwoTiles(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmTilePair == nil {
			t.Skip("this kernel set has no pair kernel")
		}
		rng := rand.New(rand.NewPCG(41, 42))
		acts := map[string]Activation{"none": NoActivation, "relu": ReLUActivation, "relu6": CappedReLU(6)}
		for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 17, 256, 1000} {
			for _, accumulate := range []bool{false, true} {
				for _, withBias := range []bool{false, true} {
					for actName, act := range acts {
						const ldc = 2*gemmNR + 3
						a := randomFloats(rng, gemmMR*kc, 50)
						b := randomFloats(rng, 2*gemmNR*kc, 50)
						c0 := randomFloats(rng, gemmMR*ldc, 20)
						var bias []float32
						if withBias {
							bias = randomFloats(rng, gemmMR, 4)
						}

						got := append([]float32(nil), c0...)
						impl.sgemmTilePair(kc, a, b, got, ldc, accumulate, bias, act)
						want := append([]float32(nil), c0...)
						impl.sgemmTileEpilogue(kc, a, b[:gemmNR*kc], want, ldc, accumulate, bias, act)
						impl.sgemmTileEpilogue(kc, a, b[gemmNR*kc:], want[gemmNR:], ldc, accumulate, bias, act)

						for i, w := range want {
							if !sameFloat(got[i], w) {
								t.Fatalf("kc=%d accumulate=%v bias=%v act=%s: c[%d] (row %d, column %d) = %v, want %v",
									kc, accumulate, withBias, actName, i, i/ldc, i%ldc, got[i], w)
							}
						}
					}
				}
			}
		}
	})
}

// TestSgemmTilePairChecksBounds checks that the pair kernel's wrapper
// panics, before any assembly runs, on panels or a C shorter than the
// tile pair.
func TestSgemmTilePairChecksBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmTilePair == nil {
			t.Skip("this kernel set has no pair kernel")
		}
		const kc = 4
		a, b := make([]float32, gemmMR*kc), make([]float32, 2*gemmNR*kc)
		c := make([]float32, (gemmMR-1)*2*gemmNR+2*gemmNR)
		short := map[string]func(){
			"kc 0":           func() { impl.sgemmTilePair(0, a, b, c, 2*gemmNR, false, nil, NoActivation) },
			"short a":        func() { impl.sgemmTilePair(kc, a[:len(a)-1], b, c, 2*gemmNR, false, nil, NoActivation) },
			"one panel of b": func() { impl.sgemmTilePair(kc, a, b[:gemmNR*kc], c, 2*gemmNR, false, nil, NoActivation) },
			"ldc below 2 nr": func() { impl.sgemmTilePair(kc, a, b, c, 2*gemmNR-1, false, nil, NoActivation) },
			"short c":        func() { impl.sgemmTilePair(kc, a, b, c[:len(c)-1], 2*gemmNR, true, nil, NoActivation) },
			"short bias":     func() { impl.sgemmTilePair(kc, a, b, c, 2*gemmNR, false, make([]float32, gemmMR-1), NoActivation) },
		}
		for name, call := range short {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: sgemmTilePair did not panic", name)
					}
				}()
				call()
			}()
		}
	})
}
