#!/usr/bin/python3
"""Export the single-layer ONNX models that simdnn and its peers are timed on.

Usage (from the repository root or anywhere else):

    /usr/bin/python3 bench/layers/export.py [--out-dir DIR]

Requirements: Debian 12 packages python3-torch (1.13) and python3-onnx (1.12).

Each layer is a torch module with random weights (torch.manual_seed(SEED), so
every run writes the same weights), exported by torch.onnx.export with opset 13
at batch 1. The graph input is named "x" and the output "y". Convolutions have
a bias, as exported networks have once batch normalisation is folded in.

Files written to --out-dir (default: bench/layers/out, which git ignores because
the fully connected layers alone take 12 MB):
    NAME.onnx     one model per layer in LAYERS
    layers.json   the manifest that the Go benchmarks, the driver and the peer
                  scripts read. It lists each layer's name, title, file, input
                  and output shapes, and "flops" (a multiply-add counts 2) or,
                  for the memory-bound layers, "bytes". Bytes are the input plus
                  the output size, the least memory traffic a run can have.

The script checks every exported file with onnx.checker and compares the ONNX
graph's output shape with PyTorch's before it writes the manifest.
"""

import argparse
import json
import os
import sys

import onnx
import torch
from torch import nn

SEED = 20261204
OPSET = 13
BYTES_PER_FLOAT = 4


def conv_layer(name, title, cin, cout, kernel, size, stride=1, padding=0, groups=1):
    """Describe a Conv2d layer on a square cin×size×size input."""
    module = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, groups=groups)
    out_size = (size + 2 * padding - kernel) // stride + 1
    flops = 2 * cout * (cin // groups) * kernel * kernel * out_size * out_size
    return {
        "name": name,
        "title": title,
        "module": module,
        "input": [1, cin, size, size],
        "output": [1, cout, out_size, out_size],
        "flops": flops,
    }


def pool_layer(name, title, channels, kernel, size, stride, padding=0):
    """Describe a MaxPool2d layer on a square channels×size×size input."""
    module = nn.MaxPool2d(kernel, stride=stride, padding=padding)
    out_size = (size + 2 * padding - kernel) // stride + 1
    elements = channels * size * size + channels * out_size * out_size
    return {
        "name": name,
        "title": title,
        "module": module,
        "input": [1, channels, size, size],
        "output": [1, channels, out_size, out_size],
        "bytes": BYTES_PER_FLOAT * elements,
    }


def relu_layer(name, title, channels, size):
    """Describe a ReLU layer on a square channels×size×size input."""
    shape = [1, channels, size, size]
    return {
        "name": name,
        "title": title,
        "module": nn.ReLU(),
        "input": shape,
        "output": shape,
        "bytes": 2 * BYTES_PER_FLOAT * channels * size * size,
    }


def linear_layer(name, title, inputs, outputs):
    """Describe a Linear layer, which exports as ONNX Gemm with transB = 1."""
    return {
        "name": name,
        "title": title,
        "module": nn.Linear(inputs, outputs),
        "input": [1, inputs],
        "output": [1, outputs],
        "flops": 2 * inputs * outputs,
    }


def build_layers():
    """Return the layers in table order, their weights drawn after one seed."""
    torch.manual_seed(SEED)
    return [
        conv_layer("conv3x3_64to64_56px", "conv 3×3 64→64 @56×56 pad 1",
                   64, 64, 3, 56, padding=1),
        conv_layer("conv3x3_128to128_28px", "conv 3×3 128→128 @28×28 pad 1",
                   128, 128, 3, 28, padding=1),
        conv_layer("conv1x1_256to64_56px", "conv 1×1 256→64 @56×56",
                   256, 64, 1, 56),
        conv_layer("conv7x7s2_3to64_224px", "conv 7×7/2 pad 3, 3→64 @224×224",
                   3, 64, 7, 224, stride=2, padding=3),
        conv_layer("depthwise3x3_32ch_112px", "depthwise 3×3, 32 ch @112×112 pad 1",
                   32, 32, 3, 112, padding=1, groups=32),
        conv_layer("lenet_conv5x5_1to6_28px", "conv 5×5 pad 2, 1→6 @28×28 (LeNet)",
                   1, 6, 5, 28, padding=2),
        conv_layer("conv3x3_1to32_28px", "conv 3×3, 1→32 @28×28",
                   1, 32, 3, 28),
        pool_layer("maxpool2x2s2_64ch_112px", "max pool 2×2/2 on 64×112×112",
                   64, 2, 112, stride=2),
        pool_layer("maxpool3x3s2p1_64ch_112px", "max pool 3×3/2 pad 1 on 64×112×112",
                   64, 3, 112, stride=2, padding=1),
        relu_layer("relu_64ch_112px", "ReLU on 64×112×112", 64, 112),
        linear_layer("fc_9216to128", "fully connected 9216→128", 9216, 128),
        linear_layer("fc_2048to1000", "fully connected 2048→1000", 2048, 1000),
    ]


def onnx_output_shape(path):
    """Return the static shape of the single graph output of the file at path."""
    model = onnx.load(path)
    onnx.checker.check_model(model)
    dims = model.graph.output[0].type.tensor_type.shape.dim
    return [d.dim_value for d in dims]


def export(layer, out_dir):
    """Export one layer to out_dir/NAME.onnx and return its manifest entry."""
    module = layer["module"].eval()
    x = torch.rand(layer["input"]) * 2 - 1
    path = os.path.join(out_dir, layer["name"] + ".onnx")

    with torch.inference_mode():
        y = module(x)
    if list(y.shape) != layer["output"]:
        raise SystemExit(f'{layer["name"]}: PyTorch output shape {list(y.shape)}, '
                         f'expected {layer["output"]}')

    torch.onnx.export(module, x, path, opset_version=OPSET,
                      input_names=["x"], output_names=["y"])

    shape = onnx_output_shape(path)
    if shape != layer["output"]:
        raise SystemExit(f"{path}: ONNX output shape {shape}, expected {layer['output']}")

    entry = {key: layer[key] for key in ("name", "title", "input", "output")}
    entry["file"] = os.path.basename(path)
    entry["flops"] = layer.get("flops", 0)
    entry["bytes"] = layer.get("bytes", 0)
    return entry


def main():
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=default_out,
                        help="folder for the .onnx files and layers.json "
                             "(default: %(default)s)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    entries = [export(layer, args.out_dir) for layer in build_layers()]

    manifest = os.path.join(args.out_dir, "layers.json")
    with open(manifest, "w", encoding="utf-8") as f:
        json.dump({"opset": OPSET, "seed": SEED, "torch": torch.__version__,
                   "layers": entries}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(entries)} models and {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
