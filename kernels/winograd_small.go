package kernels

// Winograd F(2×2, 3×3) for images too small for 4×4 tiles to pay: a 7×7
// output (ResNet's last stage) is 4 tiles of 4×4 but 16 of 2×2, and the
// GEMMs need 16 columns to fill the micro-kernel. Each 2×2 block of
// outputs takes 16 multiply-adds per filter and channel instead of 36.
// The images are small and the transforms cheap next to the GEMMs, so they
// are plain Go.
//
//	Bᵀ = [1  0 -1  0]    G = [1    0   0]    Aᵀ = [1 1  1  0]
//	     [0  1  1  0]        [1/2 1/2 1/2]         [0 1 -1 -1]
//	     [0 -1  1  0]        [1/2 -1/2 1/2]
//	     [0  1  0 -1]        [0    0   1]

// winogradSmallG is G of F(2×2, 3×3).
var winogradSmallG = [4][3]float64{
	{1, 0, 0},
	{0.5, 0.5, 0.5},
	{0.5, -0.5, 0.5},
	{0, 0, 1},
}

// winogradSmall reports whether p is computed with 2×2 tiles: when an
// output side is shorter than 8, where 4×4 tiles overhang by up to half.
func winogradSmall(p Conv2DParams) bool {
	return p.OutH < 8 || p.OutW < 8
}

// smallInput writes V for channels [c0, c1) of tile rows [ty0, ty1) with
// 2×2 tiles.
func (r *winogradRun) smallInput(v []float32, c0, c1, ty0, ty1 int) {
	p := r.p
	tiles := (ty1 - ty0) * r.tilesW
	ts := r.tileStride
	planeLen := p.Height * p.Width
	vStride := p.Channels * ts
	for c := c0; c < c1; c++ {
		plane := r.src[c*planeLen : (c+1)*planeLen]
		for t := 0; t < tiles; t++ {
			ty, tx := ty0+t/r.tilesW, t%r.tilesW
			y0, x0 := 2*ty-p.PadTop, 2*tx-p.PadLeft

			// d is the 4×4 input under the tile, zero outside the image.
			// e = Bᵀ·d, then V = e·B row by row.
			var d [4][4]float32
			for i := range d {
				y := y0 + i
				if y < 0 || y >= p.Height {
					continue
				}
				for j := range d[i] {
					if x := x0 + j; x >= 0 && x < p.Width {
						d[i][j] = plane[y*p.Width+x]
					}
				}
			}
			var e [4][4]float32
			for j := 0; j < 4; j++ {
				e[0][j] = d[0][j] - d[2][j]
				e[1][j] = d[1][j] + d[2][j]
				e[2][j] = d[2][j] - d[1][j]
				e[3][j] = d[1][j] - d[3][j]
			}
			at := c*ts + t
			for i := 0; i < 4; i++ {
				row := 4 * i * vStride
				v[at+row] = e[i][0] - e[i][2]
				v[at+row+vStride] = e[i][1] + e[i][2]
				v[at+row+2*vStride] = e[i][2] - e[i][1]
				v[at+row+3*vStride] = e[i][1] - e[i][3]
			}
		}
	}
}

// smallOutput writes the outputs of filters [o0, o1) of tile rows
// [ty0, ty1) with 2×2 tiles: Y = Aᵀ·M·A plus the bias, then ReLU.
func (r *winogradRun) smallOutput(mm []float32, o0, o1, ty0, ty1 int) {
	p := r.p
	tiles := (ty1 - ty0) * r.tilesW
	ts := r.tileStride
	mStride := r.mPadded * ts
	outPlane := p.OutH * p.OutW
	for o := o0; o < o1; o++ {
		var bias float32
		if r.bias != nil {
			bias = r.bias[o]
		}
		out := r.dst[o*outPlane : (o+1)*outPlane]
		for t := 0; t < tiles; t++ {
			var f [2][4]float32 // Aᵀ·M
			at := o*ts + t
			for j := 0; j < 4; j++ {
				m0, m1 := mm[at+j*mStride], mm[at+(4+j)*mStride]
				m2, m3 := mm[at+(8+j)*mStride], mm[at+(12+j)*mStride]
				f[0][j] = m0 + m1 + m2
				f[1][j] = m1 - m2 - m3
			}
			ty, tx := ty0+t/r.tilesW, t%r.tilesW
			for i := 0; i < 2; i++ {
				y := 2*ty + i
				if y >= p.OutH {
					break
				}
				y0 := f[i][0] + f[i][1] + f[i][2] + bias
				y1 := f[i][1] - f[i][2] - f[i][3] + bias
				y0, y1 = r.act.value(y0), r.act.value(y1)
				out[y*p.OutW+2*tx] = y0
				if 2*tx+1 < p.OutW {
					out[y*p.OutW+2*tx+1] = y1
				}
			}
		}
	}
}
