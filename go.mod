module github.com/simdnn/simdnn

go 1.26

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	golang.org/x/sys v0.41.0
	google.golang.org/protobuf v1.36.12
)
