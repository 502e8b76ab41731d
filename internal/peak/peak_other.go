//go:build purego || !amd64

package peak

func available() bool { return false }

func lanes() int { return 8 }

func runFMA(iterations int) {}
