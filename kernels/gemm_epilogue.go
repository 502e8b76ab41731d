package kernels

// epilogue is the work applied to each finished tile of C: adding a bias
// per row, then the activation. The zero value does nothing.
type epilogue struct {
	bias []float32 // bias[i] is added to row i of C; nil for none
	act  Activation
}

// rows returns the epilogue of the rows of C from first on.
func (ep epilogue) rows(first int) epilogue {
	if ep.bias != nil {
		ep.bias = ep.bias[first:]
	}
	return ep
}

// tileBias returns the bias of the tile whose first row is row first,
// or nil when there is none.
func (ep epilogue) tileBias(first int) []float32 {
	return ep.cornerBias(first, gemmMR)
}

// cornerBias returns the bias of the rows rows from row first on, or nil
// when there is none.
func (ep epilogue) cornerBias(first, rows int) []float32 {
	if ep.bias == nil {
		return nil
	}
	return ep.bias[first : first+rows]
}

// apply runs the epilogue on the rows×cols tile at c[0], which is row
// firstRow of the C that ep describes.
func (ep epilogue) apply(c []float32, ldc, firstRow, rows, cols int) {
	if ep.bias == nil && !ep.act.relu {
		return
	}
	for i := 0; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		if ep.bias != nil {
			b := ep.bias[firstRow+i]
			for j := range row {
				row[j] += b
			}
		}
		ep.act.apply(impl.relu, impl.clamp, row)
	}
}
