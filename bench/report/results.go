// Package report holds the results of bench/compare as it writes them to
// JSON, without the simdnn packages, so that bench/chart builds on its own.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Engine IDs used as keys of LayerResult.MedianMS.
const (
	EngineSimdnn  = "simdnn"
	EngineORT     = "ort"      // ONNX Runtime, time inside the runtime (its profiler)
	EngineORTNode = "ort-node" // ONNX Runtime, wall time of session.run seen from Node
	EnginePyTorch = "pytorch"
)

// ResultsVersion is the version of the Results JSON layout; ReadResults
// rejects files of another version.
const ResultsVersion = 1

// Results is the record of one run of bench/compare: the driver writes it as
// JSON, and bench/chart and the Markdown tables are made from it.
type Results struct {
	Version int       `json:"version"`
	Date    time.Time `json:"date"`
	Machine Machine   `json:"machine"`
	Method  Method    `json:"method"`

	// Engines lists the engines that took part, simdnn first.
	Engines []Engine `json:"engines"`

	// Skipped explains each engine that could not be started.
	Skipped []string `json:"skipped,omitempty"`

	Layers  []LayerResult `json:"layers"`
	Checks  []Check       `json:"checks"`
	Kernels *KernelResult `json:"kernels,omitempty"`
}

// Machine describes the computer and software of a run.
type Machine struct {
	CPU        string   `json:"cpu"`
	Family     int      `json:"family"`
	Model      int      `json:"model"`
	Cores      int      `json:"cores"`
	Hypervisor string   `json:"hypervisor,omitempty"`
	L1D        int      `json:"l1d_bytes"`
	L2         int      `json:"l2_bytes"`
	L3         int      `json:"l3_bytes"`
	Features   []string `json:"features"`
	Go         string   `json:"go"`
	Kernels    string   `json:"kernels"` // simdnn's kernels.Implementation()
	LoadBefore string   `json:"load_before"`
	LoadAfter  string   `json:"load_after"`
	Command    string   `json:"command"`
}

// Method records how the layer timings were taken.
type Method struct {
	Rounds  int   `json:"rounds"`
	Warmup  int   `json:"warmup"`
	Samples int   `json:"samples"` // timed calls per engine, layer and thread count in each round
	Threads []int `json:"threads"`
}

// Engine is one column of the layer tables.
type Engine struct {
	ID   string `json:"id"`
	Name string `json:"name"` // with its version, such as "onnxruntime-node 1.30.0"

	// Peer is true for the engines that simdnn is compared with. The ORT
	// wall time from Node is shown but is not a peer of its own.
	Peer bool `json:"peer"`
}

// LayerResult is the timing of one layer at one thread count.
type LayerResult struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	FLOPs   int64  `json:"flops"`
	Bytes   int64  `json:"bytes"`
	Threads int    `json:"threads"`

	// MedianMS and Samples are keyed by engine ID; an engine that did not
	// run has no entry.
	MedianMS map[string]float64 `json:"median_ms"`
	Samples  map[string]int     `json:"samples"`

	// AllocsPerRun and AllocBytesPerRun are simdnn's heap allocations per
	// Predict call.
	AllocsPerRun     float64 `json:"allocs_per_run"`
	AllocBytesPerRun float64 `json:"alloc_bytes_per_run"`
}

// Check compares one engine's output checksums for a layer with simdnn's.
type Check struct {
	Layer  string  `json:"layer"`
	Engine string  `json:"engine"`
	Sum    float64 `json:"sum"`
	AbsSum float64 `json:"abs_sum"`

	// Deviation is the larger of |sum - simdnn's sum| and |abs_sum -
	// simdnn's abs_sum|, divided by simdnn's abs_sum.
	Deviation float64 `json:"deviation"`
}

// KernelResult holds the medians of the kernel benchmarks over Passes
// runs of the test binary, keyed by benchmark name without the Benchmark
// prefix, such as "Sgemm/gonum/256x256x256".
type KernelResult struct {
	Passes int                `json:"passes"`
	Order  []string           `json:"order"` // benchmark names in the order they ran
	GFLOPS map[string]float64 `json:"gflops,omitempty"`
	MBps   map[string]float64 `json:"mb_per_s,omitempty"`
	NsOp   map[string]float64 `json:"ns_per_op"`
}

// BestPeer returns the peer engine with the lowest median time for r and
// that time, or "" and 0 when no peer ran.
func (res *Results) BestPeer(r LayerResult) (string, float64) {
	best, bestMS := "", 0.0
	for _, e := range res.Engines {
		ms, ok := r.MedianMS[e.ID]
		if !e.Peer || !ok {
			continue
		}
		if best == "" || ms < bestMS {
			best, bestMS = e.ID, ms
		}
	}
	return best, bestMS
}

// EngineName returns the display name of the engine with the given ID.
func (res *Results) EngineName(id string) string {
	for _, e := range res.Engines {
		if e.ID == id {
			return e.Name
		}
	}
	return id
}

// ReadResults reads the JSON that bench/compare wrote to path.
func ReadResults(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res Results
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if res.Version != ResultsVersion {
		return nil, fmt.Errorf("%s: results version %d, expected %d: rerun bench/compare.sh", path, res.Version, ResultsVersion)
	}
	return &res, nil
}
