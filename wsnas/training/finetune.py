"""Figure 4 of Zhang et al. 2020 (Sec. 3.3, Insight 2): fine-tune every child alone from a supernet snapshot.

From the snapshot of epoch E (weights and BN statistics), each child trains alone for
``studies.finetune.steps`` mini-batches at the learning rate the schedule has after epoch E, with a fresh
SGD optimiser (no momentum buffers inherited from the supernet), as the authors' ``finetune.py`` does;
only its own weights move (gradients of the others stay None). It is evaluated after every mini-batch.
Every child sees the same seeded mini-batches, so the children differ only in their weights.
"""

import pandas as pd

from wsnas.config import merged
from wsnas.core.space import CHILD_IDS
from wsnas.methods.single_path import SinglePath
from wsnas.plan.settings import check_protocol
from wsnas.training.checkpoint import method_state
from wsnas.training.schedule import cosine_lr


def finetune_batches(data, train: dict, epoch: int):
    """The endless stream of mini-batches every child is fine-tuned on from the snapshot of ``epoch``
    (the same stream for every child)."""
    generator = data.make_generator(train["data_seed"] + 7919 * (epoch + 1))
    while True:
        yield from data.train_batches(generator, train["batch_size"])


def finetune_children(cfg: dict, data, state: dict, steps: int, children=None, source="snapshot") -> pd.DataFrame:
    """Long table (child, step, accuracy, loss on the ranking split); step 0 is the snapshot itself.

    Each child is a single-path method over that one child (``wsnas.methods.single_path``, the same step
    as supernet training), built fresh, so its optimiser starts without momentum buffers."""
    check_protocol(state.get("protocol"), f"checkpoint {source}")
    t = cfg["train"]
    children = list(range(len(CHILD_IDS))) if children is None else list(children)
    cfg = merged(cfg, train={"compile": "off", "child_order": "sequential"})
    snapshot = method_state(state)
    epoch = int(state["epoch"])
    lr = cosine_lr(min(epoch, t["epochs"] - 1), t["epochs"], t["lr"], t["lr_min"])
    rows = []
    for child in children:
        method = SinglePath(cfg, data, [child])
        method.load_weights(snapshot, source)
        if not rows:
            start, start_loss = method.rank(data, cfg["evaluate"], children)
            rows = [{"child": CHILD_IDS[c], "step": 0, "accuracy": float(a), "loss": float(l)}
                    for c, a, l in zip(children, start, start_loss)]
        method.set_lr(lr)
        for step, batch in zip(range(1, steps + 1), finetune_batches(data, t, epoch)):
            method.model.train()
            method.step(batch)
            acc, eval_loss = method.rank(data, cfg["evaluate"], [child])
            rows.append({"child": CHILD_IDS[child], "step": step, "accuracy": float(acc[0]), "loss": float(eval_loss[0])})
    return pd.DataFrame(rows)
