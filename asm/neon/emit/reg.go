package emit

import (
	"fmt"
	"strings"
)

// VReg is one of the 32 128-bit SIMD registers V0–V31.
type VReg int

func (v VReg) check() {
	if v < 0 || v > 31 {
		panic(fmt.Sprintf("emit: vector register V%d out of range V0–V31", int(v)))
	}
}

// S4 returns the register as four float32 lanes in Go assembler syntax
// ("V3.S4"); the Arm syntax is "V3.4S".
func (v VReg) S4() string {
	v.check()
	return fmt.Sprintf("V%d.S4", int(v))
}

// B16 returns the register as sixteen byte lanes in Go assembler syntax
// ("V3.B16"), the form that bitwise instructions such as VEOR take.
func (v VReg) B16() string {
	v.check()
	return fmt.Sprintf("V%d.B16", int(v))
}

// F returns the scalar name of the register ("F3"). FMOVS and FMOVD load
// and store its low 32 or 64 bits under that name, and a load clears the
// rest of the register.
func (v VReg) F() string {
	v.check()
	return fmt.Sprintf("F%d", int(v))
}

// List returns consecutive registers as the four-lane register list of
// VLD1, VST1 and VLD2 ("[V0.S4, V1.S4]"). Those instructions encode only
// the first register and the count, so the registers must be consecutive.
func List(first VReg, count int) string {
	if count < 1 || count > 4 {
		panic(fmt.Sprintf("emit: register list of %d registers; VLD1 and VST1 take 1 to 4", count))
	}
	names := make([]string, count)
	for i := range names {
		names[i] = VReg((int(first) + i) % 32).S4()
	}
	return "[" + strings.Join(names, ", ") + "]"
}
