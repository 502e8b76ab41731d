package nn

import "github.com/simdnn/simdnn/kernels"

// convPool is the MaxPool fused into a Conv (Conv.FuseMaxPool), resolved
// for one convolution geometry.
type convPool struct {
	convShape []int // shape of the convolution's output Y, which the pooling reads
	convSize  int   // elements of Y
	shape     []int // shape of the pooled output
	scratch   int   // the pooling's ScratchSize

	// direct is set when kernels.Conv2DMaxPool computes the pair: a 2-D
	// convolution and a pooling that isPool3x3Stride2 accepts, whose
	// output is poolH×poolW per plane with pad rows and columns before Y.
	direct            bool
	poolH, poolW, pad int
}

// resolvePool checks c.FuseMaxPool against the output of the convolution
// s and returns its geometry.
func (c Conv) resolvePool(s convShape) (convPool, error) {
	pool := *c.FuseMaxPool
	cp := convPool{convShape: append([]int{s.batch, s.outC}, s.outShape()...)}
	y := []*TensorType{{DType: Float32, Shape: cp.convShape}}
	types, err := pool.InferTypes(y, nil)
	if err != nil {
		return cp, err
	}
	if len(types) != 1 {
		return cp, layerError(pool, "fused into Conv %q with %d outputs, want 1", c.NodeName, len(types))
	}
	cp.shape = types[0].Shape
	if cp.scratch, err = pool.ScratchSize(y); err != nil {
		return cp, err
	}
	cp.convSize = elementCount(cp.convShape)

	var buf windowBuffer
	win, err := pool.resolve(cp.convShape, &buf)
	if err != nil {
		return cp, err
	}
	if len(s.axes) == 2 && isPool3x3Stride2(win) {
		cp.direct = true
		cp.poolH, cp.poolW, cp.pad = win.axes[0].out, win.axes[1].out, win.axes[0].padBegin
	}
	return cp, nil
}

// forwardPooled computes the pooled output of a Conv with FuseMaxPool.
// packs holds the prepacked weights, or is nil. A single group with
// packed GEMM weights and a pooling that cp.direct accepts runs through
// kernels.Conv2DMaxPool, image by image. Other convolutions compute Y
// into scratch and pool it with the MaxPool layer.
func (c Conv) forwardPooled(outputs, inputs []*Tensor, bias []float32, packs *packedWeights, s convShape, cp convPool, scratch []float32) error {
	pool := *c.FuseMaxPool
	if err := checkOutput(c, outputs, 0, Float32, cp.shape); err != nil {
		return err
	}
	x, w, y := inputs[0].Data, inputs[1].Data, outputs[0].Data

	if cp.direct && s.groups == 1 && packs != nil && len(packs.packs) == 1 && s.patchSize > 0 {
		params := conv2DParams(s.window.as2D(), s.inC)
		inSize := s.inC * elementCount(s.in)
		outSize := s.outC * cp.poolH * cp.poolW
		for n := 0; n < s.batch; n++ {
			kernels.Conv2DMaxPool(y[n*outSize:(n+1)*outSize], x[n*inSize:(n+1)*inSize], packs.packs[0], bias,
				params, c.activation(), cp.poolH, cp.poolW, cp.pad)
		}
		return nil
	}

	need := s.scratchSize() + cp.convSize + cp.scratch
	if len(scratch) < need {
		return layerError(c, "scratch has %d elements, want %d", len(scratch), need)
	}
	convScratch, rest := scratch[:s.scratchSize()], scratch[s.scratchSize():]
	conv := &Tensor{DType: Float32, Shape: cp.convShape, Data: rest[:cp.convSize]}
	c.computePacked(conv.Data, x, w, packs, bias, s, convScratch)
	return pool.ForwardInto(outputs, []*Tensor{conv}, rest[cp.convSize:])
}
