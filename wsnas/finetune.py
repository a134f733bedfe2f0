"""Figure 4 of seed 002 (Sec. 3.3, Insight 2): fine-tune every child alone from a supernet snapshot.

From the snapshot of epoch E (weights, BN statistics and SGD momentum buffers), each child trains alone
for ``studies.finetune.steps`` mini-batches at the learning rate the schedule has after epoch E; only
its own weights move (gradients of the others stay None). It is evaluated after every mini-batch.
Every child sees the same seeded mini-batches, so the children differ only in their weights.
"""

import copy

import pandas as pd
import torch

from .device import precision_context
from .evaluate import evaluate_children
from .model import WeightSharingNet
from .space import CHILD_IDS
from .train import TrainingHooks, cosine_lr


def finetune_children(cfg: dict, data, state: dict, steps: int, children=None) -> pd.DataFrame:
    """Long table (child, step, accuracy); step 0 is the snapshot itself."""
    t = cfg["train"]
    children = list(range(len(CHILD_IDS))) if children is None else list(children)
    model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=data.classes).to(data.device, memory_format=data.memory_format)
    model.load_state_dict(state["model"])
    epoch = int(state["epoch"])
    lr = cosine_lr(min(epoch, t["epochs"] - 1), t["epochs"], t["lr"], t["lr_min"])
    start, _ = evaluate_children(model, data, cfg["evaluate"], children)
    rows = [{"child": CHILD_IDS[c], "step": 0, "accuracy": float(a)} for c, a in zip(children, start)]
    loss_of = TrainingHooks().loss
    for child in children:
        model.load_state_dict(state["model"])
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=t["momentum"], weight_decay=t["weight_decay"])
        optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))
        for group in optimizer.param_groups:
            group["lr"] = lr
        generator = data.make_generator(t["data_seed"] + 7919 * (epoch + 1))
        batches = data.train_batches(generator, t["batch_size"])
        for step in range(1, steps + 1):
            try:
                x, y = next(batches)
            except StopIteration:
                batches = data.train_batches(generator, t["batch_size"])
                x, y = next(batches)
            model.train()
            optimizer.zero_grad(set_to_none=True)
            with precision_context(t["precision"], data.device):
                loss = loss_of(model(x, child), y, child, step)
            loss.backward()
            optimizer.step()
            acc, _ = evaluate_children(model, data, cfg["evaluate"], [child])
            rows.append({"child": CHILD_IDS[child], "step": step, "accuracy": float(acc[0])})
    return pd.DataFrame(rows)
