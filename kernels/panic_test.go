package kernels

import "testing"

// panicCase is a call that must panic, named for the subtest.
type panicCase struct {
	name string
	call func()
}

// expectPanics runs each case as a subtest that fails unless the call
// panics.
func expectPanics(t *testing.T, cases []panicCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.call()
		})
	}
}
