package kernels

import "fmt"

// DepthwiseConv2D computes a depthwise convolution: every channel of src
// (p.Channels planes of p.Height×p.Width) is convolved with its own
// KernelH×KernelW filter, so dst[c][y][x] = sum over i, j of
// weights[c][i*KernelW+j] * src[c][y*StrideH-PadTop+i*DilationH][x*StrideW-PadLeft+j*DilationW],
// with taps outside the image reading zero, plus bias[c] when bias is not
// nil, then the activation act. dst has p.Channels planes
// of OutH×OutW and must not overlap src.
//
// 3×3 filters with dilation 1, strides 1×1 or 2×2 and pads top and left
// of at most 2 (MobileNet's layers) run a kernel that computes a whole
// plane per call. It pads the rows near the top and bottom of the image
// into a small ring buffer and reads the others in place, masking the
// columns outside the image. Other geometries run a row kernel over a
// zero-padded copy of each plane, in assembly when the horizontal stride
// is 1. It panics if a size is invalid or a slice too short.
func DepthwiseConv2D(dst, src, weights, bias []float32, p Conv2DParams, act Activation) {
	if err := p.check(); err != nil {
		panic("kernels: DepthwiseConv2D: " + err.Error())
	}
	taps := p.KernelH * p.KernelW
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	if len(src) < p.Channels*inPlane || len(dst) < p.Channels*outPlane || len(weights) < p.Channels*taps {
		panic(fmt.Sprintf("kernels: DepthwiseConv2D src, dst or weights too short: %d, %d, %d elements, want %d, %d, %d",
			len(src), len(dst), len(weights), p.Channels*inPlane, p.Channels*outPlane, p.Channels*taps))
	}
	if bias != nil && len(bias) < p.Channels {
		panic(fmt.Sprintf("kernels: DepthwiseConv2D bias has %d elements, want %d", len(bias), p.Channels))
	}
	if p.Channels == 0 || outPlane == 0 {
		return
	}
	if !paddedCopyWorthwhile(p) {
		// Each channel is then a one-filter convolution that reads the
		// image directly.
		one := p
		one.Channels = 1
		for c := 0; c < p.Channels; c++ {
			var b []float32
			if bias != nil {
				b = bias[c : c+1]
			}
			Conv2D(dst[c*outPlane:(c+1)*outPlane], src[c*inPlane:(c+1)*inPlane], weights[c*taps:(c+1)*taps], b, 1, one, act)
		}
		return
	}

	// Split the channels into as many pieces as the work warrants.
	channels := depthwiseChannels
	if depthwise3x3Fits(p) && !impl.depthwise3x3Borrowed {
		channels = depthwise3x3Channels
	}
	work := float64(p.Channels) * (float64(outPlane)*float64(taps) + depthwiseChannelCost)
	parts := max(1, min(Threads(), p.Channels, int(work/minParallelStream)))
	if parts == 1 {
		channels(dst, src, weights, bias, p, act, 0, p.Channels)
		return
	}
	j := depthwiseJobs.get()
	*j = depthwiseJob{parts: parts, channels: channels, dst: dst, src: src, weights: weights, bias: bias, p: p, act: act}
	parallelRun(parts, j)
	depthwiseJobs.put(j)
}

// depthwiseChannelCost is the fixed cost of a channel, in multiply-adds
// of the same time: padding its rows and the kernel call. On an Intel Xeon
// (Emerald Rapids), one thread, MobileNetV2's 960 channels of 7×7 took
// 66 µs and its 576 channels of 14×14 73 µs, about 50 ns per channel
// plus 0.044 ns per multiply-add. Counting only the multiply-adds left
// the 7×7 layers on one thread at any thread count.
const depthwiseChannelCost = 1024

// depthwiseJob is a DepthwiseConv2D call split into parts bands of
// channels, each computed by channels.
type depthwiseJob struct {
	parts                   int
	channels                func(dst, src, weights, bias []float32, p Conv2DParams, act Activation, c0, c1 int)
	dst, src, weights, bias []float32
	p                       Conv2DParams
	act                     Activation
}

var depthwiseJobs jobPool[depthwiseJob]

func (j *depthwiseJob) Piece(part int) {
	c0, c1 := bandBounds(j.p.Channels, j.parts, 1, part)
	j.channels(j.dst, j.src, j.weights, j.bias, j.p, j.act, c0, c1)
}

