package kernels

import (
	"fmt"
	"math"
)

// The 3×3 depthwise kernels compute a channel from padded copies of its
// rows. They write each copy into a ring of row slots in a caller's buffer
// just before the row is first read, so the ring stays in the L1 cache.
// Padded row k holds input row k-PadTop with column c at position
// c+PadLeft and zeros elsewhere, so output (y, x) reads positions
// Stride*x+j of padded rows Stride*y+i. Position 0 lies (8-PadLeft) mod 8
// floats into its slot, so that the copy of an image row starts on a
// 32-byte boundary of an aligned buffer. Where depthwise3x3Masks allows
// it, the assembly reads the rows away from the top and bottom of the
// image from src instead.

// depthwise3x3RingFloats is the size in floats of the ring of row slots
// that the layout aims for. 16 KiB is half of the 32 KiB L1 data cache
// common on x86 cores, which leaves room for the rows of src and dst in
// flight.
const depthwise3x3RingFloats = 4096

// depthwise3x3MinSlots is the smallest ring that the kernels accept short
// of a whole plane: the 9 padded rows that a block of 4 output rows reads
// with stride 2, the most that one block of the assembly reads (see
// maxBlockRows in asm/depthwise).
const depthwise3x3MinSlots = 9

// depthwise3x3Fits reports whether the 3×3 depthwise kernels compute p:
// a 3×3 filter, dilation 1, equal strides of 1 or 2, pads top and left of
// at most 2, nonempty input and output, and sizes that fit in an int.
func depthwise3x3Fits(p Conv2DParams) bool {
	if p.KernelH != 3 || p.KernelW != 3 || p.DilationH != 1 || p.DilationW != 1 ||
		p.StrideH != p.StrideW || p.StrideW < 1 || p.StrideW > 2 ||
		p.PadTop > 2 || p.PadLeft > 2 || p.PadTop < 0 || p.PadLeft < 0 ||
		p.Height < 1 || p.Width < 1 || p.OutH < 1 || p.OutW < 1 {
		return false
	}
	_, _, ok := depthwise3x3Layout(p)
	_, ok2 := mulAdd(p.Height, p.Width, 0)
	_, ok3 := mulAdd(p.OutH, p.OutW, 0)
	return ok && ok2 && ok3
}

// depthwise3x3Layout returns the length of a row slot in floats and the
// number of slots: depthwise3x3RingFloats worth, at least
// depthwise3x3MinSlots and at most the padded rows that the output reads.
// A slot holds the positions that the 8-output vector strips read, the
// last strip starting at OutW-8 or, when OutW < 8, at 0, plus the lead of
// up to 7 floats. ok is false when a size overflows an int.
func depthwise3x3Layout(p Conv2DParams) (rowLen, slots int, ok bool) {
	s := p.StrideW
	width, ok1 := mulAdd(s, max(p.OutW, 8), 2+7+7)
	rows, ok2 := mulAdd(s, p.OutH-1, 3)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	rowLen = width &^ 7
	slots = min(rows, max(depthwise3x3MinSlots, depthwise3x3RingFloats/rowLen))
	return rowLen, slots, true
}

// depthwise3x3MaskFloats is the room for the masks of direct reads after
// the slots: 2 strips of 4 vectors of 8 lanes.
const depthwise3x3MaskFloats = 2 * 4 * 8

// depthwise3x3BufferLen returns the length of the buffer that the kernels
// need for p, which must fit: the slots, 8 floats of slack and the masks
// of depthwise3x3Masks. The slack is there because the vector stores that
// zero a row's end may run up to 7 floats past its slot.
func depthwise3x3BufferLen(p Conv2DParams) int {
	rowLen, slots, _ := depthwise3x3Layout(p)
	return slots*rowLen + 8 + depthwise3x3MaskFloats
}

// depthwise3x3Masks writes into masks (depthwise3x3MaskFloats long) the
// lane masks that let the assembly read the input rows away from the top
// and bottom straight from src, and reports whether it may. Strip x0 of 8
// outputs loads vectors of 8 positions starting at Stride*x0 + d, for d in
// {0, 1, 2} (stride 1) or {0, 8, 2, 10} (stride 2); position q is column
// q-PadLeft. The masks of the first strip, then of the last (x0 =
// OutW-8), hold all ones bits in the lanes of columns inside the image and
// zeros elsewhere. The strips between them are not masked, and the last
// strip recomputes the outputs from OutW-8 on. Direct reads need:
//   - OutW >= 16, so that the first and last strips differ;
//   - output OutW-9, when a strip between them computes it (OutW-9 >= 8),
//     to read only columns inside the image, and so the outputs left of
//     it;
//   - every loaded column within the row before or after, so that the
//     loads stay inside src for the rows that the kernel reads directly.
func depthwise3x3Masks(p Conv2DParams, masks []float32) bool {
	s, w := p.StrideW, p.Width
	offsets := []int{0, 1, 2}
	lastLoaded := 9 // the last position that a strip loads, from Stride*x0
	if s == 2 {
		offsets = []int{0, 8, 2, 10}
		lastLoaded = 17
	}
	if p.OutW < 16 || w < p.PadLeft || s*(p.OutW-8)+lastLoaded-p.PadLeft >= 2*w {
		return false
	}
	if x := p.OutW - 9; x >= 8 && s*x+2-p.PadLeft >= w {
		return false
	}
	allOnes := math.Float32frombits(0xffffffff)
	for set, x0 := range []int{0, p.OutW - 8} {
		for m, d := range offsets {
			for lane := 0; lane < 8; lane++ {
				v := float32(0)
				if c := s*x0 + d + lane - p.PadLeft; c >= 0 && c < w {
					v = allOnes
				}
				masks[(set*4+m)*8+lane] = v
			}
		}
	}
	return true
}

