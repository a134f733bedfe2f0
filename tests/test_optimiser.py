"""The weights' optimiser on multi-tensor kernels (``wsnas.methods.protocol.sgd``) trains bitwise the
same weights as PyTorch's per-parameter loop, in float32 and float64, with either ``inactive_grads``."""

import pytest
import torch

from wsnas.config import merged
from wsnas.methods.protocol import sgd
from wsnas.training.loop import Loop


def _weights_after_an_epoch(cfg, data, per_parameter_loop: bool):
    loop = Loop(cfg, data, None)
    method = loop.method
    if per_parameter_loop:
        method.optimizer = sgd(method.model.parameters(), method.optimizer.defaults, foreach=False)
    loop.start_epoch()
    for batch in loop.batches():
        loop.record(method.step(batch))
    return [p.detach().clone() for p in method.model.parameters()], method.optimizer


@pytest.mark.parametrize("inactive", ["zero", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_foreach_sgd_is_bitwise_the_per_parameter_loop(request, tiny_cfg, inactive, dtype):
    data = request.getfixturevalue("double_data" if dtype == "float64" else "tiny_data")
    cfg = merged(tiny_cfg, train={"inactive_grads": inactive, "epochs": 1})
    fast, optimizer = _weights_after_an_epoch(cfg, data, per_parameter_loop=False)
    slow, _ = _weights_after_an_epoch(cfg, data, per_parameter_loop=True)
    assert optimizer.defaults["foreach"] is True
    assert fast[0].dtype == getattr(torch, dtype)
    moved = sum(not torch.equal(w, s) for w, s in zip(fast, _initial(cfg, data)))
    assert moved > 0
    assert all(torch.equal(w, s) for w, s in zip(fast, slow))


def _initial(cfg, data):
    return [p.detach().clone() for p in Loop(cfg, data, None).method.model.parameters()]
