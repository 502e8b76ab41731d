//go:build purego || !amd64

package peak

func available() bool { return false }

func runFMA(iterations int) {}
