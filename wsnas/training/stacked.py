"""Several independent networks trained as one batched computation: the ground truth's children, the
independently trained groups of group sharing (Zhang et al. 2020, Sec. 4.2).

An execution strategy of the training loop: every member is an ordinary ``wsnas.training.loop.Loop``
whose method declares ``stackable`` (its own ``WeightSharingNet``, optimiser, child sampler and data
stream; ``begin_step``/``loss``/``end_step`` are the parts of its plain step). A lockstep step runs all members at once: member k's activations are the
channels ``[k*C, (k+1)*C)`` of one tensor, convolutions become grouped convolutions over the members'
concatenated weights, BN statistics stay per channel (so per member), and the head is one batched
matrix product. Where members run different operations on an edge, the members are gathered per
operation, so each operation still runs once per step.

Weights are concatenated from the members' own parameters at every step, so gradients flow back into
each member's parameters exactly as in training it alone: the optimiser, ``train.inactive_grads`` and
checkpoints are those of the member's loop. Results agree with one-at-a-time training to float
tolerance (tests/test_stacked.py). A method that is not ``stackable`` (forward hooks, several passes per
step) is refused with one line, never run here without its hooks.
"""

import logging

import torch
import torch.nn.functional as F
from torch import nn

from wsnas.core.model import Cell, Head, Stem
from wsnas.core.operations import DenseGrad
from wsnas.errors import WsnasError
from wsnas.methods.protocol import StepResult, stacking_refusal
from wsnas.training.streams import run_interleaved

log = logging.getLogger("wsnas")


def _memory_format(x):
    return torch.channels_last if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format


def _batch_norm(modules, x):
    bn = modules[0]
    weight = torch.cat([m.weight for m in modules]) if bn.affine else None
    bias = torch.cat([m.bias for m in modules]) if bn.affine else None
    mean = torch.cat([m.running_mean for m in modules])
    var = torch.cat([m.running_var for m in modules])
    if not bn.training:
        return F.batch_norm(x, mean, var, weight, bias, False, 0.0, bn.eps)
    if bn.momentum is None:  # a cumulative average counts the batches (wsnas.core.operations.BatchNorm2d)
        with torch.no_grad():
            for m in modules:
                m.num_batches_tracked += 1
    momentum = bn.momentum if bn.momentum is not None else 1.0 / float(bn.num_batches_tracked)
    out = F.batch_norm(x, mean, var, weight, bias, True, momentum, bn.eps)
    with torch.no_grad():
        for m, a, b in zip(modules, mean.chunk(len(modules)), var.chunk(len(modules))):
            m.running_mean.copy_(a)
            m.running_var.copy_(b)
    return out


