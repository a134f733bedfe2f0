"""Whole-step CUDA graphs for single-path training (``train.cuda_graphs``).

The paper network is launch-bound: a training step of one child launches some 350-550 small kernels, and
the GPU waits on the host between them. One ``torch.cuda.CUDAGraph`` per child holds the whole step
(gradient zeroing, forward, backward, SGD with momentum and weight decay), captured once after the eager
steps that made every momentum buffer, then replayed with the batch copied into static input buffers;
augmentation stays outside. All graphs of a network share one memory pool: nothing a graph computes is
read after another graph runs except the weights, BN statistics, momentum buffers and (``inactive_grads:
zero``) gradients, which live outside the pool, so any replay order is safe.

Exactly the eager step's arithmetic (tests/test_graphs.py on the CPU; the GPU check compares replay with
eager after an epoch): ``sgd_step`` is ``torch.optim.SGD``'s multi-tensor step with the learning rate in a
device tensor (a float would be frozen into the graph; a tensor ``alpha`` would synchronise with the host);
with ``inactive_grads: zero`` the gradients are static tensors zeroed inside the graph and accumulated into
(0 + g = g), instead of being recreated for the child's own weights.

Captured: a method that keeps single path's step (``loss``, ``after_backward`` and ``step`` not overridden),
on a network without private copies (full sharing, standalone children), with ``train.compile`` off; a
mini-batch of another size (the epoch's last) runs eagerly. A prototype of this step
(bench/cuda_graphs.py) on one H200, 2026-12-04, paper network, bf16, batch 256: 2.08x eager for one child,
2.50x for a supernet; 64 graphs held about 1 GB.
"""

from typing import NamedTuple

import torch
import torch.nn.functional as F

from wsnas.errors import WsnasError


def graphs_enabled(setting, device: torch.device, key: str = "train.cuda_graphs") -> bool:
    """``train.cuda_graphs`` (or ``key``): ``auto`` on CUDA devices, ``on`` refuses elsewhere."""
    if setting in ("on", True):
        if device.type != "cuda":
            raise WsnasError(f"config key {key}=on needs a CUDA device, and this job runs on {device}; "
                             f"set {key} to auto or off")
        return True
    return setting == "auto" and device.type == "cuda"


@torch.no_grad()
def sgd_step(params, grads, bufs, neg_lr: torch.Tensor, momentum: float, weight_decay: float) -> None:
    """``torch.optim.SGD`` (dampening 0, no Nesterov) on the multi-tensor kernels, the momentum buffers
    ``bufs`` already made, the learning rate as ``neg_lr`` = -lr on the weights' device: bitwise the
    optimiser's ``foreach`` step (tests/test_graphs.py)."""
    if weight_decay:
        grads = torch._foreach_add(grads, params, alpha=weight_decay)
    if momentum:
        torch._foreach_mul_(bufs, momentum)
        torch._foreach_add_(bufs, grads)
        grads = bufs
    torch._foreach_addcmul_(params, grads, [neg_lr.expand_as(g) for g in grads])


class _Eager:
    """A graph's stand-in that runs the captured function each time (CPU tests of the bookkeeping)."""

    def __init__(self, fn):
        self.fn, self.out = fn, None

    def replay(self):
        self.out = self.fn()


class _Captured(NamedTuple):
    """A child's captured step: its graph (or stand-in), static outputs, and the tensors it was captured with."""

    graph: object
    loss: torch.Tensor | None
    logits: torch.Tensor | None
    params: list
    grads: list
    bufs: list


