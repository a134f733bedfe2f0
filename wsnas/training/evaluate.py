"""Accuracy of every child on the ranking split (Zhang et al. 2020, Sec. 3.1, rank on the CIFAR-10 test set).

BN modes (``evaluate.bn_mode``):
- ``running`` (the original): ``eval()`` with the shared running statistics;
- ``batch``: train-mode BN, i.e. the statistics of each evaluation batch;
- ``recalibrate``: per child, reset the BN statistics of its modules and re-estimate them on N seeded,
  augmented training batches before evaluating (the common remedy for shared BN statistics).

With ``running`` and ``batch`` the children are evaluated batch by batch with a shared computation cache
(``WeightSharingNet.forward(cache=...)``): the stem and a shared cell's single-edge outputs run once per
batch instead of 64 times.
"""

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from wsnas.training.device import precision_context
from wsnas.core.space import CHILD_IDS, children_or_all


def _bn_layers(modules):
    for module in modules:
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                yield m


def _bn_state(model):
    return {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}


@torch.no_grad()
def _evaluate_shared(model, data, children, batch_size, train_mode, precision="fp32"):
    correct = torch.zeros(len(children), device=data.device)
    loss = torch.zeros(len(children), device=data.device)
    model.train(train_mode)
    saved = _bn_state(model) if train_mode else None  # batch statistics must not touch the stored ones
    for x, y in data.test_batches(batch_size):
        cache = {}
        for j, child in enumerate(children):
            with precision_context(precision, data.device):
                logits = model(x, child, cache)
            correct[j] += (logits.argmax(1) == y).sum()
            loss[j] += F.cross_entropy(logits.float(), y, reduction="sum")
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
        return _evaluate_shared(model, data, children, eval_cfg["batch_size"], train_mode=(mode == "batch"),
                                precision=eval_cfg["precision"])
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