def apply_stacked(modules: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    """Run the corresponding ``modules`` of S members on ``x`` of shape (N, S*C, H, W)."""
    first = modules[0]
    if isinstance(first, nn.Sequential):
        for parts in zip(*(m.children() for m in modules)):
            x = apply_stacked(list(parts), x)
        return x
    if isinstance(first, nn.Conv2d):
        weight = torch.cat([m.weight for m in modules])
        bias = torch.cat([m.bias for m in modules]) if first.bias is not None else None
        return F.conv2d(x, weight, bias, first.stride, first.padding, first.dilation, first.groups * len(modules))
    if isinstance(first, nn.modules.batchnorm._BatchNorm):
        return _batch_norm(modules, x)
    if isinstance(first, (nn.ReLU, nn.MaxPool2d, nn.Identity, DenseGrad)):
        return first(x)
    if isinstance(first, Stem):
        return apply_stacked([m.layers for m in modules], x)
    raise TypeError(f"stacked training has no rule for {type(first).__name__}")


def _split(x, members):
    n, sc, h, w = x.shape
    return x.reshape(n, members, sc // members, h, w)


def _join(x, fmt):
    n, s, c, h, w = x.shape
    return x.reshape(n, s * c, h, w).contiguous(memory_format=fmt)


def _edge(cells: list[Cell], edge: int, x, ops: list[int]):
    """Edge ``edge`` of every member's cell, member k running operation ``ops[k]``."""
    by_op: dict[int, list[int]] = {}
    for k, op in enumerate(ops):
        by_op.setdefault(op, []).append(k)
    if len(by_op) == 1:
        return apply_stacked([c.edges[edge][ops[0]] for c in cells], x)
    fmt = _memory_format(x)
    xs = _split(x, len(cells))
    out = torch.zeros_like(xs)
    for op, members in by_op.items():
        index = torch.tensor(members, device=x.device)
        part = _join(xs.index_select(1, index), fmt)
        y = _split(apply_stacked([cells[k].edges[edge][op] for k in members], part), len(members))
        out = out.index_copy(1, index, y)
    return _join(out, fmt)


def _cell(cells: list[Cell], x, ops: list[tuple[int, int, int]]):
    x0 = apply_stacked([c.preprocess for c in cells], x)
    x1 = _edge(cells, 0, x0, [o[0] for o in ops])
    x2 = _edge(cells, 1, x0, [o[1] for o in ops]) + _edge(cells, 2, x1, [o[2] for o in ops])
    s = len(cells)
    return _join(torch.cat([_split(x1, s), _split(x2, s)], dim=2), _memory_format(x))


def _head(heads: list[Head], x):
    pooled = _split(x, len(heads)).mean(dim=(3, 4))  # (N, S, C)
    weight = torch.stack([h.linear.weight for h in heads])  # (S, classes, C)
    bias = torch.stack([h.linear.bias for h in heads])
    return torch.einsum("nsc,soc->sno", pooled, weight) + bias[:, None, :]


def stacked_forward(models, xs, children: list[int]) -> torch.Tensor:
    """Logits (S, N, classes): member k's child ``children[k]`` on its batch ``xs[k]`` (N, C, H, W).

    Each member may itself share weights among its children (a group's supernet): the copy of each slot
    is chosen per member from its sharing assignment, as in ``WeightSharingNet.forward``."""
    fmt = _memory_format(xs[0])
    x = torch.cat(list(xs), dim=1).contiguous(memory_format=fmt)

    def copies(slot):
        return [m.slots[slot][m.assign[slot][c]] for m, c in zip(models, children)]

    h = apply_stacked(copies("stem"), x)
    ops = [m._ops[c] for m, c in zip(models, children)]
    for i in range(models[0].num_cells):
        h = _cell(copies(f"cell{i}"), h, ops)
    return _head(copies("head"), h)


def _check_compatible(loops) -> None:
    first = loops[0]
    for loop in loops:
        refusal = stacking_refusal(loop.method)
        if refusal:
            raise WsnasError(f"config key train.stacked: {refusal}; set train.stacked: off")
        for key in ("epochs", "batch_size"):
            if loop.t[key] != first.t[key]:
                raise ValueError(f"stacked members differ in train.{key}")
        if loop.data is not first.data:
            raise ValueError("stacked members must share one DeviceData")


def train_epoch_stacked(loops) -> list[dict]:
    """One epoch of every loop in lockstep (they must be at the same epoch)."""
    for loop in loops:
        loop.start_epoch()
    methods = [loop.method for loop in loops]
    for batches in zip(*(loop.batches() for loop in loops)):
        children = [m.begin_step() for m in methods]
        with methods[0].autocast():
            logits = stacked_forward([m.model for m in methods], [b.x for b in batches], children)
            losses = [m.loss(logits[k], b, children[k]) for k, (m, b) in enumerate(zip(methods, batches))]
        torch.stack(losses).sum().backward()  # members are independent: each gets its own gradient
        for k, (loop, m, b) in enumerate(zip(loops, methods, batches)):
            m.end_step(children[k], losses[k])
            loop.record(StepResult(children[k], losses[k].detach(), logits[k].detach(), b.y))
            loop.dense_eval()
    return [loop.end_epoch() for loop in loops]


def run_loops(loops, stacked: bool, after_epoch=None, streams: int = 1):
    """Train every loop to its ``train.epochs``: all at once when ``stacked`` (and there are several),
    ``streams`` at a time with their steps interleaved, each on its own CUDA stream, when ``streams`` > 1
    (``wsnas.training.streams``), otherwise one after another."""
    loops = list(loops)
    if stacked and len(loops) > 1:
        return run_stacked(loops, after_epoch)
    if streams > 1 and len(loops) > 1:
        for start in range(0, len(loops), streams):
            run_interleaved(loops[start:start + streams], after_epoch)
        return loops
    for loop in loops:
        loop.run(after_epoch)
    return loops


def run_stacked(loops, after_epoch=None):
    """Train every loop to its ``train.epochs``, all at once; each resumes from its own checkpoints
    first (members found at different epochs catch up in lockstep groups)."""
    loops = list(loops)
    _check_compatible(loops)
    for loop in loops:
        loop.resume()
    while True:
        behind = [loop for loop in loops if loop.epoch < loop.t["epochs"]]
        if not behind:
            return loops
        epoch = min(loop.epoch for loop in behind)
        group = [loop for loop in behind if loop.epoch == epoch]
        train_epoch_stacked(group)
        for loop in group:
            loop.after_epoch(after_epoch)
