package nn

// Conv is the ONNX Conv operator on NCHW input: inputs X [N, C, H, W],
// W [M, C/Group, kH, kW] and optional B [M]; output Y [N, M, outH, outW].
// Empty slices take the ONNX defaults (kernel shape from W, strides and
// dilations 1, pads 0).
type Conv struct {
	NodeName    string
	KernelShape []int  // [kH, kW]
	Strides     []int  // [sH, sW]
	Pads        []int  // [hBegin, wBegin, hEnd, wEnd]
	Dilations   []int  // [dH, dW]
	Group       int    // 0 means 1
	AutoPad     string // "", "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER"
}
