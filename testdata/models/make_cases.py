#!/usr/bin/python3
"""Generate small CNN test cases in the ONNX backend-test layout.

Usage (from the repository root):

    /usr/bin/python3 testdata/models/make_cases.py

Requirements: Debian 12 packages python3-torch (1.13.1), python3-onnx (1.12) and
python3-numpy.

For each case, the script writes, next to itself:
    <case>/model.onnx                    float32 model with random weights (fixed seed)
    <case>/test_data_set_0/input_0.pb    float32 input, a serialised onnx.TensorProto
    <case>/test_data_set_0/output_0.pb   float32 expected output, a serialised onnx.TensorProto

The expected output is computed by PyTorch in float64 (a float64 copy of the model
on the float32 input converted to float64) and then rounded to float32, so it is
closer to the exact result than any float32 run. The exported model stays float32.
"""

import copy
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

# Ops that the exported graph may use. simdnn's ONNX importer supports each of them.
ALLOWED_OPS = {
    "Conv", "Relu", "MaxPool", "Gemm", "MatMul", "Flatten",
    "Reshape", "Softmax", "Identity", "Dropout",
}
MAX_CASE_BYTES = 200 * 1024


def build_small_cnn():
    """Build a CNN with stride, dilation, padded max pooling and a 1x1 conv.

    Shapes for a [2, 3, 32, 32] input: 8x16x16 after the strided conv, 16x16x16 after
    the dilated conv, 16x8x8 after the pool, 8x8x8 after the 1x1 conv, 512 after Flatten.
    """
    return nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 16, kernel_size=3, dilation=2, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        nn.Conv2d(16, 8, kernel_size=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 8 * 8, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
        nn.Softmax(dim=1),
    )


def build_small_cnn_opset11():
    """Build a CNN for a non-square input with unpadded convs and a ceil_mode pool.

    Shapes for a [3, 1, 20, 24] input: 6x17x21 after the 4x4 conv, 6x9x11 after the
    2x2 pool with ceil_mode, 4x4x10 after the 3x2 conv with stride (2, 1), 160 after
    Flatten. The last pool window in each direction is partial: it covers only row 16
    or column 20.
    No ReLU sits between the first conv and the pool, so the pool receives negative
    values and passes them on. A kernel that fills the partial windows with zeros
    therefore gives a different output.
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=4),
        nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True),
        nn.Conv2d(6, 4, kernel_size=(3, 2), stride=(2, 1)),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 10, 10),
        nn.Softmax(dim=1),
    )


# name, model builder, input shape, opset, seed
CASES = [
    ("small_cnn", build_small_cnn, (2, 3, 32, 32), 13, 1301),
    ("small_cnn_opset11", build_small_cnn_opset11, (3, 1, 20, 24), 11, 1101),
]


def randomize_weights(model):
    """Draw He-normal weights and uniform biases in [-0.2, 0.2].

    With PyTorch's default initialisation the activations shrink layer by layer, and
    the largest softmax output of these models is about 0.11, close to uniform.
    He-normal weights keep the activation scale roughly constant, so the largest
    expected probability is 0.6 to 0.83 and the classes differ clearly.
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.uniform_(module.bias, -0.2, 0.2)


def write_tensor(array, name, path):
    tensor = numpy_helper.from_array(array, name=name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def check_exported_model(path, opset):
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = [node.op_type for node in model.graph.node]
    unsupported = sorted(set(ops) - ALLOWED_OPS)
    if unsupported:
        sys.exit(f"{path}: the graph uses ops outside the supported set: {unsupported}")
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != opset:
        sys.exit(f"{path}: opset imports {opsets}, expected default domain at {opset}")
    return ops


def folder_size(folder):
    total = 0
    for root, _, files in os.walk(folder):
        total += sum(os.path.getsize(os.path.join(root, name)) for name in files)
    return total


def make_case(out_dir, name, build, input_shape, opset, seed):
    torch.manual_seed(seed)
    model = build()
    randomize_weights(model)
    model.eval()
    example = torch.randn(*input_shape, dtype=torch.float32)

    case_dir = os.path.join(out_dir, name)
    data_dir = os.path.join(case_dir, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    model_path = os.path.join(case_dir, "model.onnx")
    torch.onnx.export(
        model, example, model_path,
        opset_version=opset,
        input_names=["input"],
        output_names=["output"],
        do_constant_folding=True,
    )
    ops = check_exported_model(model_path, opset)

    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        expected64 = model64(example.double())
        actual32 = model(example)
    expected = expected64.float().numpy()
    float32_error = (actual32.double() - expected64).abs().max().item()

    write_tensor(example.numpy(), "input", os.path.join(data_dir, "input_0.pb"))
    write_tensor(expected, "output", os.path.join(data_dir, "output_0.pb"))

    size = folder_size(case_dir)
    if size > MAX_CASE_BYTES:
        sys.exit(f"{case_dir}: {size} bytes, larger than the limit of {MAX_CASE_BYTES}")
    print(f"{name}: opset {opset}, input {list(input_shape)}, output {list(expected.shape)}, "
          f"{size} bytes")
    print(f"  ops: {' '.join(ops)}")
    print(f"  row maxima of the expected softmax: {np.round(expected.max(axis=1), 4).tolist()}")
    print(f"  max |float32 PyTorch - float64 PyTorch|: {float32_error:.3g}")


def main():
    torch.set_num_threads(2)
    out_dir = os.path.dirname(os.path.abspath(__file__))
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}")
    for name, build, input_shape, opset, seed in CASES:
        make_case(out_dir, name, build, input_shape, opset, seed)


if __name__ == "__main__":
    main()
