package emit

import "testing"

// The expected encodings were produced by GNU as and objdump from Debian
// bookworm's binutils-aarch64-linux-gnu (GNU Binutils 2.40), assembling
// the instruction in the syntax column:
//
//	aarch64-linux-gnu-as ref.s -o ref.o && aarch64-linux-gnu-objdump -d ref.o
//
// The cases cover every lane index, register 31 in each register field and
// registers above 15 (the high bit of each field).
func TestEncodings(t *testing.T) {
	cases := []struct {
		got    Encoded
		bits   uint32
		syntax string
	}{
		{FMLAElem(8, 0, 4, 0), 0x4f841008, "FMLA V8.4S, V0.4S, V4.S[0]"},
		{FMLAElem(9, 1, 4, 1), 0x4fa41029, "FMLA V9.4S, V1.4S, V4.S[1]"},
		{FMLAElem(10, 2, 4, 2), 0x4f84184a, "FMLA V10.4S, V2.4S, V4.S[2]"},
		{FMLAElem(11, 3, 4, 3), 0x4fa4186b, "FMLA V11.4S, V3.4S, V4.S[3]"},
		{FMLAElem(31, 3, 6, 3), 0x4fa6187f, "FMLA V31.4S, V3.4S, V6.S[3]"},
		{FMLAElem(0, 31, 17, 2), 0x4f911be0, "FMLA V0.4S, V31.4S, V17.S[2]"},
		{FMLAElem(27, 3, 31, 1), 0x4fbf107b, "FMLA V27.4S, V3.4S, V31.S[1]"},
		{FMAX(0, 0, 31), 0x4e3ff400, "FMAX V0.4S, V0.4S, V31.4S"},
		{FMAX(4, 0, 1), 0x4e21f404, "FMAX V4.4S, V0.4S, V1.4S"},
		{FMAX(31, 17, 2), 0x4e22f63f, "FMAX V31.4S, V17.4S, V2.4S"},
		{FMAX(1, 30, 5), 0x4e25f7c1, "FMAX V1.4S, V30.4S, V5.4S"},
		{FADD(8, 8, 0), 0x4e20d508, "FADD V8.4S, V8.4S, V0.4S"},
		{FADD(31, 31, 7), 0x4e27d7ff, "FADD V31.4S, V31.4S, V7.4S"},
		{FADD(3, 17, 30), 0x4e3ed623, "FADD V3.4S, V17.4S, V30.4S"},
		{FCMLTZero(4, 0), 0x4ea0e804, "FCMLT V4.4S, V0.4S, #0.0"},
		{FCMLTZero(31, 17), 0x4ea0ea3f, "FCMLT V31.4S, V17.4S, #0.0"},
		{FCMLTZero(7, 31), 0x4ea0ebe7, "FCMLT V7.4S, V31.4S, #0.0"},
	}
	for _, c := range cases {
		if c.got.Syntax != c.syntax {
			t.Errorf("syntax %q, want %q", c.got.Syntax, c.syntax)
		}
		if c.got.Bits != c.bits {
			t.Errorf("%s: encoded %#08x, GNU as %#08x", c.syntax, c.got.Bits, c.bits)
		}
	}
}

func TestEncodersRejectBadOperands(t *testing.T) {
	cases := map[string]func(){
		"register 32":   func() { FMAX(32, 0, 0) },
		"register -1":   func() { FADD(0, -1, 0) },
		"lane index 4":  func() { FMLAElem(0, 0, 0, 4) },
		"lane index -1": func() { FMLAElem(0, 0, 0, -1) },
		"FCMLT V32":     func() { FCMLTZero(32, 0) },
	}
	for name, encode := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			encode()
		})
	}
}
