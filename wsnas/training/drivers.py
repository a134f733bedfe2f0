"""What each training job runs, all through ``wsnas.training.loop.Loop``: one supernet, one study run,
the ground truth's standalone children (Zhang et al. 2020, Sec. 3.1, 4.2).

A group-sharing run trains its m groups as m independent supernets (Sec. 4.2), in lockstep so that "the
last k mini-batches" are the same steps for every group; with ``train.stacked`` on the groups, and
the ground truth's children, run as one batched computation (``wsnas.training.stacked``).
"""

import logging
from pathlib import Path

import pandas as pd

from wsnas.config import merged
from wsnas.core.sharing import group_members
from wsnas.core.space import CHILD_IDS, child_index, children_or_all
from wsnas.errors import WsnasError
from wsnas.plan.reuse import GROUND_TRUTH_KEEPS
from wsnas.plan.runs import single_path_config
from wsnas.training.device import stacked_enabled
from wsnas.training.loop import Loop
from wsnas.training.stacked import run_loops
from wsnas.training.streams import streams_enabled

log = logging.getLogger("wsnas")


def train_supernet(cfg: dict, data, checkpoint_dir) -> Loop:
    """Train one supernet instance (all children, or ``train.children``) to ``train.epochs``."""
    if cfg["sharing"]["mode"] == "group":
        raise WsnasError("config key sharing.mode=group: the paper trains each group as its own network for the full "
                         "schedule; use wsnas.training.drivers.train_groups (python -m wsnas train-supernet does)")
    return Loop(cfg, data, checkpoint_dir).run()


def train_groups(cfg: dict, data, folder, start_from=None) -> pd.DataFrame:
    """Dense table of a group-sharing run: each group's loop evaluates only its own children; the table
    joins them per step. ``start_from``: group folder name -> (folder, fingerprint, epoch) of another
    job's network that trains the same weights (``wsnas.plan.reuse``)."""
    members = group_members(cfg["sharing"])
    solo = merged(cfg, sharing={"mode": "full"})
    start_from = start_from or {}
    loops = [Loop(solo, data, Path(folder) / f"group{g:02d}", children=children, start_from=start_from.get(f"group{g:02d}"))
             for g, children in enumerate(members)]
    for g, loop in enumerate(loops):
        log.info("group %d/%d: children %s", g + 1, len(loops), " ".join(CHILD_IDS[c] for c in loop.children))
    run_loops(loops, stacked_enabled(cfg["train"]["stacked"], data.device),
              streams=streams_enabled(cfg["train"].get("streams", 1), data.device))
    tables = [loop.dense_table() for loop in loops]
    joined = tables[0].copy()
    for table in tables[1:]:
        joined[list(CHILD_IDS)] = joined[list(CHILD_IDS)].fillna(table[list(CHILD_IDS)])
    joined["trained"] = [" ".join(row) for row in zip(*(t["trained"] for t in tables))]
    return joined


def train_study_run(cfg: dict, data, folder, start_from=None) -> pd.DataFrame:
    """Dense table (step, trained, one column per child) of one study run's instance; ``start_from`` as
    in ``train_groups`` (a single network's key is "")."""
    if cfg["sharing"]["mode"] == "group":
        return train_groups(cfg, data, folder, start_from)
    return Loop(cfg, data, folder, start_from=(start_from or {}).get("")).run().dense_table()


def train_standalone(cfg: dict, data, checkpoint_dir, children=None, stack: int = 1) -> pd.DataFrame:
    """Ground truth: train each child alone from scratch with the same schedule (Sec. 3.1), evaluating it
    after every epoch. Returns a long table (child, epoch, accuracy, loss).

    Each child has its own checkpoint folder ``<checkpoint_dir>/<child>``; the newest
    ``GROUND_TRUTH_KEEPS`` epochs are kept (a study that reuses a child starts from one of them).
    With ``train.stacked`` on (off by default: measured slower), ``stack`` children at a time train as one batched
    computation; the results are the same to float tolerance. With ``train.streams`` > 1 on a CUDA device,
    that many children train at once, their steps interleaved on their own streams, with the same results.
    """
    children = children_or_all([child_index(c) for c in cfg["train"]["children"]] if children is None else children)
    solo = single_path_config(cfg, sharing={"mode": "full"})
    stacked = stacked_enabled(cfg["train"]["stacked"], data.device)
    streams = streams_enabled(cfg["train"].get("streams", 1), data.device)
    k = stack if stacked else streams

    def evaluate_child(loop):
        acc, loss = loop.method.rank(data, cfg["evaluate"], loop.children)
        return {"accuracy": float(acc[0]), "loss": float(loss[0])}

    rows = []
    for start in range(0, len(children), k):
        loops = [Loop(solo, data, Path(checkpoint_dir) / CHILD_IDS[c], children=[c], keep_last=GROUND_TRUTH_KEEPS, evaluates=True)
                 for c in children[start:start + k]]
        if len(loops) > 1:
            log.info("training children %s together (%s)", " ".join(CHILD_IDS[c] for c in children[start:start + k]),
                     "stacked" if stacked else "interleaved on CUDA streams")
        run_loops(loops, stacked, after_epoch=evaluate_child, streams=streams)
        for loop in loops:
            child = CHILD_IDS[loop.children[0]]
            for record in loop.history:
                rows.append({"child": child, "epoch": record["epoch"],
                             "accuracy": record["accuracy"], "loss": record["loss"]})
            log.info("child %s: accuracy %.4f after %d epochs", child, rows[-1]["accuracy"], loop.epoch)
    return pd.DataFrame(rows)
