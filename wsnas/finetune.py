"""Figure 4 of Zhang et al. 2020 (Sec. 3.3, Insight 2): fine-tune every child alone from a supernet snapshot.

From the snapshot of epoch E (weights and BN statistics), each child trains alone for
``studies.finetune.steps`` mini-batches at the learning rate the schedule has after epoch E, with a fresh
SGD optimiser (no momentum buffers inherited from the supernet), as the authors' ``finetune.py`` does;
only its own weights move (gradients of the others stay None). It is evaluated after every mini-batch.
Every child sees the same seeded mini-batches, so the children differ only in their weights.
"""

import pandas as pd
import torch

from .checkpoint import load_model_state
from .device import precision_context
from .evaluate import evaluate_children
from .model import WeightSharingNet
from .space import CHILD_IDS
from .train import TrainingHooks, cosine_lr


def finetune_batches(data, train: dict, epoch: int):
    """The endless stream of mini-batches every child is fine-tuned on from the snapshot of ``epoch``
    (the same stream for every child)."""
    generator = data.make_generator(train["data_seed"] + 7919 * (epoch + 1))
    while True:
        yield from data.train_batches(generator, train["batch_size"])


def finetune_children(cfg: dict, data, state: dict, steps: int, children=None, source="snapshot") -> pd.DataFrame:
    """Long table (child, step, accuracy, loss on the ranking split); step 0 is the snapshot itself."""
    t = cfg["train"]
    children = list(range(len(CHILD_IDS))) if children is None else list(children)
    model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=data.classes).to(data.device, memory_format=data.memory_format)
    load_model_state(model, state, source)
    epoch = int(state["epoch"])
    lr = cosine_lr(min(epoch, t["epochs"] - 1), t["epochs"], t["lr"], t["lr_min"])
    start, start_loss = evaluate_children(model, data, cfg["evaluate"], children)
    rows = [{"child": CHILD_IDS[c], "step": 0, "accuracy": float(a), "loss": float(l)}
            for c, a, l in zip(children, start, start_loss)]
    loss_of = TrainingHooks().loss
    for child in children:
        model.load_state_dict(state["model"])
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=t["momentum"], weight_decay=t["weight_decay"])
        for step, (x, y) in zip(range(1, steps + 1), finetune_batches(data, t, epoch)):
            model.train()
            optimizer.zero_grad(set_to_none=True)
            with precision_context(t["precision"], data.device):
                loss = loss_of(model(x, child), y, child, step)
            loss.backward()
            optimizer.step()
            acc, eval_loss = evaluate_children(model, data, cfg["evaluate"], [child])
            rows.append({"child": CHILD_IDS[child], "step": step, "accuracy": float(acc[0]), "loss": float(eval_loss[0])})
    return pd.DataFrame(rows)
