package nn

import (
	"github.com/simdnn/simdnn/internal/freelist"
	"github.com/simdnn/simdnn/kernels"
)

// minSplitElements is the fewest elements of a same-shape float32 binary
// operation worth splitting across threads. By estimate that is a few tens
// of microseconds of work, against a few for handing a piece to a polling
// worker.
const minSplitElements = 1 << 16

// sameShapeApply computes dst = a op b for float32 slices of one length,
// then ReLU when relu is set, in ranges on the kernels' worker pool when
// the slices are long. Each element gets the same operations whatever the
// split, so the result does not depend on the thread count. dst may be a
// or b.
func sameShapeApply(op binaryOp, dst, a, b []float32, relu bool) {
	parts := min(kernels.Threads(), len(dst)/minSplitElements)
	if parts <= 1 {
		applyRange(op, dst, a, b, relu)
		return
	}
	j := elementwiseJobs.GetOrNew()
	*j = elementwiseJob{op: op, dst: dst, a: a, b: b, relu: relu, parts: parts}
	kernels.ParallelRun(parts, j)
	*j = elementwiseJob{}
	elementwiseJobs.Put(j)
}

// applyRange is sameShapeApply on the calling goroutine. Sums, the
// residual connections of ResNet and MobileNetV2, go to the vector kernel,
// which gives the Go loop's bits.
func applyRange(op binaryOp, dst, a, b []float32, relu bool) {
	if op == opAdd {
		kernels.Add(dst, a, b, relu)
		return
	}
	applyRow(op, dst, a, b, 1, 1)
	if relu {
		kernels.ReLU(dst, dst)
	}
}

// elementwiseJob is a sameShapeApply call split into parts ranges, each
// a multiple of 16 elements long except the last.
type elementwiseJob struct {
	op        binaryOp
	dst, a, b []float32
	relu      bool
	parts     int
}

// elementwiseJobs is a free list rather than a sync.Pool, which would
// allocate after a garbage collection.
var elementwiseJobs freelist.List[elementwiseJob]

func (j *elementwiseJob) Piece(part int) {
	units := (len(j.dst) + 15) / 16
	lo := min(units*part/j.parts*16, len(j.dst))
	hi := min(units*(part+1)/j.parts*16, len(j.dst))
	applyRange(j.op, j.dst[lo:hi], j.a[lo:hi], j.b[lo:hi], j.relu)
}
