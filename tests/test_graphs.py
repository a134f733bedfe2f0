"""Whole-step CUDA graphs (``wsnas.training.graphs``), tested on the CPU: the graph's SGD step is bitwise
``torch.optim.SGD``'s; an epoch whose steps run through the graph bookkeeping (each graph replaced by a
stand-in that runs the captured function) trains bitwise the eager epoch's weights, with either
``inactive_grads``, across a learning-rate change and the epoch's smaller last batch; the captured function
holds no host synchronisation; and which methods and settings are captured."""

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.methods.dcnas.trainer import DCNAS
from wsnas.methods.single_path.trainer import SinglePath
from wsnas.training.graphs import StepGraphs, graphs_enabled, sgd_step
from wsnas.training.loop import Loop


@pytest.mark.parametrize("momentum,weight_decay", [(0.9, 1e-3), (0.0, 1e-3), (0.9, 0.0)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_graph_sgd_step_is_bitwise_torch_sgd(momentum, weight_decay, dtype):
    g = torch.Generator().manual_seed(0)
    shapes = [(16, 8, 3, 3), (48,), (10, 64)]
    start = [torch.randn(s, generator=g, dtype=dtype) for s in shapes]
    start[0] = start[0].contiguous(memory_format=torch.channels_last)
    ours = [p.clone() for p in start]
    theirs = [p.clone().requires_grad_() for p in start]
    opt = torch.optim.SGD(theirs, lr=0.05, momentum=momentum, weight_decay=weight_decay, foreach=True)
    bufs = None
    for step in range(6):
        lr = 0.05 if step < 3 else 0.0123  # a new learning rate, as a new epoch sets
        for group in opt.param_groups:
            group["lr"] = lr
        grads = [torch.randn(s, generator=g, dtype=dtype) for s in shapes]
        for p, grad in zip(theirs, grads):
            p.grad = grad.clone()
        opt.step()
        if step == 0 and momentum:  # the optimiser's first step makes the buffers; the graph's come after
            bufs = [opt.state[p]["momentum_buffer"].clone() for p in theirs]
            ours = [p.detach().clone() for p in theirs]
            continue
        sgd_step(ours, grads, bufs, torch.tensor(-lr, dtype=dtype), momentum, weight_decay)
    assert all(torch.equal(a, b.detach()) for a, b in zip(ours, theirs))
    assert not torch.equal(ours[1], start[1])


def _epochs(cfg, data, emulate: bool, children=None, epochs=2):
    loop = Loop(cfg, data, None, children=children)
    method = loop.method
    if emulate:
        method.graphs = StepGraphs(method, emulate=True)
    replays = 0
    for _ in range(epochs):
        loop.start_epoch()
        for batch in loop.batches():
            loop.record(method.step(batch))
            if emulate and method.graphs.graphs:
                replays += batch.x.shape == method.graphs.x.shape
        loop.end_epoch()
    state = {k: v.clone() for k, v in method.model.state_dict().items()}
    return state, method, replays


@pytest.mark.parametrize("inactive", ["zero", "none"])
@pytest.mark.parametrize("children", [None, [27]], ids=["supernet", "standalone"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_an_epoch_through_the_graphs_trains_the_eager_weights_bitwise(request, tiny_cfg, inactive, children, dtype):
    data = request.getfixturevalue("double_data" if dtype == "float64" else "tiny_data")
    cfg = merged(tiny_cfg, train={"inactive_grads": inactive, "epochs": 2, "batch_size": 24})
    eager, _, _ = _epochs(cfg, data, emulate=False, children=children)
    graphed, method, replays = _epochs(cfg, data, emulate=True, children=children)
    assert method.graphs.graphs, "no step was captured"
    assert replays > 10
    assert len(data.train_y) % 24, "the epoch's last batch must be smaller (it runs eagerly between replays)"
    initial = Loop(cfg, data, None, children=children).method.model.state_dict()
    assert any(not torch.equal(eager[k], initial[k]) for k in eager)
    assert [k for k in eager if not torch.equal(eager[k], graphed[k])] == []


def test_a_replaced_tensor_makes_the_graphs_capture_afresh(tiny_cfg, tiny_data):
    cfg = merged(tiny_cfg, train={"inactive_grads": "zero", "epochs": 1, "batch_size": 24})
    _, method, _ = _epochs(cfg, tiny_data, emulate=True, epochs=1)
    child, entry = next(iter(method.graphs.graphs.items()))
    assert method.graphs._valid(entry)
    p = method.graphs.stepped(child)[0]
    p.grad = p.grad.clone()  # as a checkpoint's restored gradients would be
    assert not method.graphs._valid(entry)
    batch = next(iter(Loop(cfg, tiny_data, None).batches()))
    method.graphs.replay(child, batch)
    assert set(method.graphs.graphs) == {child}


class _HostSyncs(TorchDispatchMode):
    """Operators that read a tensor's value on the host or make a tensor from host values: each
    synchronises a CUDA stream, and none may run inside a graph's capture."""

    FORBIDDEN = ("_local_scalar_dense", "item", "nonzero", "is_nonzero", "equal", "lift_fresh", "lift_fresh_copy")

    def __init__(self):
        super().__init__()
        self.found, self.ops = [], 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops += 1
        if func.__name__.split(".")[0] in self.FORBIDDEN:
            self.found.append(func.__name__)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("inactive", ["zero", "none"])
def test_the_captured_step_has_no_host_synchronisation(tiny_cfg, tiny_data, inactive):
    cfg = merged(tiny_cfg, train={"inactive_grads": inactive, "epochs": 1, "batch_size": 24})
    _, method, _ = _epochs(cfg, tiny_data, emulate=True, epochs=1)
    graphs = method.graphs
    child = next(iter(graphs.graphs))
    with _HostSyncs() as watch:
        graphs.body(child)
    assert watch.ops > 50 and watch.found == []
    with _HostSyncs() as control:  # the watch sees what the capture would refuse
        loss, _, _ = graphs.body(child)
        float(loss)
    assert control.found == ["_local_scalar_dense.default"]


def test_which_methods_and_settings_are_captured(tiny_cfg, tiny_data):
    cpu = torch.device("cpu")
    assert graphs_enabled("auto", torch.device("cuda")) and not graphs_enabled("auto", cpu)
    assert not graphs_enabled("off", torch.device("cuda"))
    with pytest.raises(WsnasError, match="train.cuda_graphs"):
        graphs_enabled("on", cpu)
    assert Loop(tiny_cfg, tiny_data, None).method.graphs is None  # auto on the CPU
    assert Loop(tiny_cfg, tiny_data, None).method.capturable()
    group = merged(tiny_cfg, sharing={"mode": "group", "groups": 4})
    assert not Loop(group, tiny_data, None).method.capturable()  # private copies
    for name in ("pada", "di_nas"):  # their own loss or gradient transform
        cfg = merged(tiny_cfg, method={"name": name}, train={"child_order": "uniform"})
        assert not Loop(cfg, tiny_data, None).method.capturable(), name
    assert DCNAS.step is not SinglePath.step  # its own step: never captured


def test_a_capture_that_fails_trains_on_eagerly(tiny_cfg, tiny_data, capsys):
    cfg = merged(tiny_cfg, train={"inactive_grads": "zero", "epochs": 1, "batch_size": 24})
    eager, _, _ = _epochs(cfg, tiny_data, emulate=False, epochs=1)
    loop = Loop(cfg, tiny_data, None)
    method = loop.method
    method.graphs = StepGraphs(method, emulate=True)

    def refuse(child):
        raise RuntimeError("operation not permitted when stream is capturing")

    method.graphs._capture = refuse
    loop.start_epoch()
    for batch in loop.batches():
        loop.record(method.step(batch))
    assert method.graphs is None and "training on without graphs" in capsys.readouterr().out
    state = method.model.state_dict()
    assert all(torch.equal(eager[k], state[k]) for k in eager)


@pytest.mark.parametrize("bn_mode", ["running", "batch"])
def test_evaluation_through_the_graphs_is_bitwise_eager(tiny_cfg, tiny_data, bn_mode):
    from wsnas.training.evaluate import EvalGraphs, _evaluate_shared, evaluate_children

    loop = Loop(merged(tiny_cfg, train={"epochs": 1}), tiny_data, None)
    loop.train_epoch()
    model = loop.method.model
    batch = 64
    assert len(tiny_data.test_y) % batch, "the split's last batch must be smaller (it runs eagerly)"
    children = [0, 27, 63]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    eager = _evaluate_shared(model, tiny_data, children, batch, bn_mode == "batch")
    graphs = EvalGraphs.of(model, emulate=True)
    graphed = _evaluate_shared(model, tiny_data, children, batch, bn_mode == "batch", graphs=graphs)
    assert len(graphs.entries) == 1
    assert torch.equal(eager[0], graphed[0]) and torch.equal(eager[1], graphed[1])
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # batch BN restored
    again = _evaluate_shared(model, tiny_data, children, batch, bn_mode == "batch", graphs=graphs)
    assert torch.equal(again[1], eager[1]) and len(graphs.entries) == 1  # replayed, not captured again
    with pytest.raises(WsnasError, match="evaluate.cuda_graphs=on needs a CUDA device"):
        evaluate_children(model, tiny_data, {**tiny_cfg["evaluate"], "cuda_graphs": "on"})


def test_evaluation_graphs_capture_afresh_when_a_tensor_is_replaced(tiny_cfg, tiny_data):
    from wsnas.training.evaluate import EvalGraphs, _evaluate_shared

    model = Loop(tiny_cfg, tiny_data, None).method.model
    graphs = EvalGraphs.of(model, emulate=True)
    _evaluate_shared(model, tiny_data, [5], 8, False, graphs=graphs)
    first = next(iter(graphs.entries.values()))
    bn = next(m for m in model.modules() if hasattr(m, "running_mean"))
    bn.running_mean = bn.running_mean.clone() + 1.0  # a new tensor: the graph would read the old one
    changed = _evaluate_shared(model, tiny_data, [5], 8, False, graphs=graphs)
    assert next(iter(graphs.entries.values())) is not first
    assert torch.equal(changed[1], _evaluate_shared(model, tiny_data, [5], 8, False)[1])
