"""A training step on fewer kernels trains bitwise the weights of PyTorch's plain path, in float32 and
float64, with either ``inactive_grads`` and with private weight copies: the optimiser on multi-tensor
kernels (``wsnas.methods.protocol.sgd``) against the per-parameter loop, the step's own weights handed
their gradients (``SinglePath.begin_step``) against gradients added to zeros, and
``wsnas.core.operations.BatchNorm2d`` against ``nn.BatchNorm2d``."""

import pytest
import torch
from torch import nn

from wsnas.config import merged
from wsnas.core.operations import BatchNorm2d
from wsnas.methods.protocol import sgd
from wsnas.training.loop import Loop


def _plain(method) -> None:
    """Today's PyTorch path: a per-parameter SGD, every gradient accumulated, PyTorch's BN."""
    method.optimizer = sgd(method.model.parameters(), method.optimizer.defaults, foreach=False)
    method.model.trained_parameters = lambda child: []
    for m in method.model.modules():
        if isinstance(m, BatchNorm2d):
            m.__class__ = nn.BatchNorm2d


def _state_after_an_epoch(cfg, data, plain: bool):
    loop = Loop(cfg, data, None)
    method = loop.method
    if plain:
        _plain(method)
    loop.start_epoch()
    for batch in loop.batches():
        loop.record(method.step(batch))
    state = {k: v.clone() for k, v in method.model.state_dict().items() if not k.endswith("num_batches_tracked")}
    return state, method


@pytest.mark.parametrize("sharing", ["full", "group"])
@pytest.mark.parametrize("inactive", ["zero", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_fewer_kernels_step_is_bitwise_the_plain_pytorch_step(request, tiny_cfg, inactive, dtype, sharing):
    data = request.getfixturevalue("double_data" if dtype == "float64" else "tiny_data")
    sharing_cfg = {"mode": sharing} if sharing == "full" else {"mode": "group", "groups": 4}
    cfg = merged(tiny_cfg, train={"inactive_grads": inactive, "epochs": 1}, sharing=sharing_cfg)
    fast, method = _state_after_an_epoch(cfg, data, plain=False)
    slow, plain = _state_after_an_epoch(cfg, data, plain=True)
    assert method.optimizer.defaults["foreach"] is True
    assert any(isinstance(m, BatchNorm2d) for m in method.model.modules())
    assert not any(isinstance(m, BatchNorm2d) for m in plain.model.modules())
    assert next(iter(fast.values())).dtype == getattr(torch, dtype)
    initial = Loop(cfg, data, None).method.model.state_dict()
    assert sum(not torch.equal(fast[k], initial[k]) for k in fast) > 0
    different = [k for k in fast if not torch.equal(fast[k], slow[k])]
    assert not different
