//go:build !purego

package kernels

import "testing"

func TestNEONSelectedFirst(t *testing.T) {
	if got := supportedKernels()[0].name; got != "neon" {
		t.Fatalf("best supported implementation is %q, want neon", got)
	}
}

func TestNEONTileRejectsShortOperands(t *testing.T) {
	const kc = 3
	a := make([]float32, gemmMR*kc)
	b := make([]float32, gemmNR*kc)
	c := make([]float32, gemmMR*gemmNR)

	// Operands of exactly the tile's size pass the check.
	sgemmTileNEON(kc, a, b, c, gemmNR, false)

	cases := map[string]func(){
		"kc 0":         func() { sgemmTileNEON(0, a, b, c, gemmNR, false) },
		"short a":      func() { sgemmTileNEON(kc, a[:len(a)-1], b, c, gemmNR, false) },
		"short b":      func() { sgemmTileNEON(kc, a, b[:len(b)-1], c, gemmNR, false) },
		"ldc below nr": func() { sgemmTileNEON(kc, a, b, c, gemmNR-1, false) },
		"short c":      func() { sgemmTileNEON(kc, a, b, c[:len(c)-1], gemmNR, true) },
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("sgemmTileNEON did not panic")
				}
			}()
			call()
		})
	}
}
