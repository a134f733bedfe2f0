"""Figure 4 of Zhang et al. 2020 (Sec. 3.3, Insight 2): fine-tune every child alone from a supernet snapshot.

From the snapshot of epoch E (weights and BN statistics), each child trains alone for
``studies.finetune.steps`` mini-batches at the learning rate the schedule has after epoch E, with a fresh
SGD optimiser (no momentum buffers inherited from the supernet), as the authors' ``finetune.py`` does;
only its own weights move (gradients of the others stay None). It is evaluated after every mini-batch.
Every child sees the same seeded mini-batches, so the children differ only in their weights. Each child is
a single-path method over that one child, driven by the training loop (``Loop.run_steps``) at a constant
learning rate.
"""

import pandas as pd

from wsnas.core.space import CHILD_IDS, children_or_all
from wsnas.methods.single_path.trainer import SinglePath
from wsnas.plan.runs import single_path_config
from wsnas.training.checkpoint import checked_method_state
from wsnas.training.loop import Loop
from wsnas.training.schedule import cosine_lr


def finetune_seed(train: dict, epoch: int) -> int:
    """The data-order seed of fine-tuning from the snapshot of ``epoch`` (the same for every child)."""
    return train["data_seed"] + 7919 * (epoch + 1)


def finetune_children(cfg: dict, data, state: dict, steps: int, children=None, source="snapshot") -> pd.DataFrame:
    """Long table (child, step, accuracy, loss on the ranking split); step 0 is the snapshot itself."""
    snapshot = checked_method_state(state, source, "single_path", "but fine-tuning (Figure 4) starts from a single-path "
                                    "supernet: set studies.finetune.experiment to one trained single-path")
    t = cfg["train"]
    children = children_or_all(children)
    epoch = int(state["epoch"])
    lr = cosine_lr(min(epoch, t["epochs"] - 1), t["epochs"], t["lr"], t["lr_min"])
    cfg = single_path_config(cfg, train={"compile": "off", "child_order": "sequential", "lr": lr, "lr_min": lr,
                                         "data_seed": finetune_seed(t, epoch)})
    rows = []

    def evaluate(loop):
        acc, loss = loop.method.rank(data, cfg["evaluate"], loop.children)
        rows.append({"child": CHILD_IDS[loop.children[0]], "step": loop.step, "accuracy": float(acc[0]), "loss": float(loss[0])})

    for child in children:
        method = SinglePath(cfg, data, [child])  # a fresh optimiser: no momentum from the supernet
        method.load_weights(snapshot, source)
        if not rows:
            start, start_loss = method.rank(data, cfg["evaluate"], children)
            rows = [{"child": CHILD_IDS[c], "step": 0, "accuracy": float(a), "loss": float(l)}
                    for c, a, l in zip(children, start, start_loss)]
        Loop(cfg, data, None, children=[child], method=method).run_steps(steps, on_step=evaluate)
    return pd.DataFrame(rows)
