#!/usr/bin/python3
"""Export CNNs from torchvision and a small 32x32 ResNet to ONNX test folders.

Usage (from the repository root):

    /usr/bin/python3 models/zoo/export.py [MODEL...]

Requirements: the Debian 12 packages python3-torch (1.13), python3-torchvision
(0.14), python3-onnx (1.12) and python3-numpy.

Each model gets a folder in the layout of the ONNX backend tests:

    model.onnx                      opset 13, batch dimension free ("batch")
    test_data_set_0/input_0.pb      a batch of 1
    test_data_set_0/output_0.pb     the logits for it
    test_data_set_1/...             a batch of 2 (3 for the small ResNet)

Weights are torchvision's initialisation (weights=None) from a fixed seed.
BatchNorm running statistics and affine parameters are then drawn at random
too, so that folding BatchNorm into the preceding convolution changes the
numbers. The expected outputs come from a float64 copy of each model run on
the float32 inputs and are rounded to float32.

resnet8_cifar (about 0.4 MB) is written to testdata/zoo/ and committed. It
keeps its BatchNormalization nodes in the file (exported with
TrainingMode.PRESERVE in eval mode) and flattens with x.view(x.size(0), -1),
which exports as Shape, Gather, Unsqueeze, Concat and Reshape. The
torchvision models (5 to 47 MB) go to testdata/zoo/imagenet/, which git
ignores; PyTorch folds their BatchNorm layers into the convolutions.
"""

import copy
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SMALL_DIR = os.path.join(ROOT, "testdata", "zoo")
LARGE_DIR = os.path.join(SMALL_DIR, "imagenet")
OPSET = 13
SEED = 20240601


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and a shortcut, as in ResNet."""

    def __init__(self, cin, cout, stride, activation):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.act = activation
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    """A ResNet for 32x32 images with a squeeze-and-excitation gate.

    Shapes for a [N, 3, 32, 32] input: 16x32x32 after the stem and the first
    block, 32x16x16 after the second, 64x8x8 after the third, 128 features
    after average and max pooling, 10 logits.
    """

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.layer1 = BasicBlock(16, 16, 1, nn.ReLU())
        self.layer2 = BasicBlock(16, 32, 2, nn.ReLU6())
        self.layer3 = BasicBlock(32, 64, 2, nn.LeakyReLU(0.1))
        self.squeeze = nn.Conv2d(64, 16, 1)
        self.excite = nn.Conv2d(16, 64, 1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        gate = torch.sigmoid(self.excite(F.relu(self.squeeze(F.adaptive_avg_pool2d(x, 1)))))
        x = x * gate
        pooled = torch.cat([F.adaptive_avg_pool2d(x, 1), F.adaptive_max_pool2d(x, 1)], dim=1)
        return self.fc(pooled.view(pooled.size(0), -1))


# name: (constructor, input size, second batch size, output folder, BatchNorm kept in the file)
MODELS = {
    "resnet8_cifar": (SmallResNet, 32, 3, SMALL_DIR, True),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), 224, 2, LARGE_DIR, False),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(weights=None), 224, 2, LARGE_DIR, False),
    "squeezenet1_1": (lambda: torchvision.models.squeezenet1_1(weights=None), 224, 2, LARGE_DIR, False),
}


def randomize_batchnorm(model, generator):
    """Draw BatchNorm statistics and affine parameters at random."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(0.1 * torch.randn(c, generator=generator))
            m.running_var.copy_(0.5 + torch.rand(c, generator=generator))
            m.weight.data.copy_(0.5 + torch.rand(c, generator=generator))
            m.bias.data.copy_(0.1 * torch.randn(c, generator=generator))


def image_batch(batch, size, generator):
    """Return a float32 batch of images, normalised as for ImageNet."""
    x = torch.rand(batch, 3, size, size, generator=generator)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return ((x - mean) / std).float()


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def export(name):
    build, size, second_batch, out_dir, keep_bn = MODELS[name]
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = build().eval()
    with torch.no_grad():
        randomize_batchnorm(model, generator)

    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    training = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    x = image_batch(1, size, generator)
    torch.onnx.export(
        model, x, path, opset_version=OPSET, training=training,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))

    reference = copy.deepcopy(model).double()
    for index, batch in enumerate([1, second_batch]):
        if index > 0:
            x = image_batch(batch, size, generator)
        with torch.no_grad():
            want = reference(x.double()).float()
            single = model(x)
        set_dir = os.path.join(folder, "test_data_set_%d" % index)
        os.makedirs(set_dir, exist_ok=True)
        write_tensor(os.path.join(set_dir, "input_0.pb"), x.numpy(), "input")
        write_tensor(os.path.join(set_dir, "output_0.pb"), want.numpy(), "logits")
        print("%s: batch %d, float32 PyTorch differs from the float64 reference by at most %.3g (logits up to %.3g)"
              % (name, batch, (single - want).abs().max().item(), want.abs().max().item()))

    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    print("%s: %d bytes, ops %s" % (name, total, " ".join(ops)))


def main():
    names = sys.argv[1:] or list(MODELS)
    for name in names:
        if name not in MODELS:
            sys.exit("unknown model %r; choose from %s" % (name, ", ".join(MODELS)))
        export(name)


if __name__ == "__main__":
    main()