// depthwise3x3Channels convolves channels [c0, c1) with the 3×3 kernel,
// which depthwise3x3Fits must accept.
func depthwise3x3Channels(dst, src, weights, bias []float32, p Conv2DParams, act Activation, c0, c1 int) {
	if impl.depthwise3x3Small != nil {
		if g, ok := newSmallDepthwise(p); ok {
			depthwise3x3SmallChannels(dst, src, weights, bias, p, act, g, c0, c1)
			return
		}
	}
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	buf := getScratch(depthwise3x3BufferLen(p))
	defer putScratch(buf)

	if bias != nil {
		bias = bias[c0:c1]
	}
	part := p
	part.Channels = c1 - c0
	impl.depthwise3x3(dst[c0*outPlane:c1*outPlane], src[c0*inPlane:c1*inPlane], weights[c0*9:c1*9], bias, buf, part, act)
}

// depthwiseChannels convolves channels [c0, c1).
func depthwiseChannels(dst, src, weights, bias []float32, p Conv2DParams, act Activation, c0, c1 int) {
	taps := p.KernelH * p.KernelW
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	g := newDepthwiseGeometry(p)
	defer putIntScratch(g.offsets)
	padded := getScratch(g.paddedH * g.paddedW)
	defer putScratch(padded)
	for c := c0; c < c1; c++ {
		var b float32
		if bias != nil {
			b = bias[c]
		}
		out := dst[c*outPlane : (c+1)*outPlane]
		g.plane(out, src[c*inPlane:(c+1)*inPlane], weights[c*taps:(c+1)*taps], b, act.relu, padded)
		act.applyCap(impl.clamp, out)
	}
}

// depthwiseGeometry is the padded plane that one channel is copied into
// and the offsets of the filter taps in it.
type depthwiseGeometry struct {
	p                Conv2DParams
	paddedH, paddedW int
	offsets          []int // offsets[i*KernelW+j] = i*DilationH*paddedW + j*DilationW
}

// newDepthwiseGeometry computes the geometry of p; the caller returns
// g.offsets with putIntScratch.
func newDepthwiseGeometry(p Conv2DParams) depthwiseGeometry {
	g := depthwiseGeometry{
		p:       p,
		paddedH: (p.OutH-1)*p.StrideH + (p.KernelH-1)*p.DilationH + 1,
		paddedW: (p.OutW-1)*p.StrideW + (p.KernelW-1)*p.DilationW + 1,
		offsets: getIntScratch(p.KernelH * p.KernelW)[:0],
	}
	for i := 0; i < p.KernelH; i++ {
		for j := 0; j < p.KernelW; j++ {
			g.offsets = append(g.offsets, i*p.DilationH*g.paddedW+j*p.DilationW)
		}
	}
	return g
}

// plane convolves one channel: it copies src into padded with the zero
// border that the output needs, then computes each output row.
func (g depthwiseGeometry) plane(dst, src, weights []float32, bias float32, relu bool, padded []float32) {
	p := g.p
	padded = padded[:g.paddedH*g.paddedW]
	for r := 0; r < g.paddedH; r++ {
		padRow(padded[r*g.paddedW:(r+1)*g.paddedW], src, p, r-p.PadTop)
	}

	for y := 0; y < p.OutH; y++ {
		out := dst[y*p.OutW : (y+1)*p.OutW]
		in := padded[y*p.StrideH*g.paddedW:]
		if p.StrideW == 1 {
			impl.tapsRow(out, in, g.offsets, weights, bias, relu)
		} else {
			tapsRowStrided(out, in, g.offsets, weights, bias, relu, p.StrideW)
		}
	}
}

// tapsRowGeneric is the portable twin of the assembly row kernel:
// dst[x] = bias + sum over t of weights[t]*src[offsets[t]+x], taps in
// order, then ReLU if relu is set.
func tapsRowGeneric(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool) {
	tapsRowStrided(dst, src, offsets, weights, bias, relu, 1)
}

// tapsRowStrided computes dst[x] = bias + sum over t of
// weights[t]*src[offsets[t]+x*stride], taps in order, then ReLU if relu is
// set.
func tapsRowStrided(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool, stride int) {
	for x := range dst {
		sum := bias
		for t, off := range offsets {
			sum += weights[t] * src[off+x*stride]
		}
		if relu {
			sum = reluValue(sum)
		}
		dst[x] = sum
	}
}
