//go:build race

package nn

// raceEnabled is set when the tests run with -race, whose instrumentation
// allocates where the plain build does not.
const raceEnabled = true
