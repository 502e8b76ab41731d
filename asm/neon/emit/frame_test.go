package emit

import "testing"

func TestFrameLayoutOfGemmKernel(t *testing.T) {
	fn := NewFile("kernels", "test", "!purego").Func("k", []Param{
		{"kc", "int"},
		{"a", "[]float32"},
		{"b", "[]float32"},
		{"c", "[]float32"},
		{"ldc", "int"},
		{"accumulate", "bool"},
	})
	cases := []struct{ got, want string }{
		{fn.Arg("kc"), "kc+0(FP)"},
		{fn.Base("a"), "a_base+8(FP)"},
		{fn.Len("a"), "a_len+16(FP)"},
		{fn.Base("b"), "b_base+32(FP)"},
		{fn.Base("c"), "c_base+56(FP)"},
		{fn.Arg("ldc"), "ldc+80(FP)"},
		{fn.Arg("accumulate"), "accumulate+88(FP)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("operand %q, want %q", c.got, c.want)
		}
	}
	if fn.frame.size != 89 {
		t.Errorf("argument size %d, want 89", fn.frame.size)
	}
}

func TestFrameAlignsAfterBool(t *testing.T) {
	fn := NewFile("kernels", "test", "!purego").Func("k", []Param{{"flag", "bool"}, {"n", "int"}})
	if got := fn.Arg("n"); got != "n+8(FP)" {
		t.Errorf("int after bool at %q, want n+8(FP)", got)
	}
	if fn.frame.size != 16 {
		t.Errorf("argument size %d, want 16", fn.frame.size)
	}
}

func TestFrameLayoutOfTapsRow(t *testing.T) {
	fn := NewFile("kernels", "test", "!purego").Func("k", []Param{
		{"dst", "[]float32"},
		{"src", "[]float32"},
		{"offsets", "[]int"},
		{"weights", "[]float32"},
		{"bias", "float32"},
		{"relu", "bool"},
	})
	cases := []struct{ got, want string }{
		{fn.Len("dst"), "dst_len+8(FP)"},
		{fn.Base("offsets"), "offsets_base+48(FP)"},
		{fn.Len("offsets"), "offsets_len+56(FP)"},
		{fn.Base("weights"), "weights_base+72(FP)"},
		{fn.Arg("bias"), "bias+96(FP)"},
		{fn.Arg("relu"), "relu+100(FP)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("operand %q, want %q", c.got, c.want)
		}
	}
	if fn.frame.size != 101 {
		t.Errorf("argument size %d, want 101", fn.frame.size)
	}
}
