package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/simdnn/simdnn/internal/backendtest"
)

func runONNXTest(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("onnx-test", "DIR...", stderr)
	rtol := fs.Float64("rtol", 1e-3, "relative tolerance; an element passes when |got-want| <= atol + rtol*|want|")
	atol := fs.Float64("atol", 1e-7, "absolute tolerance")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError(fs, "name at least one folder that contains model.onnx and test_data_set_N folders, or a folder of such folders")
	}

	dirs, err := testFolders(fs.Args())
	if err != nil {
		return err
	}

	passed, failed := 0, 0
	for _, dir := range dirs {
		result, err := backendtest.RunDir(dir, *rtol, *atol)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", dir, err)
		case !result.Pass:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: max abs error %.3g, max rel error %.3g (rtol %g, atol %g): %s\n",
				dir, result.MaxAbsError, result.MaxRelError, result.RTol, result.ATol, result.Message)
		default:
			passed++
			fmt.Fprintf(stdout, "PASS %s: max abs error %.3g, max rel error %.3g (rtol %g, atol %g)\n",
				dir, result.MaxAbsError, result.MaxRelError, result.RTol, result.ATol)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d test folders failed", failed, len(dirs))
	}
	return nil
}

// testFolders expands the command's arguments. A folder that contains
// model.onnx is a test folder. Any other folder stands for every folder
// below it that contains model.onnx, in path order.
func testFolders(args []string) ([]string, error) {
	var dirs []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("%s is not a folder; name a folder that contains model.onnx", arg)
		}
		var found []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && fileExists(filepath.Join(path, "model.onnx")) {
				found = append(found, path)
				return filepath.SkipDir // a test folder holds no further tests
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s contains no model.onnx, nor does any folder below it", arg)
		}
		slices.Sort(found)
		dirs = append(dirs, found...)
	}
	return dirs, nil
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