// checkDepthwise3x3 panics unless p fits the 3×3 kernels and the slices
// are long enough for p.Channels channels of it. bias may be nil.
func checkDepthwise3x3(dst, src, weights, bias, buf []float32, p Conv2DParams) {
	if !depthwise3x3Fits(p) || p.Channels < 0 {
		panic(fmt.Sprintf("kernels: 3×3 depthwise kernel called with unsupported geometry %+v", p))
	}
	// Dividing the lengths avoids overflowing c times a plane.
	c := max(p.Channels, 1)
	if len(src)/c < p.Height*p.Width || len(dst)/c < p.OutH*p.OutW || len(weights)/9 < p.Channels ||
		(bias != nil && len(bias) < p.Channels) || len(buf) < depthwise3x3BufferLen(p) {
		panic(fmt.Sprintf("kernels: 3×3 depthwise kernel called with dst, src, weights, bias or buf too short for %d channels: %d, %d, %d, %d, %d elements, want %d, %d, %d, %d, %d",
			p.Channels, len(dst), len(src), len(weights), len(bias), len(buf),
			p.Channels*p.OutH*p.OutW, p.Channels*p.Height*p.Width, 9*p.Channels, p.Channels, depthwise3x3BufferLen(p)))
	}
}

// depthwise3x3Generic is the portable 3×3 depthwise kernel: it computes
// the p.Channels channels of src into dst, with bias[c] added to channel c
// unless bias is nil.
func depthwise3x3Generic(dst, src, weights, bias, buf []float32, p Conv2DParams, act Activation) {
	checkDepthwise3x3(dst, src, weights, bias, buf, p)
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	for c := 0; c < p.Channels; c++ {
		var b float32
		if bias != nil {
			b = bias[c]
		}
		depthwise3x3PlaneGeneric(dst[c*outPlane:(c+1)*outPlane], src[c*inPlane:(c+1)*inPlane], weights[9*c:9*c+9], buf, b, p, act)
	}
}

// depthwise3x3PlaneGeneric computes one channel. Like the assembly, it
// pads rows into the ring of slots and adds the taps of each output in the
// order i, j. Unlike it, it goes one output row at a time and rounds each
// product before adding it.
func depthwise3x3PlaneGeneric(dst, src, weights, buf []float32, bias float32, p Conv2DParams, act Activation) {
	rowLen, slots, _ := depthwise3x3Layout(p)
	lead := (8 - p.PadLeft) % 8
	s := p.StrideW
	w := weights[:9]
	span := s*(p.OutW-1) + 3 // positions that an output row reads

	// base is the padded row in slot 0, and rows [base, ready) are padded.
	base, ready := 0, 0
	for y := 0; y < p.OutH; y++ {
		first, need := s*y, s*y+3
		if need-base > slots {
			base, ready = first, first
		}
		for ; ready < need; ready++ {
			padDepthwise3x3Row(buf[(ready-base)*rowLen:(ready-base+1)*rowLen], src, p, ready, lead)
		}
		start := (first-base)*rowLen + lead
		r0 := buf[start : start+span]
		r1 := buf[start+rowLen : start+rowLen+span]
		r2 := buf[start+2*rowLen : start+2*rowLen+span]
		out := dst[y*p.OutW : (y+1)*p.OutW]
		for x := range out {
			c := s * x
			sum := bias
			sum += w[0] * r0[c]
			sum += w[1] * r0[c+1]
			sum += w[2] * r0[c+2]
			sum += w[3] * r1[c]
			sum += w[4] * r1[c+1]
			sum += w[5] * r1[c+2]
			sum += w[6] * r2[c]
			sum += w[7] * r2[c+1]
			sum += w[8] * r2[c+2]
			sum = act.value(sum)
			out[x] = sum
		}
	}
}

// padDepthwise3x3Row writes padded row k into slot.
func padDepthwise3x3Row(slot, src []float32, p Conv2DParams, k, lead int) {
	r := k - p.PadTop
	if r < 0 || r >= p.Height {
		clear(slot)
		return
	}
	first := lead + p.PadLeft
	n := copy(slot[first:], src[r*p.Width:(r+1)*p.Width])
	clear(slot[:first])
	clear(slot[first+n:])
}
