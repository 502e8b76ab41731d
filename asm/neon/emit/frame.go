package emit

import "fmt"

// Param is one parameter of an assembly function: its name and its Go
// type, one of int, bool, float32, []float32 and []int.
type Param struct {
	Name string
	Type string
}

// frame is the layout of a function's arguments in the ABI0 calling
// convention that Go assembly functions use on arm64: every argument on the
// stack, in order, each aligned to its own alignment, addressed from the
// pseudo-register FP.
type frame struct {
	offsets map[string]int
	slices  map[string]bool
	size    int
}

// layoutParams computes the offset of every parameter and the size of the
// arguments, which the TEXT directive states and go vet checks.
func layoutParams(params []Param) frame {
	fr := frame{offsets: map[string]int{}, slices: map[string]bool{}}
	for _, p := range params {
		var size, align int
		switch p.Type {
		case "int":
			size, align = 8, 8
		case "bool":
			size, align = 1, 1
		case "float32":
			size, align = 4, 4
		case "[]float32", "[]int":
			// A slice header: data pointer, length and capacity.
			size, align = 24, 8
			fr.slices[p.Name] = true
		default:
			panic(fmt.Sprintf("emit: parameter %s has type %s; only int, bool, float32, []float32 and []int are supported", p.Name, p.Type))
		}
		if _, dup := fr.offsets[p.Name]; dup {
			panic(fmt.Sprintf("emit: parameter %s declared twice", p.Name))
		}
		fr.size = (fr.size + align - 1) / align * align
		fr.offsets[p.Name] = fr.size
		fr.size += size
	}
	return fr
}

// operand returns the FP-relative operand of a parameter, or of a field
// of a slice parameter when suffix is "_base" or "_len". go vet's asmdecl
// check requires exactly these names.
func (fr frame) operand(name, suffix string) string {
	off, ok := fr.offsets[name]
	if !ok {
		panic(fmt.Sprintf("emit: no parameter named %s", name))
	}
	switch {
	case suffix == "" && fr.slices[name]:
		panic(fmt.Sprintf("emit: parameter %s is a slice; use Base or Len", name))
	case suffix != "" && !fr.slices[name]:
		panic(fmt.Sprintf("emit: parameter %s is not a slice", name))
	case suffix == "_len":
		off += 8
	}
	return fmt.Sprintf("%s%s+%d(FP)", name, suffix, off)
}
