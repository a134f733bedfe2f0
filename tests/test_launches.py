"""The training step of a paper-size child launches at most 300 kernels and never waits for the device
(issue 31, item 1), counted below autograd by ``bench.launches``."""

import pytest
import torch

from bench.launches import PAPER_SIZE, LaunchCount, step_launches
from wsnas import config as wsnas_config
from wsnas.methods.protocol import sgd


def test_a_paper_size_child_step_launches_at_most_300_kernels_and_no_host_sync():
    cfg = wsnas_config.load("config/paper.yaml", PAPER_SIZE)
    count = step_launches(cfg, "243")
    # stem 2 + 4 cells x (preprocessing 1 + sep_conv_3x3 4 + dil_conv_5x5 2 + sep_conv_5x5 4): the whole step
    assert count.kernels["convolution"] == count.kernels["convolution_backward"] == 46
    assert count.kernels["_foreach_add_"] >= 1  # the optimiser step is in it
    assert "add_" not in count.kernels  # no gradient is added to a zeroed one
    assert count.total <= 300, count.kernels.most_common()
    assert not count.syncs


def test_the_count_sees_each_kernel_of_a_per_parameter_optimiser():
    params = [torch.nn.Parameter(torch.randn(3)) for _ in range(20)]
    for p in params:
        p.grad = torch.randn(3)
    counts = {}
    for foreach in (True, False):
        optimizer = sgd(params, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}, foreach=foreach)
        optimizer.step()  # the momentum buffers exist from here on
        with LaunchCount() as count:
            optimizer.step()
        counts[foreach] = count.total
    assert counts[True] <= 4
    assert counts[False] >= 3 * len(params)


@pytest.mark.parametrize("method", ["single_path", "di_nas", "pada", "dcnas"])
def test_no_single_path_based_methods_supernet_step_waits_for_the_device(method):
    """A step that reads a device value on the host (``float(t)``, ``bool(t)``, ``F.one_hot``'s range check)
    cannot be captured in a CUDA graph; DI-NAS keeps its projection ratios and PA&DA its scores on the device.
    The sequential order (the paper's), as ``uniform`` draws the child from a CPU generator, a read on the host
    only; PA&DA draws its own paths and asks for ``uniform``."""
    order = "uniform" if method == "pada" else "sequential"
    cfg = wsnas_config.load("config/paper.yaml", [*PAPER_SIZE, f"method.name={method}", f"train.child_order={order}"])
    count = step_launches(cfg, "all")
    assert count.total > 100
    assert not count.syncs, count.syncs
