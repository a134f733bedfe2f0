"""Kernel-launching ATen operations of one training step, and the host synchronisations in it.

On a GPU this network is launch-bound: each operation that runs a kernel costs the host about 15 us to
launch, more than the kernel itself at paper size (docs/performance.md). This counts the operations one
``Method.step`` dispatches below autograd (a ``TorchDispatchMode``), on whatever device it runs: views,
allocations and profiler markers launch nothing and are left out; a multi-tensor (``_foreach_*``)
operation counts once. ``syncs`` are the operations that make the host wait for the device
(``.item()``, ``float(tensor)``, ``bool(tensor)``): a step with one cannot be captured in a CUDA graph.

    python -m bench.launches                          # child 243 of config/paper.yaml (gratings, on the CPU)
    python -m bench.launches --child all --set method.name=pada --set train.child_order=uniform
"""

import argparse
import collections
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

#: Operations that neither launch a kernel nor wait for the device: shape and alias bookkeeping,
#: allocation, profiler markers.
NO_KERNEL = {"empty", "empty_strided", "empty_like", "_unsafe_view", "detach", "lift_fresh", "alias",
             "_record_function_enter_new", "_record_function_exit", "set_", "resize_", "_reshape_alias"}
#: Operations whose result the host reads (a device-to-host synchronisation on a GPU).
SYNCS = {"_local_scalar_dense", "item", "is_nonzero", "nonzero", "equal", "masked_select", "unique"}
#: The paper's network (config/paper.yaml) on data that need no download; the batch size does not change
#: the count.
PAPER_SIZE = ["data.name=gratings", "data.resolution=32", "data.train_images=64", "data.test_images=16",
              "train.batch_size=8", "train.device=cpu", "train.precision=fp32"]


class LaunchCount(TorchDispatchMode):
    """Counts, by operation name, what runs below autograd while the mode is active."""

    def __init__(self):
        super().__init__()
        self.kernels: collections.Counter = collections.Counter()
        self.syncs: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in SYNCS:
            self.syncs[name] += 1
        elif not func.is_view and name not in NO_KERNEL:
            self.kernels[name] += 1
        return func(*args, **(kwargs or {}))

    @property
    def total(self) -> int:
        return sum(self.kernels.values())


def step_launches(cfg: dict, child: str, warmup: int = 3) -> LaunchCount:
    """The launches of one training step after ``warmup`` steps (the optimiser's state exists by then), by
    the method ``cfg`` names: of ``child`` (a child id such as ``"243"``) trained alone, as the ground truth
    trains it, or, with ``child="all"``, of the supernet of all 64 children."""
    from wsnas.core.space import child_index
    from wsnas.training import runtime
    from wsnas.training.loop import Loop

    data = runtime.device_data(cfg, None, torch.get_num_threads())
    loop = Loop(cfg, data, None, children=None if child == "all" else [child_index(child)])
    loop.start_epoch()
    batches = iter(loop.batches())
    for _ in range(warmup):
        loop.method.step(next(batches), loop.valid_batch())
    batch, valid = next(batches), loop.valid_batch()
    with LaunchCount() as count:
        loop.method.step(batch, valid)
    return count


def main(argv=None) -> LaunchCount:
    from wsnas import config as wsnas_config

    parser = argparse.ArgumentParser(prog="python -m bench.launches", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="config/paper.yaml")
    parser.add_argument("--child", default="243", help="a child id, or all: a supernet step")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config overrides after the paper-size ones (repeatable)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = wsnas_config.load(args.config, [*PAPER_SIZE, *args.set])
    count = step_launches(cfg, args.child)
    what = "the supernet of all 64 children" if args.child == "all" else f"child {args.child} trained alone"
    print(f"{count.total} kernel-launching operations and {sum(count.syncs.values())} host synchronisations "
          f"in one training step of {what} ({args.config}, method {cfg['method']['name']})")
    for name, n in count.kernels.most_common():
        print(f"  {n:4d}  {name}")
    for name, n in count.syncs.most_common():
        print(f"  {n:4d}  {name} (host synchronisation)")
    return count


if __name__ == "__main__":
    main(sys.argv[1:])
