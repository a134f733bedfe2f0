"""Accuracy of every child on the ranking split (Zhang et al. 2020, Sec. 3.1, rank on the CIFAR-10 test set).

BN modes (``evaluate.bn_mode``):
- ``running`` (the original): ``eval()`` with the shared running statistics;
- ``batch``: train-mode BN, i.e. the statistics of each evaluation batch;
- ``recalibrate``: per child, reset the BN statistics of its modules and re-estimate them on N seeded,
  augmented training batches before evaluating (the common remedy for shared BN statistics).

With ``running`` and ``batch`` the children are evaluated batch by batch with a shared computation cache
(``WeightSharingNet.forward(cache=...)``): the stem and a shared cell's single-edge outputs run once per
batch instead of 64 times. With ``evaluate.cuda_graphs`` on (CUDA), that whole batch's evaluation of every
child is captured once per model as one CUDA graph and replayed for each batch of the same size
(``EvalGraphs``).
"""

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from wsnas.training.device import precision_context
from wsnas.training.graphs import graphs_enabled
from wsnas.core.space import CHILD_IDS, children_or_all


def _bn_layers(modules):
    for module in modules:
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                yield m


def _bn_state(model):
    return {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}


def _evaluate_batch(model, x, y, children, precision, correct, loss, cache_casts=True):
    """Add the batch's correct predictions and summed loss of every child into ``correct`` and ``loss``."""
    cache = {}
    for j, child in enumerate(children):
        with precision_context(precision, x.device, cache_casts):
            logits = model(x, child, cache)
        correct[j] += (logits.argmax(1) == y).sum()
        loss[j] += F.cross_entropy(logits.float(), y, reduction="sum")


class EvalGraphs:
    """One CUDA graph per (children, batch shape, BN mode, precision) of a model, holding ``_evaluate_batch``
    into static accumulators; kept on the model and captured afresh if its tensors were replaced.
    ``emulate``: run the captured function instead of a graph (CPU tests of the bookkeeping)."""

    def __init__(self, model, emulate: bool = False):
        self.model, self.emulate, self.entries = model, emulate, {}
        self.pool = None

    @staticmethod
    def of(model, emulate: bool = False) -> "EvalGraphs":
        graphs = model.__dict__.get("_eval_graphs")
        if graphs is None:
            graphs = model.__dict__["_eval_graphs"] = EvalGraphs(model, emulate)
        return graphs

    def _tensors(self):
        return [t.data_ptr() for t in (*self.model.parameters(), *self.model.buffers())]

    def run(self, x, y, children, train_mode: bool, precision: str):
        """The batch's (correct, loss) per child, as tensors the next replay overwrites."""
        key = (tuple(children), tuple(x.shape), train_mode, precision)
        entry = self.entries.get(key)
        if entry is not None and entry["tensors"] != self._tensors():
            self.entries.clear()
            entry = None
        if entry is None:
            entry = self.entries[key] = {
                "x": torch.empty_like(x), "y": torch.empty_like(y), "tensors": self._tensors(),
                "correct": torch.zeros(len(children), device=x.device),
                "loss": torch.zeros(len(children), device=x.device)}
        entry["x"].copy_(x)
        entry["y"].copy_(y)
        if "replay" not in entry:
            entry["replay"] = self._capture(entry, children, precision)
        entry["replay"]()
        return entry["correct"], entry["loss"]

    def _capture(self, entry, children, precision):
        """The replay of ``_evaluate_batch`` on the entry's static tensors (its inputs already copied in)."""

        def body():
            entry["correct"].zero_()
            entry["loss"].zero_()
            _evaluate_batch(self.model, entry["x"], entry["y"], children, precision, entry["correct"],
                            entry["loss"], cache_casts=False)

        if self.emulate:
            return body
        device = entry["x"].device  # one eager pass on a side stream first: cuDNN chooses outside the capture
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            body()
        torch.cuda.current_stream(device).wait_stream(side)
        self.pool = self.pool or torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            body()
        return graph.replay


@torch.no_grad()
def _evaluate_shared(model, data, children, batch_size, train_mode, precision="fp32", graphs=None):
    correct = torch.zeros(len(children), device=data.device)
    loss = torch.zeros(len(children), device=data.device)
    model.train(train_mode)
    saved = _bn_state(model) if train_mode else None  # batch statistics must not touch the stored ones
    full = None
    for x, y in data.test_batches(batch_size):
        full = full or len(y)
        if graphs is not None and len(y) == full:
            batch_correct, batch_loss = graphs.run(x, y, children, train_mode, precision)
            correct += batch_correct
            loss += batch_loss
        else:  # no graphs, or the split's smaller last batch
            _evaluate_batch(model, x, y, children, precision, correct, loss)
    if saved is not None:
        model.load_state_dict(saved, strict=False)
    n = len(data.test_y)
    return (correct / n).cpu(), (loss / n).cpu()


@torch.no_grad()
def _evaluate_recalibrated(model, data, children, batch_size, n_batches, seed):
    accs, losses = [], []
    state = _bn_state(model)
    for child in children:
        bns = list(_bn_layers(model.modules_of(child)))
        momenta = [m.momentum for m in bns]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the recalibration batches
        model.train()
        generator = data.make_generator(seed)
        for i, (x, _, _) in enumerate(data.train_batches(generator, batch_size)):  # as seen in training
            if i == n_batches:
                break
            model(x, child)
        for m, momentum in zip(bns, momenta):
            m.momentum = momentum
        acc, loss = _evaluate_shared(model, data, [child], batch_size, train_mode=False)
        accs.append(acc)
        losses.append(loss)
        model.load_state_dict(state, strict=False)
    return torch.cat(accs), torch.cat(losses)


def evaluate_children(model, data, eval_cfg: dict, children=None, seed: int = 0):
    """(accuracy, loss) tensors of the given child indices (default: all 64) on the ranking split."""
    children = children_or_all(children)
    was_training = model.training
    try:
        mode = eval_cfg["bn_mode"]
        if mode == "recalibrate":
            return _evaluate_recalibrated(
                model, data, children, eval_cfg["batch_size"], eval_cfg["recalibrate_batches"], seed
            )
        captured = graphs_enabled(eval_cfg.get("cuda_graphs", "off"), data.device, "evaluate.cuda_graphs")
        graphs = EvalGraphs.of(model) if captured else None
        return _evaluate_shared(model, data, children, eval_cfg["batch_size"], train_mode=(mode == "batch"),
                                precision=eval_cfg["precision"], graphs=graphs)
    finally:
        model.train(was_training)


def accuracy_table(acc, loss, children=None, **columns) -> pd.DataFrame:
    """Long table: one row per child with its accuracy and loss (plus constant ``columns``)."""
    children = children_or_all(children)
    frame = pd.DataFrame(
        {"child": [CHILD_IDS[c] for c in children], "accuracy": acc.tolist(), "loss": loss.tolist()}
    )
    for name, value in columns.items():
        frame.insert(0, name, value)
    return frame
