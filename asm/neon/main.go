// Command neon generates the arm64 ASIMD (NEON) kernels: the SGEMM
// micro-kernel, ReLU, the row kernels of max pooling, the row kernel of
// depthwise convolution and the matrix-vector kernels. They are the arm64
// twins of the avo generators ../sgemm, ../relu, ../pool, ../depthwise and
// ../gemv, which emit amd64 only. For each kernel family it writes NAME_arm64.s and the Go
// declarations NAME_arm64.go into the directory -out.
//
// Every function uses only ASIMD, which Go requires of arm64 CPUs (its
// runtime and internal/bytealg use it without a feature check), so the
// kernels need no run-time detection.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/simdnn/simdnn/asm/neon/emit"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("neon: ")
	pkg := flag.String("pkg", "kernels", "package `name` of the generated files")
	out := flag.String("out", ".", "`directory` to write the generated files into")
	flag.Parse()

	// The header names the command as run from the asm module, with the
	// flags as given, so that it contains no machine path unless -out does.
	command := fmt.Sprintf("go run ./neon -pkg %s -out %s", *pkg, *out)
	families := []struct {
		name     string
		generate func(*emit.File)
	}{
		{"sgemm", generateSgemm},
		{"relu", generateReLU},
		{"pool", generatePool},
		{"depthwise", generateDepthwise},
		{"gemv", generateGemv},
	}
	for _, family := range families {
		f := emit.NewFile(*pkg, command, "!purego")
		family.generate(f)
		if err := write(f, filepath.Join(*out, family.name+"_arm64")); err != nil {
			log.Fatal(err)
		}
	}
}

// write writes the assembly to base.s and the stubs to base.go.
func write(f *emit.File, base string) error {
	stubs, err := f.Stubs()
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".s", f.Assembly(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".go", stubs, 0o644)
}
