// Package nn runs convolutional neural networks: float32 tensors in NCHW
// layout, layers with the semantics of the ONNX operators of the same name,
// and a Model that executes a graph of them.
//
// Most programs get a Model from package nn/onnx (onnx.LoadFile), or build
// a Graph of layers and call NewModel, then call Predict or Run.
//
// Invalid shapes or attributes make Forward and Run return an error that
// names the layer, the value and what was expected; they do not panic on
// bad input.
//
// # Memory plans
//
// A Model plans its runs once per set of input shapes. The plan holds the
// type of every value, inferred by the layers (TypeInferrer) or, for a
// layer that cannot infer them, learned from the first run with those
// shapes. Values that depend only on constants and input shapes, such as
// the Shape, Gather, Concat chains that exporters emit before a Reshape,
// are computed once when the plan is built. Every other value gets a
// region of an arena: regions are reused once no later layer reads their
// value, views (Reshape, Flatten, Squeeze, Unsqueeze, Identity) share the
// region of their input, and elementwise layers (InPlaceLayer) write over
// an input that no later layer reads. A Concat along channels of one
// image has its inputs computed straight into its output, when no other
// layer reads them, and then copies nothing. Layers that implement
// IntoLayer compute into the arena, and the others run Forward, which
// allocates.
//
// A model whose shapes depend on values computed during the run, such as
// a Reshape whose shape comes from an int64 graph input, runs every layer
// with Forward instead.
//
// # Concurrency
//
// A Model may be used from many goroutines at once. The graph, the weights
// and the plans are shared and not written after they are built. A new
// plan is added to the model's cache under a lock. Each run takes an arena
// of its own from its plan's free list, so concurrent runs share no
// buffers, and a run computes the same bits whether or not other runs are
// in flight. Layers keep no state between calls, so Forward and
// ForwardInto may be called from several goroutines at once.
//
// Once a plan exists for the input shapes, PredictInto and RunInto
// allocate nothing when every layer implements IntoLayer and the kernels
// they call allocate nothing. They compute each output that one layer
// writes on its own straight into the caller's tensor, unless the
// caller's tensors share memory with each other or with the inputs. Run
// and Predict allocate their outputs. A
// plan keeps its arenas, including across garbage collections, for as
// long as the model lives: as many as runs of that plan were ever in
// flight at once.
package nn
