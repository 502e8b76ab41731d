//go:build !purego

package kernels

// depthwise3x3Checked checks the geometry and bounds that the 3×3
// depthwise assembly relies on, then runs the kernel of p's stride on
// each channel.
func depthwise3x3Checked(dst, src, weights, bias, buf []float32, p Conv2DParams, act Activation) {
	checkDepthwise3x3(dst, src, weights, bias, buf, p)
	rowLen, slots, _ := depthwise3x3Layout(p)
	direct := depthwise3x3Masks(p, buf[slots*rowLen+8:])
	kernel := depthwise3x3s1FMA
	if p.StrideW == 2 {
		kernel = depthwise3x3s2FMA
	}
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	for c := 0; c < p.Channels; c++ {
		var b float32
		if bias != nil {
			b = bias[c]
		}
		kernel(dst[c*outPlane:(c+1)*outPlane], src[c*inPlane:(c+1)*inPlane], weights[9*c:9*c+9], buf, b,
			p.Height, p.Width, p.OutH, p.OutW, p.PadTop, p.PadLeft, rowLen, slots, direct, act.relu, act.hi)
	}
}
