"""A bytes-per-image model of one training step: what unfused kernels move through memory.

    python -m bench.traffic [--child 243] [--bytes 2]    # the paper network (config defaults), 32x32 images

Each leaf module of a child's forward pass (convolution, BN, ReLU, pooling, linear) reads its input and
writes its output once: forward traffic is the sum of those tensors' sizes. Backward reads each module's
output gradient and saved input and writes its input gradient: about twice the forward's. The SGD step
reads weight, gradient and momentum and writes weight and momentum, in fp32, once per mini-batch. Adds of
edge outputs outside modules are not counted, so the model is a lower bound for the unfused path. The GPU
check divides the measured images/s by it into an achieved bandwidth, to set against the device's copy
bandwidth (about 4.3 TB/s measured on an H200)."""

import argparse

import torch

from wsnas import config
from wsnas.core.model import WeightSharingNet
from wsnas.core.space import child_index


def bytes_per_image(cfg: dict, child: int, activation_bytes: int = 2, batch: int = 8, resolution: int = 32) -> dict:
    """Forward, backward and optimiser bytes per training image of ``child`` at ``batch`` images per step."""
    model = WeightSharingNet(cfg["model"], cfg["sharing"])
    counted = {"forward": 0}

    def hook(module, inputs, output):
        tensors = [t for t in inputs if isinstance(t, torch.Tensor)] + [output]
        counted["forward"] += sum(t.numel() for t in tensors) * activation_bytes

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        model(torch.zeros(batch, 3, resolution, resolution), child)
    for h in handles:
        h.remove()
    weights = sum(p.numel() for p in model.trained_parameters(child))
    forward = counted["forward"] / batch
    return {"forward": forward, "backward": 2 * forward, "optimiser": 5 * 4 * weights,
            "per_image": 3 * forward + 5 * 4 * weights / cfg["train"]["batch_size"]}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.traffic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", default="243")
    parser.add_argument("--bytes", type=int, default=2, help="bytes per activation: 2 in bf16, 4 in fp32")
    args = parser.parse_args(argv)
    cfg = config.load(None, ["train.batch_size=256"])
    out = bytes_per_image(cfg, child_index(args.child), args.bytes)
    for key, value in out.items():
        print(f"{key}: {value / 1e6:.2f} MB" + (" per step" if key == "optimiser" else " per image"))
    return out


if __name__ == "__main__":
    main()
