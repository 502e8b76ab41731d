package nn

// MaxPool is the ONNX MaxPool operator on NCHW input. Padded positions
// never win the maximum. Only the first output (Y) is produced.
type MaxPool struct {
	NodeName     string
	KernelShape  []int // [kH, kW], required
	Strides      []int
	Pads         []int // [hBegin, wBegin, hEnd, wEnd]
	Dilations    []int
	CeilMode     bool
	AutoPad      string
	StorageOrder int
}
