package nn

// Flatten is the ONNX Flatten operator: the output is 2-D, the dimensions
// before Axis multiplied into the first and the rest into the second.
// A negative Axis counts from the end.
type Flatten struct {
	NodeName string
	Axis     int // ONNX default 1
}

// Reshape is the ONNX Reshape operator. The second input is an int64
// tensor of the new shape; 0 copies the input dimension unless AllowZero
// is set, and one -1 is inferred.
type Reshape struct {
	NodeName  string
	AllowZero bool
}

// Identity returns its input. The importer also uses it for Dropout,
// which is the identity at inference.
type Identity struct {
	NodeName string
}
