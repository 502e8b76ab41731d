#!/usr/bin/python3
"""Time the exported single-layer ONNX models with PyTorch for the driver.

The driver, bench/compare, starts this worker; it is not meant to be run by
hand:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/torch_worker.py LAYERS_DIR

PyTorch cannot run an ONNX file, so the worker reads each file with the onnx
package. It then calls, with the file's weights and attributes, the
torch.nn.functional operator that torch.onnx.export turned into that ONNX
node: Conv as conv2d, MaxPool as max_pool2d, Relu as relu and Gemm as linear.
Any other graph is rejected with an error.

The worker reads one JSON request per line on stdin and writes one JSON
response per line on stdout:

    {"op": "time", "layer": NAME, "threads": N, "warmup": W, "samples": K}
        sets torch.set_num_threads(N), runs W untimed and K timed calls under
        torch.inference_mode() and returns {"ms": [...]}, the wall time of
        each timed call
    {"op": "check", "layer": NAME}
        returns {"sum": S, "abs_sum": A} of one output at 1 thread
    {"op": "finish"}
        returns {} and exits

Errors are returned as {"error": MESSAGE}; the first line written is
{"engine": "PyTorch VERSION, BLAS FILE"}, where FILE is the BLAS library that
the process has loaded. Debian's torch calls BLAS for Linear and, at 1 thread,
for 1×1 convolutions, so the reference BLAS of libblas3 makes those slow.

Requirements: Debian 12 packages python3-torch (1.13) and python3-onnx (1.12).
Set OMP_WAIT_POLICY=PASSIVE (the driver does) so that PyTorch's OpenMP threads
sleep instead of spinning while the other engines run.
"""

import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn.functional as F


def attributes(node):
    """Return the node's attributes as a dict of Python values."""
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def symmetric_padding(node, attrs, spatial):
    """Return the per-axis padding of a Conv or MaxPool node.

    ONNX lists the begin pads of each axis, then the end pads. PyTorch's
    functional operators take one pad per axis, so unequal ends are rejected.
    """
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ValueError(f"{node.op_type} {node.name!r}: auto_pad is not supported")
    pads = list(attrs.get("pads", [0] * (2 * spatial)))
    if pads[:spatial] != pads[spatial:]:
        raise ValueError(f"{node.op_type} {node.name!r}: asymmetric pads {pads}")
    return pads[:spatial]


def build_function(path):
    """Return a function that computes the single node of the ONNX file."""
    model = onnx.load(path)
    graph = model.graph
    if len(graph.node) != 1:
        raise ValueError(f"{path}: {len(graph.node)} nodes, expected 1")
    node = graph.node[0]
    attrs = attributes(node)
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
               for t in graph.initializer}
    params = [weights.get(name) for name in node.input[1:]]

    if node.op_type == "Conv":
        weight = params[0]
        bias = params[1] if len(params) > 1 else None
        spatial = weight.dim() - 2
        padding = symmetric_padding(node, attrs, spatial)
        stride = list(attrs.get("strides", [1] * spatial))
        dilation = list(attrs.get("dilations", [1] * spatial))
        groups = attrs.get("group", 1)
        return lambda x: F.conv2d(x, weight, bias, stride, padding, dilation, groups)

    if node.op_type == "MaxPool":
        kernel = list(attrs["kernel_shape"])
        padding = symmetric_padding(node, attrs, len(kernel))
        stride = list(attrs.get("strides", [1] * len(kernel)))
        dilation = list(attrs.get("dilations", [1] * len(kernel)))
        ceil_mode = bool(attrs.get("ceil_mode", 0))
        return lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)

    if node.op_type == "Relu":
        return F.relu

    if node.op_type == "Gemm":
        if attrs.get("transA", 0) != 0 or attrs.get("transB", 0) != 1:
            raise ValueError(f"Gemm {node.name!r}: only transA = 0, transB = 1 is supported")
        if attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise ValueError(f"Gemm {node.name!r}: only alpha = beta = 1 is supported")
        weight = params[0]
        bias = params[1] if len(params) > 1 else None
        return lambda x: F.linear(x, weight, bias)

    raise ValueError(f"{path}: operator {node.op_type} is not supported")


def input_tensor(shape):
    """Return the input that bench.InputValue in Go computes, element by element."""
    n = int(np.prod(shape))
    index = np.arange(n, dtype=np.int64)
    values = ((index * 7919) % 2001 - 1000).astype(np.float64) / 1000
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


class Worker:
    """The layers of one manifest, built on first use."""

    def __init__(self, layers_dir):
        self.layers_dir = layers_dir
        with open(os.path.join(layers_dir, "layers.json"), encoding="utf-8") as f:
            self.manifest = {layer["name"]: layer for layer in json.load(f)["layers"]}
        self.built = {}

    def layer(self, name):
        """Return (function, input) for the layer called name."""
        if name not in self.built:
            if name not in self.manifest:
                raise ValueError(f"layer {name} is not in {self.layers_dir}/layers.json")
            entry = self.manifest[name]
            function = build_function(os.path.join(self.layers_dir, entry["file"]))
            self.built[name] = (function, input_tensor(entry["input"]))
        return self.built[name]

    def time(self, request):
        function, x = self.layer(request["layer"])
        torch.set_num_threads(request["threads"])
        with torch.inference_mode():
            for _ in range(request["warmup"]):
                function(x)
            ms = []
            for _ in range(request["samples"]):
                start = time.perf_counter_ns()
                function(x)
                ms.append((time.perf_counter_ns() - start) / 1e6)
        return {"ms": ms}

    def check(self, request):
        function, x = self.layer(request["layer"])
        torch.set_num_threads(1)
        with torch.inference_mode():
            y = function(x).double()
        return {"sum": float(y.sum()), "abs_sum": float(y.abs().sum())}


def blas_library():
    """Return the file name of the BLAS library mapped into this process (Linux only)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.basename(p) for p in paths)) or "unknown"


def reply(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: torch_worker.py LAYERS_DIR")
    worker = Worker(sys.argv[1])
    reply({"engine": f"PyTorch {torch.__version__}, BLAS {blas_library()}"})

    for line in sys.stdin:
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "time":
                reply(worker.time(request))
            elif op == "check":
                reply(worker.check(request))
            elif op == "finish":
                reply({})
                return
            else:
                reply({"error": f"unknown op {op!r}"})
        except Exception as e:  # reported to the driver, which stops the run
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