class StepGraphs:
    """One graph per child of ``method``, a method on single path's step whose ``capturable()`` says so (read:
    ``model``, ``optimizer``, ``t``, ``lr``, ``children``, ``device``, ``autocast``). ``replay`` returns the
    step's (loss, logits), or None where it must run eagerly (another batch size; a weight not yet used or
    without its momentum buffer)."""

    def __init__(self, method, emulate: bool = False):
        self.method, self.emulate = method, emulate
        opt = method.optimizer.defaults
        self.momentum, self.weight_decay = opt["momentum"], opt["weight_decay"]
        self.zero = method.t["inactive_grads"] == "zero"
        self.graphs: dict[int, _Captured] = {}
        self.pool = self.x = self.y = None
        self.neg_lr = torch.zeros((), device=method.device)
        self.lr = None
        # with zero, every weight any of the children trains keeps a gradient once used, and steps each time
        self.used = list({id(p): p for child in method.children
                          for p in method.model.trained_parameters(child)}.values())

    @property
    def static_gradients(self) -> bool:
        """Gradients must keep their tensors between steps (the eager step then zeroes, never recreates)."""
        return self.zero and bool(self.graphs)

    def stepped(self, child: int) -> list:
        return self.used if self.zero else self.method.model.trained_parameters(child)

    def _ready(self, child: int) -> bool:
        params, state = self.stepped(child), self.method.optimizer.state
        if self.zero and any(p.grad is None for p in params):
            return False
        return not self.momentum or all("momentum_buffer" in state.get(p, {}) for p in params)

    def _valid(self, entry: _Captured) -> bool:
        """The tensors a graph was captured with are still the ones the optimiser and weights hold."""
        state, params = self.method.optimizer.state, entry.params
        return ((not self.zero or all(p.grad is g for p, g in zip(params, entry.grads)))
                and (not self.momentum or all(state[p]["momentum_buffer"] is b for p, b in zip(params, entry.bufs))))

    def body(self, child: int):
        """The step a graph holds: gradients, forward, backward, SGD; returns (loss, logits, grads)."""
        m, params = self.method, self.stepped(child)
        if self.zero:
            torch._foreach_zero_([p.grad for p in params])
        else:  # backward writes fresh gradients (in a graph: into the pool), as after zero_grad(set_to_none=True)
            m.optimizer.zero_grad(set_to_none=True)
        with m.autocast(cache=False):
            logits = m.model(self.x, child)
            loss = F.cross_entropy(logits, self.y)
        loss.backward()
        grads = [p.grad for p in params]
        bufs = [m.optimizer.state[p]["momentum_buffer"] for p in params] if self.momentum else None
        sgd_step(params, grads, bufs, self.neg_lr, self.momentum, self.weight_decay)
        return loss.detach(), logits.detach(), grads

    def _capture(self, child: int):
        m, params = self.method, self.stepped(child)
        bufs = [m.optimizer.state[p]["momentum_buffer"] for p in params] if self.momentum else []
        if self.emulate:
            return _Captured(_Eager(lambda: self.body(child)), None, None, params, [p.grad for p in params], bufs)
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            loss, logits, grads = self.body(child)
        return _Captured(graph, loss, logits, params, grads, bufs)

    def replay(self, child: int, batch):
        if self.x is not None and batch.x.shape != self.x.shape:
            return None
        entry = self.graphs.get(child)
        if entry is not None and not self._valid(entry):
            self.graphs.clear()  # a checkpoint or an eager step replaced a tensor: capture afresh
            entry = None
        if entry is None:
            if not self._ready(child):
                return None
            if self.x is None:
                self.x, self.y = torch.empty_like(batch.x), torch.empty_like(batch.y)
            try:
                entry = self.graphs[child] = self._capture(child)
            except RuntimeError as error:  # nothing ran: the step goes on eagerly, and so does every later one
                print(f"train.cuda_graphs: capturing child {child}'s step failed ({str(error).splitlines()[0]}); "
                      "training on without graphs (set train.cuda_graphs: off to skip the attempt)", flush=True)
                self.method.graphs = None  # the eager step's prepare_gradients resets what the capture touched
                return None
        if self.lr != self.method.lr:
            self.neg_lr.fill_(-self.method.lr)
            self.lr = self.method.lr
        self.x.copy_(batch.x)
        self.y.copy_(batch.y)
        entry.graph.replay()
        if self.emulate:
            return entry.graph.out[:2]
        return entry.loss.clone(), entry.logits.clone()
