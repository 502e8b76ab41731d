package emit

import "fmt"

// The Go arm64 assembler (checked with Go 1.26.8) has no mnemonic for
// several ASIMD floating-point instructions that the kernels need. It
// lacks FMLA by element and FCMLT and the other floating-point compares,
// and the vector forms of FMAX, FADD, FMUL, FMIN, FMAXNM and FMAXP. The functions below encode the ones the kernels use, with the
// field layouts of the Arm A64 instruction set, and the kernels emit them
// as WORD directives. encode_test.go checks every encoder against the
// output of GNU as.

// Encoded is one instruction: its 32-bit encoding, and the instruction in
// Arm syntax for the comment beside its WORD directive.
type Encoded struct {
	Bits   uint32
	Syntax string
}

// FMLAElem encodes FMLA Vd.4S, Vn.4S, Vm.S[index], the fused
// multiply-add d += n * m[index] on four float32 lanes.
//
// Encoding (single precision, Q=1): 0 1 0 01111 1 0 L M Rm 0001 H 0 Rn Rd,
// where the lane index is H:L and Rm is the 5-bit field M:Rm.
func FMLAElem(d, n, m VReg, index int) Encoded {
	d.check()
	n.check()
	m.check()
	if index < 0 || index > 3 {
		panic(fmt.Sprintf("emit: FMLA lane index %d out of range 0–3", index))
	}
	l := uint32(index) & 1
	h := uint32(index) >> 1
	bits := 0x4f801000 | l<<21 | uint32(m)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
	return Encoded{bits, fmt.Sprintf("FMLA V%d.4S, V%d.4S, V%d.S[%d]", d, n, m, index)}
}

// FMAX encodes FMAX Vd.4S, Vn.4S, Vm.4S, the lane-wise maximum. Per lane
// it returns NaN if either input is NaN, +0 for a +0/-0 pair in either
// order and -0 for two -0, which is what Go's built-in max returns (the
// kernel tests in package kernels check that under qemu-aarch64). FMAXNM
// would differ: it returns the number when only one input is a quiet NaN.
//
// Encoding (single precision, Q=1): 0 1 0 01110 0 0 1 Rm 111101 Rn Rd.
func FMAX(d, n, m VReg) Encoded {
	return threeSame(0x4e20f400, "FMAX", d, n, m)
}

// FADD encodes FADD Vd.4S, Vn.4S, Vm.4S, the lane-wise sum.
//
// Encoding (single precision, Q=1): 0 1 0 01110 0 0 1 Rm 110101 Rn Rd.
func FADD(d, n, m VReg) Encoded {
	return threeSame(0x4e20d400, "FADD", d, n, m)
}

// FCMLTZero encodes FCMLT Vd.4S, Vn.4S, #0.0, which sets every bit of a
// lane of d where that lane of n is less than zero and clears it
// elsewhere. The compare is ordered, so NaN lanes and -0 give 0.
//
// Encoding (single precision, Q=1): 0 1 0 01110 1 0 10000 011101 0 Rn Rd.
func FCMLTZero(d, n VReg) Encoded {
	d.check()
	n.check()
	bits := 0x4ea0e800 | uint32(n)<<5 | uint32(d)
	return Encoded{bits, fmt.Sprintf("FCMLT V%d.4S, V%d.4S, #0.0", d, n)}
}

// threeSame fills the register fields of an instruction in the ASIMD
// "three registers of the same type" class, whose opcode bits are base.
func threeSame(base uint32, mnemonic string, d, n, m VReg) Encoded {
	d.check()
	n.check()
	m.check()
	bits := base | uint32(m)<<16 | uint32(n)<<5 | uint32(d)
	return Encoded{bits, fmt.Sprintf("%s V%d.4S, V%d.4S, V%d.4S", mnemonic, d, n, m)}
}
