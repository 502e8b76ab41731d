package kernels

import "testing"

// panicCase is a call that must panic, named for the subtest.
type panicCase struct {
	name string
	call func()
}

// expectPanics runs each case as a subtest that fails unless the call
// panics.
func expectPanics(t *testing.T, cases []panicCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.call()
		})
	}
}

// TestTileChecksRejectWrappingSizes checks that the micro-kernels' bounds
// checks reject a kc or ldc so large that multiplying it by the tile's
// size wraps around to a small number, which a multiplication would let
// through to the assembly.
func TestTileChecksRejectWrappingSizes(t *testing.T) {
	const kc = 4
	// 5 rows of this ldc, and 6 (or 16) steps of these kc, wrap around to
	// a few floats.
	const wrapLdc = 3689348814741910324
	const wrapKc6, wrapKc16 = 3074457345618258603, 1152921504606846977
	a, b := make([]float32, 2*gemmNR*gemmMR*kc), make([]float32, 2*gemmNR*kc)
	c := make([]float32, 64)
	sums := make([]float32, 4*gemmMR)
	expectPanics(t, []panicCase{
		{"checkTile ldc", func() { checkTile(kc, a, b, c, wrapLdc) }},
		{"checkTilePair ldc", func() { checkTilePair(kc, a, b, c, wrapLdc) }},
		{"checkTile kc of A", func() { checkTile(wrapKc6, a, b, c, gemmNR) }},
		{"checkTile kc of B", func() { checkTile(wrapKc16, a, b, c, gemmNR) }},
		{"checkColumns kc", func() { checkColumns(wrapKc6, a, a, a, a, b, sums) }},
	})
}
