// Command depthwise generates the kernels of depthwise convolution. The
// AVX2+FMA row kernel computes each output as a bias plus a weighted sum
// of taps at fixed offsets, optionally followed by ReLU. The AVX2+FMA
// whole-plane kernels serve 3×3 filters with stride 1 and 2, and the
// AVX-512 kernels in small.go serve those filters on small planes.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// stages are the numbers of 8-float accumulators of the kernel's loops,
// largest first. Each tap adds one FMA to every accumulator, so the
// accumulators are independent dependency chains, and 8 of them cover the
// FMA latency (4 cycles) times its throughput (2 per cycle) of Zen 2 and
// later. The smaller stages finish a row with as few latency-bound steps
// as possible: a 112-float row takes one step each of 8, 4 and 2.
var stages = []int{8, 4, 2, 1}

func main() {
	ConstraintExpr("!purego")
	tapsRow()
	plane3x3(1)
	plane3x3(2)
	smallPlane(1)
	smallPlane(2)
	Generate()
}

// tapsRow emits tapsRowFMA.
func tapsRow() {
	TEXT("tapsRowFMA", NOSPLIT, "func(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool)")
	Doc(
		"tapsRowFMA stores bias + sum over t of weights[t]*src[offsets[t]+x] in",
		"dst[x] for x < len(dst), adding the taps in order t = 0, 1, … with fused",
		"multiply-add, then, if relu is set, replaces negative results with 0.",
		"It reads weights[:len(offsets)] and src[offsets[t]:offsets[t]+len(dst)]",
		"for each t, writes dst[:len(dst)] and nothing else; the caller checks",
		"those bounds and that len(offsets) >= 1, because each tap loop runs its",
		"first step unconditionally. dst must not overlap src. Requires AVX and FMA3.",
	)

	r := rowRegs{
		dst:     Load(Param("dst").Base(), GP64()),
		n:       Load(Param("dst").Len(), GP64()),
		src:     Load(Param("src").Base(), GP64()),
		offsets: Load(Param("offsets").Base(), GP64()),
		taps:    Load(Param("offsets").Len(), GP64()),
		weights: Load(Param("weights").Base(), GP64()),
		relu:    Load(Param("relu"), GP8()),
		bias:    YMM(),
		zero:    YMM(),
		t:       GP64(),
		off:     GP64(),
	}
	b := Load(Param("bias"), XMM())
	VBROADCASTSS(b, r.bias)
	VXORPS(r.zero, r.zero, r.zero)

	for _, blocks := range stages {
		stage(r, blocks)
	}
	scalarTail(r)

	Label("done")
	VZEROUPPER()
	RET()
}

// stage emits a loop that computes 8*blocks outputs per iteration while at
// least that many remain. Only the first stage can run more than once per
// row in practice, but every stage loops so that correctness does not
// depend on the stage sizes.
// rowRegs are the registers that every loop of the kernel shares: the
// parameters, the bias broadcast to all lanes, zero for ReLU, the tap
// counter t and the element offset off of the current tap.
type rowRegs struct {
	dst, n, src, offsets, taps, weights, relu Register
	bias, zero                                VecVirtual
	t, off                                    Register
}

func stage(r rowRegs, blocks int) {
	name := fmt.Sprint(blocks)
	dst, n, src, offsets, taps, weights, relu := r.dst, r.n, r.src, r.offsets, r.taps, r.weights, r.relu
	bias, zero, t, off := r.bias, r.zero, r.t, r.off
	Comment(fmt.Sprintf("Stage of %d outputs per iteration.", 8*blocks))
	Label("stage" + name)
	CMPQ(n, U32(8*blocks))
	JL(LabelRef("after" + name))

	acc := make([]VecVirtual, blocks)
	for b := range acc {
		acc[b] = YMM()
		VMOVAPS(bias, acc[b])
	}
	XORQ(t, t)
	Label("tap" + name)
	MOVQ(Mem{Base: offsets, Index: t, Scale: 8}, off)
	w := YMM()
	VBROADCASTSS(Mem{Base: weights, Index: t, Scale: 4}, w)
	for b := range acc {
		VFMADD231PS(Mem{Base: src, Index: off, Scale: 4, Disp: 32 * b}, w, acc[b])
	}
	INCQ(t)
	CMPQ(t, taps)
	JL(LabelRef("tap" + name))

	// VMAXPS(acc, zero) keeps acc unless 0 is greater: ReLU with NaN and
	// -0 passed through, as the ReLU kernel computes it.
	TESTB(relu, relu)
	JZ(LabelRef("store" + name))
	for b := range acc {
		VMAXPS(acc[b], zero, acc[b])
	}
	Label("store" + name)
	for b := range acc {
		VMOVUPS(acc[b], Mem{Base: dst, Disp: 32 * b})
	}
	ADDQ(U32(32*blocks), dst)
	ADDQ(U32(32*blocks), src)
	SUBQ(U32(8*blocks), n)
	JMP(LabelRef("stage" + name))
	Label("after" + name)
}

// scalarTail emits the loop over the last outputs, fewer than 8, one at a
// time with the same operations in scalar form.
func scalarTail(r rowRegs) {
	dst, n, src, offsets, taps, weights, relu := r.dst, r.n, r.src, r.offsets, r.taps, r.weights, r.relu
	bias, zero, t, off := r.bias, r.zero, r.t, r.off
	Comment("Tail of fewer than 8 outputs, one at a time in the same tap order.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	s := XMM()
	VMOVAPS(bias.AsX(), s)
	XORQ(t, t)
	Label("tailTap")
	MOVQ(Mem{Base: offsets, Index: t, Scale: 8}, off)
	x := XMM()
	VMOVSS(Mem{Base: weights, Index: t, Scale: 4}, x)
	VFMADD231SS(Mem{Base: src, Index: off, Scale: 4}, x, s)
	INCQ(t)
	CMPQ(t, taps)
	JL(LabelRef("tailTap"))
	TESTB(relu, relu)
	JZ(LabelRef("tailStore"))
	VMAXSS(s, zero.AsX(), s)
	Label("tailStore")
	VMOVSS(s, Mem{Base: dst})
	ADDQ(Imm(4), dst)
	ADDQ(Imm(4), src)
	DECQ(n)
	JMP(LabelRef("tail"))
}
